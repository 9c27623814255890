//===- NodeImportersComposite.cpp - ONNX ops built from other tgraph ops ---===//
//
// Ops that are exact compositions of existing tgraph ops once their shape operands are compile-time
// constants: creation ops (Size, Range, ConstantOfShape, EyeLike), masks (Trilu, OneHot, Hardmax),
// Dropout at inference, and normalizations (InstanceNormalization, LpNormalization, LRN). Masks are built
// by comparing small index vectors that broadcast, so no large constant is ever materialized. They have
// no lowering of their own (Range is `tgraph.range`, lowered with the shape ops).
//
#include "frontend/onnx/GraphBuilders.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <limits>

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

//===----------------------------------------------------------------------===//
// Creation
//===----------------------------------------------------------------------===//

static Results importSize(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  return one(i64Constant(c, {in->getNumElements()}, {}));
}

/// The single value of ConstantOfShape's `value` tensor attribute.
static FailureOr<Value> fillValue(NodeContext &c) {
  const auto *a = c.attr("value");
  if (!a)
    return scalarConstant(c, c.b.getF32Type(), 0);
  const onnxpb::TensorProto &t = a->t();
  Type elem = convertElementType(c.ctx(), t.data_type());
  if (!elem)
    return c.error() << "unsupported value type";
  double v = 0;
  if (t.has_raw_data()) {
    const std::string &raw = t.raw_data();
    auto read = [&](auto sample) {
      decltype(sample) x{};
      if (raw.size() >= sizeof(x))
        memcpy(&x, raw.data(), sizeof(x));
      return (double)x;
    };
    switch (t.data_type()) {
    case onnxpb::TensorProto::FLOAT: v = read(float()); break;
    case onnxpb::TensorProto::DOUBLE: v = read(double()); break;
    case onnxpb::TensorProto::INT64: v = read(int64_t()); break;
    case onnxpb::TensorProto::INT32: v = read(int32_t()); break;
    case onnxpb::TensorProto::INT16: v = read(int16_t()); break;
    case onnxpb::TensorProto::INT8: v = read(int8_t()); break;
    case onnxpb::TensorProto::UINT8: case onnxpb::TensorProto::BOOL: v = read(uint8_t()); break;
    case onnxpb::TensorProto::UINT16: v = read(uint16_t()); break;
    case onnxpb::TensorProto::UINT32: v = read(uint32_t()); break;
    default: return c.error() << "unsupported value type";
    }
  } else if (t.float_data_size()) {
    v = t.float_data(0);
  } else if (t.double_data_size()) {
    v = t.double_data(0);
  } else if (t.int64_data_size()) {
    v = (double)t.int64_data(0);
  } else if (t.int32_data_size()) {
    v = t.int32_data(0);
  }
  return scalarConstant(c, elem, v);
}

static Results importConstantOfShape(NodeContext &c) {
  auto shape = c.constantInts(0);
  auto value = fillValue(c);
  if (failed(value))
    return failure();
  auto elem = cast<RankedTensorType>(value->getType()).getElementType();
  if (shape && llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
    return c.error() << "the shape has a negative dim";
  if (shape)
    return one(graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get(*shape, elem), *value, Value()));
  // A shape known only at run time: every dim is read from it when the model runs.
  auto shapeType = dyn_cast<RankedTensorType>(c.input(0).getType());
  if (!shapeType || shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
    return c.error() << "the shape operand's length must be known at compile time";
  auto type = RankedTensorType::get(SmallVector<int64_t>(shapeType.getDimSize(0), ShapedType::kDynamic), elem);
  return one(graph::ExpandOp::create(c.b, c.loc, type, *value, c.input(0)));
}

/// Range over values known only at run time: the element count max(0, ceil((limit - start) / delta))
/// is computed by tgraph ops (a small kernel) and read when the model runs.
static Results importRuntimeRange(NodeContext &c) {
  auto scalarType = [&](size_t i) { return dyn_cast<RankedTensorType>(c.input(i).getType()); };
  for (size_t i = 0; i < 3; ++i)
    if (!c.input(i) || !scalarType(i) || scalarType(i).getRank() != 0)
      return c.error() << "start, limit and delta must be scalars";
  Type elem = scalarType(0).getElementType();
  Type i64 = c.b.getI64Type();
  Value span = binary<graph::SubOp>(c, c.input(1), c.input(0));
  Value count;
  if (isa<FloatType>(elem)) {
    Value steps = graph::CeilOp::create(c.b, c.loc, binary<graph::DivOp>(c, span, c.input(2)));
    count = castTo(c, steps, i64);
  } else {
    // ceil(a / b) for integers: (a + b - sign(b)) / b with truncating division.
    Value sign = graph::SignOp::create(c.b, c.loc, c.input(2));
    Value adjusted = binary<graph::SubOp>(c, binary<graph::AddOp>(c, span, c.input(2)), sign);
    count = castTo(c, binary<graph::DivOp>(c, adjusted, c.input(2)), i64);
  }
  count = binary<graph::MaxOp>(c, count, i64Constant(c, {0}, {}));
  return one(graph::RangeOp::create(c.b, c.loc, c.input(0), c.input(2), count));
}

static Results importRange(NodeContext &c) {
  auto start = c.constantValue(0), limit = c.constantValue(1), delta = c.constantValue(2);
  if (!start || !limit || !delta)
    return importRuntimeRange(c);
  Type elem = start.getElementType();
  for (DenseElementsAttr a : {start, limit, delta})
    if (a.getNumElements() != 1 || a.getType().getRank() > 1 || a.getElementType() != elem)
      return c.error() << "start, limit and delta must be scalars of one element type";
  auto read = [&](DenseElementsAttr a) {
    return isa<FloatType>(elem) ? (*a.getValues<APFloat>().begin()).convertToDouble()
                                : (double)(*a.getValues<APInt>().begin()).getSExtValue();
  };
  double s = read(start), l = read(limit), d = read(delta);
  if (d == 0)
    return c.error() << "delta is zero";
  double steps = std::ceil((l - s) / d);
  if (!(steps < 0x1p62))
    return c.error() << "the range has " << steps << " elements";
  int64_t n = steps > 0 ? (int64_t)steps : 0; // a negative count (as a double, maybe below int64's range) is 0
  auto type = RankedTensorType::get({n}, elem);
  if (n > graph::kMaxFoldElements) // too long to hold as a constant: a kernel writes it, its count fixed here
    return one(graph::RangeOp::create(c.b, c.loc, c.input(0), c.input(2), i64Constant(c, {n}, {})));
  if (auto floatType = dyn_cast<FloatType>(elem)) {
    SmallVector<APFloat> values;
    bool lossy;
    for (int64_t i = 0; i < n; ++i) { // like the reference: start + i * delta, rounded to the element type
      values.emplace_back(s + i * d);
      values.back().convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lossy);
    }
    return one(graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(type, values)));
  }
  // Integers exactly (a double holds 53 bits), wrapping like the element type.
  auto exact = [](DenseElementsAttr a) { return (uint64_t)(*a.getValues<APInt>().begin()).getSExtValue(); };
  uint64_t first = exact(start), step = exact(delta);
  SmallVector<APInt> values;
  unsigned width = elem.getIntOrFloatBitWidth();
  for (int64_t i = 0; i < n; ++i)
    values.emplace_back(width, first + (uint64_t)i * step, /*isSigned=*/false, /*implicitTrunc=*/true);
  return one(graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(type, values)));
}

static Results importEyeLike(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  if (in->getRank() != 2)
    return c.error() << "expects a 2-D input";
  Type elem = in->getElementType();
  if (const auto *dtype = c.attr("dtype"))
    if (!(elem = convertElementType(c.ctx(), dtype->i())))
      return c.error() << "unsupported dtype";
  int64_t k = c.getInt("k", 0);
  Value rows = iota(c, in->getDimSize(0), 0, 2, k), cols = iota(c, in->getDimSize(1), 1, 2);
  return one(castTo(c, binary<graph::EqualOp>(c, cols, rows), elem));
}

//===----------------------------------------------------------------------===//
// Masks
//===----------------------------------------------------------------------===//

static Results importTrilu(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  int64_t rank = in->getRank();
  if (rank < 2)
    return c.error() << "expects rank >= 2";
  if (in->getNumElements() == 0) // nothing to compute (and kernels over empty tensors are avoided)
    return one(graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(*in, ArrayRef<Attribute>{})));
  // Keep (i, j) where j - i >= k (upper) or j - i <= k (lower); k may be a run-time scalar.
  Value rows = iota(c, in->getDimSize(rank - 2), 0, 2), cols = iota(c, in->getDimSize(rank - 1), 1, 2);
  if (c.input(1)) {
    auto kType = c.inputType(1);
    if (kType.getNumElements() != 1 || !kType.getElementType().isInteger(64))
      return c.error() << "k must be an int64 scalar";
    rows = binary<graph::AddOp>(c, rows, reshape(c, c.input(1), {}));
  }
  Value mask = c.getInt("upper", 1) ? binary<graph::GreaterOrEqualOp>(c, cols, rows)
                                    : binary<graph::LessOrEqualOp>(c, cols, rows);
  Value zero = scalarConstant(c, in->getElementType(), 0);
  return one(graph::WhereOp::create(c.b, c.loc, mask, c.input(0), zero));
}

static Results importOneHot(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  auto depthAttr = c.constantValue(1);
  int64_t rank = in->getRank() + 1;
  auto axis = normalizeAxis(c, c.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  Value d, positions;
  if (depthAttr && depthAttr.getNumElements() == 1) {
    int64_t depth = isa<FloatType>(depthAttr.getElementType())
                        ? (int64_t)(*depthAttr.getValues<APFloat>().begin()).convertToDouble()
                        : (*depthAttr.getValues<APInt>().begin()).getSExtValue();
    d = i64Constant(c, {depth}, {});
    positions = iota(c, depth, *axis, rank);
  } else {
    // A depth known only at run time: the positions are a run-time Range along the depth axis.
    auto depthType = dyn_cast<RankedTensorType>(c.input(1).getType());
    if (!depthType || depthType.getNumElements() != 1 || !depthType.hasStaticShape())
      return c.error() << "depth must be a single value";
    d = castTo(c, reshape(c, c.input(1), {}), c.b.getI64Type());
    Value range = graph::RangeOp::create(c.b, c.loc, i64Constant(c, {0}, {}), i64Constant(c, {1}, {}), d);
    SmallVector<int64_t> shape(rank, 1);
    shape[*axis] = ShapedType::kDynamic;
    positions = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(shape, c.b.getI64Type()), range, Value());
  }
  // Negative indices count from the end of the depth axis.
  Value idx = castTo(c, c.input(0), c.b.getI64Type());
  Value zero = i64Constant(c, {0}, {});
  Value negative = binary<graph::LessOp>(c, idx, zero);
  idx = graph::WhereOp::create(c.b, c.loc, negative, binary<graph::AddOp>(c, idx, d), idx);
  SmallVector<int64_t> shape(in->getShape());
  shape.insert(shape.begin() + *axis, 1);
  idx = reshape(c, idx, shape);
  Value mask = binary<graph::EqualOp>(c, idx, positions);
  Value flat = reshape(c, c.input(2), {2});
  Value off = graph::GatherOp::create(c.b, c.loc, flat, i64Constant(c, {0}, {}), 0);
  Value on = graph::GatherOp::create(c.b, c.loc, flat, i64Constant(c, {1}, {}), 0);
  return one(graph::WhereOp::create(c.b, c.loc, mask, on, off));
}

static Results importHardmax(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  int64_t rank = in->getRank();
  if (rank == 0)
    return c.error() << "expects rank >= 1";
  auto axis = normalizeAxis(c, c.getInt("axis", c.opset >= 13 ? -1 : 1), rank);
  if (failed(axis))
    return failure();
  Value x = c.input(0);
  if (c.opset < 13) { // coerced to 2-D at `axis`
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i)
      (i < *axis ? outer : inner) *= in->getDimSize(i);
    x = reshape(c, x, {outer, inner});
    axis = 1;
  }
  auto xType = cast<RankedTensorType>(x.getType());
  Value arg = graph::ReduceOp::create(c.b, c.loc, x, graph::ReduceKind::argmax, c.b.getDenseI64ArrayAttr({*axis}),
                                      true, false);
  Value hot = binary<graph::EqualOp>(c, arg, iota(c, xType.getDimSize(*axis), *axis, xType.getRank()));
  return one(reshape(c, castTo(c, hot, in->getElementType()), in->getShape()));
}

/// A uniform value in [0, 1) per element of `shape`, from a hash of the seed and the element's index
/// (fract(sin(i * a + seed * b) * c), in f64): the same values at every run of an artifact.
static Value hashedUniform(NodeContext &c, ArrayRef<int64_t> shape, int64_t seed) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  Type f64 = c.b.getF64Type();
  Value index = graph::RangeOp::create(c.b, c.loc, i64Constant(c, {0}, {}), i64Constant(c, {1}, {}), // a kernel writes it
                                       i64Constant(c, {n}, {}));
  Value phase = binary<graph::AddOp>(c, binary<graph::MulOp>(c, castTo(c, index, f64), scalarConstant(c, f64, 12.9898)),
                                     scalarConstant(c, f64, std::fmod(double(seed) * 78.233, 6283.185307179586)));
  Value wave = binary<graph::MulOp>(c, graph::SinOp::create(c.b, c.loc, phase), scalarConstant(c, f64, 43758.5453));
  Value u = binary<graph::SubOp>(c, wave, graph::FloorOp::create(c.b, c.loc, wave));
  return reshape(c, u, shape);
}

/// Dropout: the identity with an all-true mask at inference. In training mode (opset 12 on, where
/// training_mode and ratio may be run-time inputs) elements are kept where a hashed uniform value of
/// the seed and the element's index is at least the ratio, and scaled by 1 / (1 - ratio): a ratio of 0
/// keeps everything, and the mask is the same at every run.
static Results importDropout(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  Type maskElem = c.opset >= 10 ? c.b.getI1Type() : in->getElementType();
  bool wantMask = c.node.output_size() > 1 && !c.node.output(1).empty();
  auto allKept = [&]() -> Results {
    SmallVector<Value> results = {graph::IdentityOp::create(c.b, c.loc, c.input(0))};
    if (wantMask)
      results.push_back(graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get(in->getShape(), maskElem),
                                                scalarConstant(c, maskElem, 1)));
    return results;
  };
  if (c.opset < 12) {
    if (c.opset < 7 && c.getInt("is_test", 0) == 0 && c.getFloat("ratio", 0.5f) != 0)
      return c.error() << "training-mode dropout (random) is not supported before opset 12";
    return allKept();
  }
  if (!c.input(2))
    return allKept();
  if (auto t = c.constantValue(2); t && (*t.getValues<APInt>().begin()).isZero())
    return allKept();
  // A constant ratio of 0 keeps every element unscaled, in training mode too (torchvision's swin_t
  // writes its attention dropout so): no mask is computed.
  if (auto r = c.input(1) ? c.constantValue(1) : DenseElementsAttr();
      r && r.getNumElements() == 1 && isa<FloatType>(r.getElementType()) &&
      (*r.getValues<APFloat>().begin()).isZero())
    return allKept();
  Type elem = in->getElementType();
  if (!isa<FloatType>(elem))
    return c.error() << "training-mode dropout needs a float input";
  Type i1 = c.b.getI1Type(), f64 = c.b.getF64Type();
  Value training = reshape(c, castTo(c, c.input(2), i1), {});
  Value ratio = c.input(1) ? castTo(c, reshape(c, c.input(1), {}), f64) : scalarConstant(c, f64, 0.5);
  Value keep = binary<graph::GreaterOrEqualOp>(c, hashedUniform(c, in->getShape(), c.getInt("seed", 0)), ratio);
  Value scale = castTo(c, binary<graph::DivOp>(c, scalarConstant(c, f64, 1), binary<graph::SubOp>(c, scalarConstant(c, f64, 1), ratio)), elem);
  Value dropped =
      graph::WhereOp::create(c.b, c.loc, keep, binary<graph::MulOp>(c, c.input(0), scale), scalarConstant(c, elem, 0));
  SmallVector<Value> results = {graph::WhereOp::create(c.b, c.loc, training, dropped, c.input(0))};
  if (wantMask)
    results.push_back(binary<graph::OrOp>(c, graph::NotOp::create(c.b, c.loc, training), keep));
  return results;
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

static Value reduceKeep(NodeContext &c, Value x, graph::ReduceKind kind, ArrayRef<int64_t> axes) {
  return graph::ReduceOp::create(c.b, c.loc, x, kind, c.b.getDenseI64ArrayAttr(axes), true, false);
}

static Results importInstanceNorm(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  int64_t rank = in->getRank();
  if (rank < 3 || !isa<FloatType>(in->getElementType()))
    return c.error() << "expects a float input of rank >= 3";
  SmallVector<int64_t> axes, channelShape(rank, 1);
  for (int64_t i = 2; i < rank; ++i)
    axes.push_back(i);
  channelShape[1] = in->getDimSize(1);
  Type elem = in->getElementType();
  Value x = c.input(0);
  Value centered = binary<graph::SubOp>(c, x, reduceKeep(c, x, graph::ReduceKind::mean, axes));
  Value var = reduceKeep(c, binary<graph::MulOp>(c, centered, centered), graph::ReduceKind::mean, axes);
  Value eps = scalarConstant(c, elem, c.getFloat("epsilon", 1e-5f));
  Value stddev = graph::SqrtOp::create(c.b, c.loc, binary<graph::AddOp>(c, var, eps));
  Value y = binary<graph::DivOp>(c, centered, stddev);
  y = binary<graph::MulOp>(c, y, reshape(c, c.input(1), channelShape));
  return one(binary<graph::AddOp>(c, y, reshape(c, c.input(2), channelShape)));
}

static Results importLpNorm(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  auto axis = normalizeAxis(c, c.getInt("axis", -1), in->getRank());
  if (failed(axis))
    return failure();
  int64_t p = c.getInt("p", 2);
  if (p != 1 && p != 2)
    return c.error() << "p must be 1 or 2";
  Value norm = reduceKeep(c, c.input(0), p == 1 ? graph::ReduceKind::l1 : graph::ReduceKind::l2, {*axis});
  return one(binary<graph::DivOp>(c, c.input(0), norm));
}

/// LRN: x / (bias + alpha / size * sum of squares over a channel window) ^ beta. The window sum is
/// an average pool (padding counted) over [N, 1, C, rest] times size.
static Results importLRN(NodeContext &c) {
  auto in = staticInput(c, 0);
  if (failed(in))
    return failure();
  if (in->getRank() < 3 || !isa<FloatType>(in->getElementType()))
    return c.error() << "expects a float input of rank >= 3";
  int64_t size = c.getInt("size", 0);
  if (size <= 0)
    return c.error() << "size must be positive";
  Type elem = in->getElementType();
  int64_t n = in->getDimSize(0), ch = in->getDimSize(1), rest = in->getNumElements() / (n * ch);
  Value x = c.input(0);
  Value sq = reshape(c, binary<graph::MulOp>(c, x, x), {n, 1, ch, rest});
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Value avg = graph::PoolOp::create(
      c.b, c.loc, sq, graph::PoolKind::avg, c.b.getDenseI64ArrayAttr({size, 1}),
      c.b.getDenseI64ArrayAttr({1, 1}), c.b.getDenseI64ArrayAttr({1, 1}),
      c.b.getDenseI64ArrayAttr({before, 0, after, 0}), c.b.getDenseI64ArrayAttr({after, 0}), true);
  avg = reshape(c, avg, in->getShape());
  Value scaled = binary<graph::MulOp>(c, avg, scalarConstant(c, elem, c.getFloat("alpha", 1e-4f)));
  Value base = binary<graph::AddOp>(c, scaled, scalarConstant(c, elem, c.getFloat("bias", 1.0f)));
  Value denom = binary<graph::PowOp>(c, base, scalarConstant(c, elem, c.getFloat("beta", 0.75f)));
  return one(binary<graph::DivOp>(c, x, denom));
}

void addCompositeImporters(llvm::StringMap<NodeImporter> &t) {
  t["Size"] = importSize;
  t["ConstantOfShape"] = importConstantOfShape;
  t["Range"] = importRange;
  t["EyeLike"] = importEyeLike;
  t["Trilu"] = importTrilu;
  t["OneHot"] = importOneHot;
  t["Hardmax"] = importHardmax;
  t["Dropout"] = importDropout;
  t["InstanceNormalization"] = importInstanceNorm;
  t["LpNormalization"] = importLpNorm;
  t["LRN"] = importLRN;
}

} // namespace tessera::onnx
