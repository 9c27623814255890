//===- NodeImportersSignal.cpp - DFT as matrix products --------------------===//
//
// With a static signal length N, the DFT along an axis is two real matrix products with constant
// cosine and sine tables: (re + i im)(cos -+ i sin) for the forward (inverse, scaled by 1/N)
// transform. The axis is moved last for the products and back afterwards.
//
#include "frontend/onnx/ImportContext.h"

#include <cmath>

using namespace mlir;

namespace tessera::onnx {

using Results = FailureOr<SmallVector<Value>>;

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
    SmallVector<int64_t> shape(in.getShape());
    shape[*axis] = want;
    auto type = RankedTensorType::get(shape, elem);
    if (want < have) {
      SmallVector<int64_t> starts(rank, 0), steps(rank, 1);
      signal = graph::SliceOp::create(c.b, c.loc, type, signal, c.b.getDenseI64ArrayAttr(starts),
                                      c.b.getDenseI64ArrayAttr(steps));
    } else if (want > have) {
      SmallVector<int64_t> pads(2 * rank, 0);
      pads[rank + *axis] = want - have;
      signal = graph::PadOp::create(c.b, c.loc, type, signal, graph::PadMode::constant, c.b.getDenseI64ArrayAttr(pads),
                                    Value());
    }
    in = type;
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
    Value s = graph::SliceOp::create(c.b, c.loc, RankedTensorType::get(sizes, elem), signal,
                                     c.b.getDenseI64ArrayAttr(starts), c.b.getDenseI64ArrayAttr(steps));
    s = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(partShape, elem), s, Value());
    SmallVector<int64_t> moved;
    for (int64_t p : perm)
      moved.push_back(partShape[p]);
    return graph::TransposeOp::create(c.b, c.loc, RankedTensorType::get(moved, elem), s, c.b.getDenseI64ArrayAttr(perm));
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
  Value cosT = graph::ConstantOp::create(c.b, c.loc, tableType, DenseElementsAttr::get(tableType, cosv));
  Value sinT = graph::ConstantOp::create(c.b, c.loc, tableType, DenseElementsAttr::get(tableType, sinv));
  auto movedType = cast<RankedTensorType>(re.getType());
  SmallVector<int64_t> outMoved(movedType.getShape());
  outMoved.back() = k;
  auto outType = RankedTensorType::get(outMoved, elem);
  auto matmul = [&](Value a, Value t) -> Value { return graph::MatMulOp::create(c.b, c.loc, outType, a, t); };
  // (re + i im)(cos + i s) with s = sign * sin: real re cos - im s, imaginary re s + im cos.
  Value outRe = matmul(re, cosT), outIm = matmul(re, sinT);
  if (im) {
    outRe = graph::SubOp::create(c.b, c.loc, outType, outRe, matmul(im, sinT));
    outIm = graph::AddOp::create(c.b, c.loc, outType, outIm, matmul(im, cosT));
  }
  SmallVector<int64_t> outShape(partShape);
  outShape[*axis] = k;
  SmallVector<int64_t> withPart(outShape);
  withPart.push_back(1);
  auto back = [&](Value v) -> Value {
    v = graph::TransposeOp::create(c.b, c.loc, RankedTensorType::get(outShape, elem), v, c.b.getDenseI64ArrayAttr(inversePerm));
    return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(withPart, elem), v, Value());
  };
  SmallVector<int64_t> finalShape(outShape);
  finalShape.push_back(2);
  return SmallVector<Value>{graph::ConcatOp::create(c.b, c.loc, RankedTensorType::get(finalShape, elem),
                                                    ValueRange{back(outRe), back(outIm)}, rank - 1)};
}

void addSignalImporters(llvm::StringMap<NodeImporter> &t) { t["DFT"] = importDFT; }

} // namespace tessera::onnx
