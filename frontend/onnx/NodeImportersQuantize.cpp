//===- NodeImportersQuantize.cpp - QuantizeLinear / DequantizeLinear -------===//
//
// Exact compositions of tgraph ops: y = saturate(round(x / scale) + zero_point) (round half to even)
// and y = (x - zero_point) * scale, with per-axis scales laid along `axis`; the integer MatMul/Conv
// variants subtract zero points before an int32 MatMul or an f64 Conv (exact for 8-bit operands).
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

namespace {
struct Quant {
  NodeContext &c;

  Value castTo(Value v, Type elem) {
    if (getElementTypeOrSelf(v.getType()) == elem)
      return v;
    return graph::CastOp::create(c.b, c.loc, v, elem);
  }
  Value scalar(Type elem, double v) {
    auto type = RankedTensorType::get({}, elem);
    return graph::ConstantOp::create(c.b, c.loc, DenseElementsAttr::get(type, c.b.getFloatAttr(elem, v)));
  }
  /// Blocked parameters (opset 21): entry k along `axis` covers input rows [k * block, (k + 1) * block);
  /// repeated to the input's shape ([.., n, ..] -> [.., n, block, ..] -> [.., n * block, ..] -> slice).
  FailureOr<Value> blocked(Value v, RankedTensorType input, int64_t axis, int64_t block) {
    auto t = cast<RankedTensorType>(v.getType());
    if (!input.hasStaticShape() || t.getRank() != input.getRank())
      return c.error() << "blocked parameters need the input's rank and a static input shape";
    int64_t n = t.getDimSize(axis), dim = input.getDimSize(axis);
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != axis && t.getDimSize(i) != input.getDimSize(i))
        return c.error() << "blocked parameters do not match the input outside axis " << axis;
    if (n != (dim + block - 1) / block)
      return c.error() << "expects " << (dim + block - 1) / block << " blocks along axis " << axis;
    Type elem = t.getElementType();
    SmallVector<int64_t> split(t.getShape()), repeated(t.getShape()), merged(t.getShape());
    split.insert(split.begin() + axis + 1, 1);
    repeated.insert(repeated.begin() + axis + 1, block);
    merged[axis] = n * block;
    Value x = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(split, elem), v, Value());
    x = graph::ExpandOp::create(c.b, c.loc, RankedTensorType::get(repeated, elem), x);
    x = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(merged, elem), x, Value());
    if (n * block != dim) {
      SmallVector<int64_t> starts(t.getRank(), 0), steps(t.getRank(), 1);
      x = graph::SliceOp::create(c.b, c.loc, x, starts, steps, input.getShape());
    }
    return x;
  }
  /// A scale or zero point: scalars broadcast as they are, 1-D ones lie along `axis` of the input.
  FailureOr<Value> alongAxis(Value v, RankedTensorType input) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == 0 || t.getNumElements() == 1)
      return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({}, t.getElementType()), v, Value())
          .getResult();
    auto axis = normalizeAxis(c, c.getInt("axis", 1), input.getRank());
    if (failed(axis))
      return failure();
    if (int64_t block = c.getInt("block_size", 0); block > 0)
      return blocked(v, input, *axis, block);
    if (t.getRank() != 1)
      return c.error() << "parameters of rank " << t.getRank() << " need a block_size";
    if (input.getDimSize(*axis) != t.getDimSize(0))
      return c.error() << "per-axis parameters do not match dim " << *axis;
    SmallVector<int64_t> shape(input.getRank(), 1);
    shape[*axis] = t.getDimSize(0);
    return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(shape, t.getElementType()), v, Value())
        .getResult();
  }
};
} // namespace

static Results importQuantizeLinear(NodeContext &c) {
  Quant q{c};
  auto in = c.inputType(0);
  Type f32 = c.b.getF32Type();
  Type outElem = c.input(2) ? c.inputType(2).getElementType() : c.b.getIntegerType(8, /*isSigned=*/false);
  if (!c.input(2) && c.getInt("output_dtype", 0)) // opset 21: the type without a zero point
    outElem = convertElementType(c.ctx(), c.getInt("output_dtype", 0));
  auto outInt = dyn_cast<IntegerType>(outElem);
  if (!outInt || outInt.getWidth() != 8)
    return c.error() << "only int8 and uint8 outputs are supported";
  auto scale = q.alongAxis(c.input(1), in);
  if (failed(scale))
    return failure();
  Type fl = in.getElementType();
  Value x = c.input(0);
  if (!isa<FloatType>(fl)) { // int32 input
    x = q.castTo(x, f32);
    fl = f32;
  }
  // alongAxis shapes the scale and zero point to broadcast against the input.
  Value y = graph::RoundOp::create(c.b, c.loc, graph::DivOp::create(c.b, c.loc, x, q.castTo(*scale, fl)));
  if (c.input(2)) {
    auto zp = q.alongAxis(c.input(2), in);
    if (failed(zp))
      return failure();
    y = graph::AddOp::create(c.b, c.loc, y, q.castTo(*zp, fl));
  }
  bool isUnsigned = outInt.isUnsigned();
  y = graph::ClipOp::create(c.b, c.loc, y, q.scalar(fl, isUnsigned ? 0 : -128), q.scalar(fl, isUnsigned ? 255 : 127));
  return SmallVector<Value>{q.castTo(y, outElem)};
}

static Results importDequantizeLinear(NodeContext &c) {
  Quant q{c};
  auto in = c.inputType(0);
  auto scale = q.alongAxis(c.input(1), in);
  if (failed(scale))
    return failure();
  Type fl = cast<RankedTensorType>(scale->getType()).getElementType();
  Value x = q.castTo(c.input(0), fl);
  if (c.input(2)) {
    auto zp = q.alongAxis(c.input(2), in);
    if (failed(zp))
      return failure();
    x = graph::SubOp::create(c.b, c.loc, x, q.castTo(*zp, fl));
  }
  return SmallVector<Value>{graph::MulOp::create(c.b, c.loc, x, *scale)};
}

/// `v - zero_point` in `elem`; a 1-D zero point of `rowsOfA` entries applies per row of a matrix A. The
/// zero point's shape is the model's: one that does not broadcast against `v` is the node's error.
static FailureOr<Value> centered(Quant &q, Value v, Value zp, Type elem, bool perRow) {
  Value x = q.castTo(v, elem);
  if (!zp)
    return x;
  Value z = q.castTo(zp, elem);
  auto zt = cast<RankedTensorType>(z.getType());
  if (perRow && zt.getRank() == 1 && zt.getDimSize(0) != 1)
    z = graph::ReshapeOp::create(q.c.b, q.c.loc, RankedTensorType::get({zt.getDimSize(0), 1}, elem), z, Value());
  return q.c.make<graph::SubOp>(x, z);
}

/// Runs another importer (Conv, MatMul) on substituted operands with this node's attributes.
static FailureOr<Value> importAs(NodeContext &c, StringRef op, SmallVector<Value> inputs) {
  NodeContext inner(c.b, c.node, c.opset, std::move(inputs), {}, c.loc);
  auto r = defaultDomainImporters().lookup(op)(inner);
  if (failed(r))
    return failure();
  return (*r)[0];
}

/// (A - a_zero_point) (B - b_zero_point) as an int32 MatMul.
static FailureOr<Value> integerMatMul(NodeContext &c, Quant &q, Value a, Value azp, Value b, Value bzp) {
  Type i32 = c.b.getI32Type();
  auto ac = centered(q, a, azp, i32, true);
  if (failed(ac))
    return failure();
  auto bc = centered(q, b, bzp, i32, false);
  if (failed(bc))
    return failure();
  return importAs(c, "MatMul", {*ac, *bc});
}

static Results importMatMulInteger(NodeContext &c) {
  Quant q{c};
  auto product = integerMatMul(c, q, c.input(0), c.input(2), c.input(1), c.input(3));
  if (failed(product))
    return failure();
  return SmallVector<Value>{*product};
}

/// Integer convolution in f64, exact for any int8 product sum below 2^53, then back to int32.
static FailureOr<Value> integerConv(NodeContext &c, Quant &q, Value x, Value xzp, Value w, Value wzp) {
  Type f64 = c.b.getF64Type();
  Value wc = q.castTo(w, f64);
  if (wzp) { // per output channel: [M] -> [M, 1, ...]
    Value z = q.castTo(wzp, f64);
    auto zt = cast<RankedTensorType>(z.getType());
    if (zt.getRank() == 1 && zt.getDimSize(0) != 1) {
      SmallVector<int64_t> shape(cast<RankedTensorType>(w.getType()).getRank(), 1);
      shape[0] = zt.getDimSize(0);
      z = graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(shape, f64), z, Value());
    }
    auto shifted = c.make<graph::SubOp>(wc, z);
    if (failed(shifted))
      return failure();
    wc = *shifted;
  }
  auto xc = centered(q, x, xzp, f64, false);
  if (failed(xc))
    return failure();
  auto y = importAs(c, "Conv", {*xc, wc});
  if (failed(y))
    return failure();
  return q.castTo(*y, c.b.getI32Type());
}

static Results importConvInteger(NodeContext &c) {
  Quant q{c};
  auto y = integerConv(c, q, c.input(0), c.input(2), c.input(1), c.input(3));
  if (failed(y))
    return failure();
  return SmallVector<Value>{*y};
}

/// round(acc * a_scale * b_scale / y_scale) + y_zero_point, saturated to y's 8-bit type. The scales and
/// zero point have the model's shapes: ones that do not broadcast are the node's error.
static FailureOr<Value> requantize(Quant &q, Value acc, Value scale, Value yScale, Value yzp, Value perChannel) {
  NodeContext &c = q.c;
  Type f32 = c.b.getF32Type();
  auto scales = c.make<graph::MulOp>(q.castTo(scale, f32), q.castTo(perChannel, f32));
  if (failed(scales))
    return failure();
  auto s = c.make<graph::DivOp>(*scales, q.castTo(yScale, f32));
  if (failed(s))
    return failure();
  auto y = c.make<graph::MulOp>(q.castTo(acc, f32), *s);
  if (failed(y))
    return failure();
  y = c.make<graph::AddOp>(graph::RoundOp::create(c.b, c.loc, *y), q.castTo(yzp, f32));
  if (failed(y))
    return failure();
  auto outElem = cast<IntegerType>(cast<RankedTensorType>(yzp.getType()).getElementType());
  bool isUnsigned = outElem.isUnsigned();
  Value clipped =
      graph::ClipOp::create(c.b, c.loc, *y, q.scalar(f32, isUnsigned ? 0 : -128), q.scalar(f32, isUnsigned ? 255 : 127));
  return q.castTo(clipped, outElem);
}

static Results importQLinearMatMul(NodeContext &c) {
  Quant q{c};
  auto acc = integerMatMul(c, q, c.input(0), c.input(2), c.input(3), c.input(5));
  if (failed(acc))
    return failure();
  Value aScale = c.input(1);
  if (cast<RankedTensorType>(aScale.getType()).getNumElements() != 1)
    return c.error() << "per-row a_scale is not supported";
  return one(requantize(q, *acc, aScale, c.input(6), c.input(7), c.input(4)));
}

static Results importQLinearConv(NodeContext &c) {
  Quant q{c};
  auto acc = integerConv(c, q, c.input(0), c.input(2), c.input(3), c.input(5));
  if (failed(acc))
    return failure();
  auto accType = cast<RankedTensorType>(acc->getType());
  auto channel = [&](Value v) -> Value { // [M] -> [1, M, 1, ...]
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 1 || t.getDimSize(0) == 1)
      return v;
    SmallVector<int64_t> shape(accType.getRank(), 1);
    shape[1] = t.getDimSize(0);
    return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get(shape, t.getElementType()), v, Value());
  };
  if (c.input(8)) {
    acc = c.make<graph::AddOp>(*acc, channel(c.input(8)));
    if (failed(acc))
      return failure();
  }
  return one(requantize(q, *acc, c.input(1), c.input(6), c.input(7), channel(c.input(4))));
}

void addQuantizeImporters(llvm::StringMap<NodeImporter> &t) {
  t["QuantizeLinear"] = importQuantizeLinear;
  t["DequantizeLinear"] = importDequantizeLinear;
  t["MatMulInteger"] = importMatMulInteger;
  t["ConvInteger"] = importConvInteger;
  t["QLinearMatMul"] = importQLinearMatMul;
  t["QLinearConv"] = importQLinearConv;
}

} // namespace tessera::onnx
