//===- NodeImportersQuantize.cpp - QuantizeLinear / DequantizeLinear -------===//
//
// Both are exact compositions of elementwise tgraph ops: y = saturate(round(x / scale) + zero_point)
// (round half to even) and y = (x - zero_point) * scale, with per-axis scales laid along `axis`.
//
#include "frontend/onnx/ImportContext.h"

using namespace mlir;

namespace tessera::onnx {

using Results = FailureOr<SmallVector<Value>>;

namespace {
struct Quant {
  NodeContext &c;

  Value binaryOp(StringRef kind, Value a, Value b) {
    auto type = *broadcastResultType(c, a, b);
    if (kind == "div") return graph::DivOp::create(c.b, c.loc, type, a, b);
    if (kind == "mul") return graph::MulOp::create(c.b, c.loc, type, a, b);
    if (kind == "add") return graph::AddOp::create(c.b, c.loc, type, a, b);
    return graph::SubOp::create(c.b, c.loc, type, a, b);
  }
  Value castTo(Value v, Type elem) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getElementType() == elem)
      return v;
    return graph::CastOp::create(c.b, c.loc, RankedTensorType::get(t.getShape(), elem), v);
  }
  Value scalar(Type elem, double v) {
    auto type = RankedTensorType::get({}, elem);
    return graph::ConstantOp::create(c.b, c.loc, type, DenseElementsAttr::get(type, c.b.getFloatAttr(elem, v)));
  }
  /// A scale or zero point: scalars broadcast as they are, 1-D ones lie along `axis` of the input.
  FailureOr<Value> alongAxis(Value v, RankedTensorType input) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == 0 || t.getNumElements() == 1)
      return graph::ReshapeOp::create(c.b, c.loc, RankedTensorType::get({}, t.getElementType()), v, Value())
          .getResult();
    if (t.getRank() != 1)
      return c.error() << "blocked quantization is not supported";
    auto axis = normalizeAxis(c, c.getInt("axis", 1), input.getRank());
    if (failed(axis))
      return failure();
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
  Value y = graph::RoundOp::create(c.b, c.loc, cast<RankedTensorType>(x.getType()),
                                   q.binaryOp("div", x, q.castTo(*scale, fl)));
  if (c.input(2)) {
    auto zp = q.alongAxis(c.input(2), in);
    if (failed(zp))
      return failure();
    y = q.binaryOp("add", y, q.castTo(*zp, fl));
  }
  bool isUnsigned = outInt.isUnsigned();
  y = graph::ClipOp::create(c.b, c.loc, y.getType(), y, q.scalar(fl, isUnsigned ? 0 : -128),
                            q.scalar(fl, isUnsigned ? 255 : 127));
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
    x = q.binaryOp("sub", x, q.castTo(*zp, fl));
  }
  return SmallVector<Value>{q.binaryOp("mul", x, *scale)};
}

void addQuantizeImporters(llvm::StringMap<NodeImporter> &t) {
  t["QuantizeLinear"] = importQuantizeLinear;
  t["DequantizeLinear"] = importDequantizeLinear;
}

} // namespace tessera::onnx
