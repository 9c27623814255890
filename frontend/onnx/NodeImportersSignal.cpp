//===- NodeImportersSignal.cpp - DFT, STFT, MelWeightMatrix ----------------===//
//
// With a static signal length N, the DFT along an axis is two real matrix products with constant
// cosine and sine tables: (re + i im)(cos -+ i sin) for the forward (inverse, scaled by 1/N)
// transform. The axis is moved last for the products and back afterwards.
//
// STFT and MelWeightMatrix may take their sizes as run-time inputs, so their index vectors are run-time
// Ranges unless the sizes are constants, and their tables are computed by kernels.
//
#include "frontend/onnx/GraphBuilders.h"

#include <cmath>

using namespace mlir;

namespace tessera::onnx {

static Results importDFT(NodeContext &c) {
  auto in = c.inputType(0);
  int64_t rank = in.getRank();
  Type elem = in.getElementType();
  if (!in.hasStaticShape() || rank < 2 || (in.getDimSize(rank - 1) != 1 && in.getDimSize(rank - 1) != 2) ||
      !isa<FloatType>(elem))
    return c.error() << "expects a static float signal with a last dim of 1 (real) or 2 (complex)";
  // The axis is an attribute (default 1) before opset 20, an optional input (default -2) from 20 on;
  // negative values count from the back including the trailing real/imaginary dim.
  int64_t axisValue = c.getInt("axis", 1);
  if (c.opset >= 20) {
    axisValue = -2;
    if (c.input(2)) {
      auto v = c.constantInts(2);
      if (!v || v->size() != 1)
        return c.error() << "axis must be a compile-time constant scalar";
      axisValue = (*v)[0];
    }
  }
  auto axis = normalizeAxis(c, axisValue, rank);
  if (failed(axis))
    return failure();
  if (*axis == rank - 1)
    return c.error() << "axis " << axisValue << " is the real/imaginary dim";
  Value signal = c.input(0);
  if (c.input(1)) { // dft_length: the signal is truncated or zero-padded to it along the axis
    auto length = c.constantInts(1);
    if (!length || length->size() != 1 || (*length)[0] <= 0)
      return c.error() << "dft_length must be a positive compile-time constant";
    int64_t have = in.getDimSize(*axis), want = (*length)[0];
    if (want < have) {
      SmallVector<int64_t> starts(rank, 0), sizes(in.getShape()), steps(rank, 1);
      sizes[*axis] = want;
      signal = graph::SliceOp::create(c.b, c.loc, signal, starts, steps, sizes);
    } else if (want > have) {
      SmallVector<int64_t> pads(2 * rank, 0);
      pads[rank + *axis] = want - have;
      signal = graph::PadOp::create(c.b, c.loc, signal, graph::PadMode::constant, c.b.getDenseI64ArrayAttr(pads),
                                    Value());
    }
    in = cast<RankedTensorType>(signal.getType());
  }
  bool inverse = c.getInt("inverse", 0) != 0, onesided = c.getInt("onesided", 0) != 0;
  if (inverse && onesided)
    return c.error() << "inverse one-sided transforms are not supported";
  int64_t n = in.getDimSize(*axis), k = onesided ? n / 2 + 1 : n;
  bool complex = in.getDimSize(rank - 1) == 2;

  // Signal parts [..., N at axis, ...] moved to [..., N].
  SmallVector<int64_t> partShape(in.getShape().drop_back()), perm, inversePerm(rank - 1);
  for (int64_t i = 0; i < rank - 1; ++i)
    if (i != *axis)
      perm.push_back(i);
  perm.push_back(*axis);
  for (int64_t i = 0; i < rank - 1; ++i)
    inversePerm[perm[i]] = i;
  auto part = [&](int64_t j) -> Value {
    SmallVector<int64_t> starts(rank, 0), sizes(in.getShape()), steps(rank, 1);
    starts[rank - 1] = j;
    sizes[rank - 1] = 1;
    Value s = graph::SliceOp::create(c.b, c.loc, signal, starts, steps, sizes);
    s = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(partShape, elem), s, Value());
    return transpose(c, s, perm);
  };
  Value re = part(0), im = complex ? part(1) : Value();

  double scale = inverse ? 1.0 / n : 1.0, sign = inverse ? 1.0 : -1.0; // e^{sign * i 2 pi k n / N}
  SmallVector<Attribute> cosv, sinv;
  for (int64_t t = 0; t < n; ++t)
    for (int64_t f = 0; f < k; ++f) {
      double angle = 2 * M_PI * double((t * f) % n) / double(n);
      cosv.push_back(c.b.getFloatAttr(elem, scale * std::cos(angle)));
      sinv.push_back(c.b.getFloatAttr(elem, scale * sign * std::sin(angle)));
    }
  auto tableType = RankedTensorType::get({n, k}, elem);
  Value cosT = graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(tableType, cosv));
  Value sinT = graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(tableType, sinv));
  auto matmul = [&](Value a, Value t) -> Value { return graph::MatMulOp::create(c.b, c.loc, a, t); };
  // (re + i im)(cos + i s) with s = sign * sin: real re cos - im s, imaginary re s + im cos.
  Value outRe = matmul(re, cosT), outIm = matmul(re, sinT);
  if (im) {
    outRe = binary<graph::SubOp>(c, outRe, matmul(im, sinT));
    outIm = binary<graph::AddOp>(c, outIm, matmul(im, cosT));
  }
  SmallVector<int64_t> outShape(partShape);
  outShape[*axis] = k;
  SmallVector<int64_t> withPart(outShape);
  withPart.push_back(1);
  auto back = [&](Value v) -> Value {
    return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(withPart, elem), transpose(c, v, inversePerm),
                                    Value());
  };
  return SmallVector<Value>{graph::ConcatOp::create(c.b, c.loc, ValueRange{back(outRe), back(outIm)}, rank - 1)};
}

/// 0, 1, ..., count - 1 as a 1-D int64 tensor: static when `count` (rank 0 int64) is a known constant.
static Value indexVector(NodeContext &c, Value count, std::optional<int64_t> known) {
  if (known)
    return reshape(c, iota(c, *known, 0, 1), {*known});
  Value zero = i64Constant(c, {0}, {}), one = i64Constant(c, {1}, {});
  return graph::RangeOp::create(c.b, c.loc, zero, one, count);
}

/// Input `i` as a compile-time int64 scalar, if it is one.
static std::optional<int64_t> knownScalar(NodeContext &c, size_t i) {
  auto v = c.input(i) ? c.constantInts(i) : std::nullopt;
  return v && v->size() == 1 ? std::optional<int64_t>((*v)[0]) : std::nullopt;
}

static Results importMelWeightMatrix(NodeContext &c) {
  for (size_t i = 0; i < 5; ++i)
    if (!c.input(i) || c.inputType(i).getNumElements() != 1)
      return c.error() << "input " << i << " must be a scalar";
  Type f64 = c.b.getF64Type(), i64 = c.b.getI64Type();
  Type outElem = convertElementType(c.ctx(), static_cast<int>(c.getInt("output_datatype", 1)));
  if (!outElem || !isa<FloatType>(outElem))
    return c.error() << "output_datatype " << c.getInt("output_datatype", 1) << " is not a float type";
  auto scalar = [&](size_t i, Type t) { return castTo(c, reshape(c, c.input(i), {}), t); };
  auto k = [&](double v) { return scalarConstant(c, f64, v); };
  Value mels = scalar(0, i64), dft = scalar(1, i64);
  std::optional<int64_t> melCount = knownScalar(c, 0), dftLength = knownScalar(c, 1);
  if ((melCount && *melCount <= 0) || (dftLength && *dftLength <= 0))
    return c.error() << "num_mel_bins and dft_length must be positive";
  Value bins = binary<graph::AddOp>(c, binary<graph::DivOp>(c, dft, i64Constant(c, {2}, {})), i64Constant(c, {1}, {}));
  // Bin edges: num_mel_bins + 2 points evenly spaced in mel between the edge frequencies, as spectrogram bins.
  auto toMel = [&](Value hz) {
    Value ratio = binary<graph::AddOp>(c, k(1), binary<graph::DivOp>(c, hz, k(700)));
    return binary<graph::MulOp>(c, k(2595 / std::log(10.0)), graph::LogOp::create(c.b, c.loc, ratio));
  };
  Value low = toMel(scalar(3, f64)), high = toMel(scalar(4, f64));
  Value points = binary<graph::AddOp>(c, mels, i64Constant(c, {2}, {}));
  Value step = binary<graph::DivOp>(c, binary<graph::SubOp>(c, high, low), castTo(c, points, f64));
  std::optional<int64_t> pointCount = melCount ? std::optional<int64_t>(*melCount + 2) : std::nullopt;
  Value mel = binary<graph::AddOp>(c, binary<graph::MulOp>(c, castTo(c, indexVector(c, points, pointCount), f64), step), low);
  Value hz = binary<graph::MulOp>(
      c, k(700), binary<graph::SubOp>(c, binary<graph::PowOp>(c, k(10), binary<graph::DivOp>(c, mel, k(2595))), k(1)));
  Value scaled = binary<graph::DivOp>(
      c, binary<graph::MulOp>(c, castTo(c, binary<graph::AddOp>(c, dft, i64Constant(c, {1}, {})), f64), hz), scalar(2, f64));
  Value edges = castTo(c, graph::FloorOp::create(c.b, c.loc, scaled), i64);
  // Left, center and right edge of each mel bin as rows; spectrogram bins j as a column.
  Value melIndex = indexVector(c, mels, melCount);
  auto edge = [&](int64_t offset) -> Value {
    Value at = graph::GatherOp::create(c.b, c.loc, edges,
                                       binary<graph::AddOp>(c, melIndex, i64Constant(c, {offset}, {})), 0);
    return castTo(c, graph::UnsqueezeOp::create(c.b, c.loc, at, c.b.getDenseI64ArrayAttr({0})), f64);
  };
  Value left = edge(0), center = edge(1), right = edge(2);
  std::optional<int64_t> binCount = dftLength ? std::optional<int64_t>(*dftLength / 2 + 1) : std::nullopt;
  Value j = castTo(c, graph::UnsqueezeOp::create(c.b, c.loc, indexVector(c, bins, binCount), c.b.getDenseI64ArrayAttr({1})), f64);
  // Rising from the left edge to 1 at the center, falling to 0 at the right edge.
  Value rising = binary<graph::DivOp>(c, binary<graph::SubOp>(c, j, left), binary<graph::SubOp>(c, center, left));
  Value falling = binary<graph::DivOp>(c, binary<graph::SubOp>(c, right, j), binary<graph::SubOp>(c, right, center));
  Value onRise = binary<graph::AndOp>(c, binary<graph::GreaterOrEqualOp>(c, j, left), binary<graph::LessOp>(c, j, center));
  Value onFall = binary<graph::AndOp>(c, binary<graph::GreaterOp>(c, j, center), binary<graph::LessOp>(c, j, right));
  Value rise = graph::WhereOp::create(c.b, c.loc, onRise, rising, k(0));
  Value peak = graph::WhereOp::create(c.b, c.loc, binary<graph::EqualOp>(c, j, center), k(1), rise);
  Value weights = graph::WhereOp::create(c.b, c.loc, onFall, falling, peak);
  return SmallVector<Value>{castTo(c, weights, outElem)};
}

/// STFT: frames gathered from the signal at f * frame_step + t, windowed, and transformed by summing
/// against cosine and sine tables built from the frame length; frame step, frame length and window may
/// be run-time inputs, and then the frame count and the tables are computed when the model runs.
static Results importSTFT(NodeContext &c) {
  auto in = c.inputType(0);
  Type elem = in.getElementType();
  if (!in.hasStaticShape() || in.getRank() != 3 || (in.getDimSize(2) != 1 && in.getDimSize(2) != 2) ||
      !isa<FloatType>(elem))
    return c.error() << "expects a static float signal [batch, length, 1 or 2], got " << in;
  if (!c.input(1) || c.inputType(1).getNumElements() != 1)
    return c.error() << "frame_step must be a scalar";
  if (!c.input(2) && !c.input(3))
    return c.error() << "needs a window or a frame_length";
  bool complex = in.getDimSize(2) == 2, onesided = c.getInt("onesided", 1) != 0;
  if (complex && onesided)
    return c.error() << "a complex signal has no one-sided transform";
  Type i64 = c.b.getI64Type(), f64 = c.b.getF64Type();
  auto scalar = [&](size_t i) { return castTo(c, reshape(c, c.input(i), {}), i64); };
  // The frame length: the window's size, or the frame_length input (which must agree with a window).
  std::optional<int64_t> length;
  Value frameLength;
  if (c.input(2)) {
    auto window = c.inputType(2);
    if (window.getRank() != 1 || !window.hasStaticShape() || window.getElementType() != elem)
      return c.error() << "the window must be static, 1-D and of the signal's type, got " << window;
    length = window.getDimSize(0);
    frameLength = i64Constant(c, {*length}, {});
    if (auto given = knownScalar(c, 3); given && *given != *length)
      return c.error() << "frame_length " << *given << " differs from the window's " << *length;
  } else {
    length = knownScalar(c, 3);
    frameLength = scalar(3);
  }
  std::optional<int64_t> frameStep = knownScalar(c, 1);
  if ((length && *length <= 0) || (frameStep && *frameStep <= 0))
    return c.error() << "frame_step and frame_length must be positive";
  Value step = scalar(1), one = i64Constant(c, {1}, {}), zero = i64Constant(c, {0}, {});
  int64_t n = in.getDimSize(1);
  // Frames: max(0, (n - L) / step + 1); bins: L / 2 + 1 one-sided, else L.
  std::optional<int64_t> frameCount, binCount;
  if (length && frameStep)
    frameCount = std::max<int64_t>(0, (n - *length) / *frameStep + 1);
  if (length)
    binCount = onesided ? *length / 2 + 1 : *length;
  Value frames = binary<graph::MaxOp>(
      c, binary<graph::AddOp>(c, binary<graph::DivOp>(c, binary<graph::SubOp>(c, i64Constant(c, {n}, {}), frameLength), step), one),
      zero);
  Value bins = onesided ? binary<graph::AddOp>(c, binary<graph::DivOp>(c, frameLength, i64Constant(c, {2}, {})), one) : frameLength;
  Value f = graph::UnsqueezeOp::create(c.b, c.loc, indexVector(c, frames, frameCount), c.b.getDenseI64ArrayAttr({1}));
  Value t = graph::UnsqueezeOp::create(c.b, c.loc, indexVector(c, frameLength, length), c.b.getDenseI64ArrayAttr({0}));
  Value x = graph::GatherOp::create(c.b, c.loc, c.input(0), binary<graph::AddOp>(c, binary<graph::MulOp>(c, f, step), t), 1);
  auto part = [&](int64_t p) -> Value { // [B, F, 1, L], windowed
    Value s = graph::GatherOp::create(c.b, c.loc, x, i64Constant(c, {p}, {}), 3);
    s = graph::UnsqueezeOp::create(c.b, c.loc, s, c.b.getDenseI64ArrayAttr({2}));
    if (c.input(2))
      s = binary<graph::MulOp>(c, s, reshape(c, c.input(2), {1, 1, 1, *length}));
    return s;
  };
  Value re = part(0), im = complex ? part(1) : Value();
  // Tables [K, L]: angle 2 pi ((k t) mod L) / L.
  Value k = graph::UnsqueezeOp::create(c.b, c.loc, indexVector(c, bins, binCount), c.b.getDenseI64ArrayAttr({1}));
  Value turns = binary<graph::ModOp>(c, binary<graph::MulOp>(c, k, t), frameLength);
  Value angle = binary<graph::DivOp>(c, binary<graph::MulOp>(c, castTo(c, turns, f64), scalarConstant(c, f64, 2 * M_PI)),
                                     castTo(c, frameLength, f64));
  Value cosT = castTo(c, graph::CosOp::create(c.b, c.loc, angle), elem);
  Value sinT = castTo(c, graph::SinOp::create(c.b, c.loc, angle), elem);
  auto sum = [&](Value a, Value table) -> Value { // over t: [B, F, K, 1]
    return graph::ReduceOp::create(c.b, c.loc, binary<graph::MulOp>(c, a, table), graph::ReduceKind::sum,
                                   c.b.getDenseI64ArrayAttr({3}), true, false);
  };
  // e^{-i angle}: (re + i im)(cos - i sin) = re cos + im sin + i (im cos - re sin).
  Value outRe = sum(re, cosT), outIm = sum(re, sinT);
  outIm = graph::NegOp::create(c.b, c.loc, outIm);
  if (im) {
    outRe = binary<graph::AddOp>(c, outRe, sum(im, sinT));
    outIm = binary<graph::AddOp>(c, outIm, sum(im, cosT));
  }
  Value first = binary<graph::EqualOp>(c, iota(c, 2, 3, 4), zero);
  return SmallVector<Value>{graph::WhereOp::create(c.b, c.loc, first, outRe, outIm)};
}

void addSignalImporters(llvm::StringMap<NodeImporter> &t) {
  t["DFT"] = importDFT;
  t["STFT"] = importSTFT;
  t["MelWeightMatrix"] = importMelWeightMatrix;
}

} // namespace tessera::onnx
