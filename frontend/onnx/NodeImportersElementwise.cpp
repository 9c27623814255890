//===- NodeImportersElementwise.cpp - elementwise ONNX ops ----------------===//
//
// Unary and binary ops with numpy broadcasting, variadic Max/Min/Sum/Mean, Cast, CastLike, Clip and
// Where (lowered by passes/GraphToLinalg/ElementwiseToLinalg.cpp).
//
#include "frontend/onnx/ImportContext.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

template <typename OpTy> static NodeImporter unary() {
  return [](NodeContext &c) -> Results {
    if (!c.input(0))
      return c.error() << "missing input";
    return one(OpTy::create(c.b, c.loc, c.inputType(0), c.input(0)));
  };
}

template <typename OpTy> static NodeImporter unaryAlpha(float dflt) {
  return [dflt](NodeContext &c) -> Results {
    return one(OpTy::create(c.b, c.loc, c.inputType(0), c.input(0),
                            c.b.getF32FloatAttr(c.getFloat("alpha", dflt))));
  };
}

/// Binary ops with an optional result element type (comparisons give i1).
template <typename OpTy> static NodeImporter binary(bool boolResult = false) {
  return [boolResult](NodeContext &c) -> Results {
    if (c.numInputs() != 2 || !c.input(0) || !c.input(1))
      return c.error() << "expects 2 inputs";
    if (c.opset < 7 && c.attr("broadcast"))
      return c.error() << "legacy 'broadcast'/'axis' attributes are not supported";
    auto type = broadcastResultType(c, c.input(0), c.input(1),
                                    boolResult ? c.b.getI1Type() : Type());
    if (failed(type))
      return failure();
    return one(OpTy::create(c.b, c.loc, *type, c.input(0), c.input(1)));
  };
}

/// Variadic Max/Min/Sum: a left fold of the binary op. Mean divides the sum by the count.
template <typename OpTy> static NodeImporter variadic(bool mean = false) {
  return [mean](NodeContext &c) -> Results {
    if (c.numInputs() == 0)
      return c.error() << "expects at least one input";
    Value acc = c.input(0);
    for (size_t i = 1; i < c.numInputs(); ++i) {
      auto type = broadcastResultType(c, acc, c.input(i));
      if (failed(type))
        return failure();
      acc = OpTy::create(c.b, c.loc, *type, acc, c.input(i));
    }
    if (mean && c.numInputs() > 1) {
      auto elem = cast<RankedTensorType>(acc.getType()).getElementType();
      auto scalarType = RankedTensorType::get({}, elem);
      auto count = graph::ConstantOp::create(
          c.b, c.loc, scalarType,
          DenseElementsAttr::get(scalarType, c.b.getFloatAttr(elem, (double)c.numInputs())));
      acc = graph::DivOp::create(c.b, c.loc, acc.getType(), acc, count);
    }
    if (acc == c.input(0))
      acc = graph::IdentityOp::create(c.b, c.loc, acc.getType(), acc);
    return one(acc);
  };
}

static Results importCast(NodeContext &c) {
  Type elem = convertElementType(c.ctx(), c.getInt("to", 0));
  if (!elem)
    return c.error() << "unsupported target type " << c.getInt("to", 0);
  return one(graph::CastOp::create(c.b, c.loc, c.input(0), elem));
}

static Results importCastLike(NodeContext &c) {
  return one(graph::CastOp::create(c.b, c.loc, c.input(0), c.inputType(1).getElementType()));
}

static Results importClip(NodeContext &c) {
  Value min = c.input(1), max = c.input(2);
  if (c.opset < 11) { // bounds were attributes
    auto elem = c.inputType(0).getElementType();
    auto scalar = RankedTensorType::get({}, elem);
    auto make = [&](float v) -> Value {
      return graph::ConstantOp::create(c.b, c.loc, scalar,
                                       DenseElementsAttr::get(scalar, c.b.getFloatAttr(elem, v)));
    };
    if (c.attr("min")) min = make(c.getFloat("min", 0));
    if (c.attr("max")) max = make(c.getFloat("max", 0));
  }
  return one(graph::ClipOp::create(c.b, c.loc, c.inputType(0), c.input(0), min, max));
}

static Results importWhere(NodeContext &c) {
  auto xy = broadcastResultType(c, c.input(1), c.input(2));
  if (failed(xy))
    return failure();
  auto shape = graph::broadcastShapes(c.inputType(0).getShape(), xy->getShape());
  if (failed(shape))
    return c.error() << "condition does not broadcast with the values";
  auto type = RankedTensorType::get(*shape, xy->getElementType());
  return one(graph::WhereOp::create(c.b, c.loc, type, c.input(0), c.input(1), c.input(2)));
}

void addElementwiseImporters(llvm::StringMap<NodeImporter> &t) {
  t["Abs"] = unary<graph::AbsOp>();
  t["Acos"] = unary<graph::AcosOp>();
  t["Acosh"] = unary<graph::AcoshOp>();
  t["Asin"] = unary<graph::AsinOp>();
  t["Asinh"] = unary<graph::AsinhOp>();
  t["Atan"] = unary<graph::AtanOp>();
  t["Atanh"] = unary<graph::AtanhOp>();
  t["Ceil"] = unary<graph::CeilOp>();
  t["Cos"] = unary<graph::CosOp>();
  t["Cosh"] = unary<graph::CoshOp>();
  t["Erf"] = unary<graph::ErfOp>();
  t["Exp"] = unary<graph::ExpOp>();
  t["Floor"] = unary<graph::FloorOp>();
  t["HardSwish"] = unary<graph::HardSwishOp>();
  t["Identity"] = unary<graph::IdentityOp>();
  t["Log"] = unary<graph::LogOp>();
  t["Mish"] = unary<graph::MishOp>();
  t["Neg"] = unary<graph::NegOp>();
  t["Not"] = unary<graph::NotOp>();
  t["Reciprocal"] = unary<graph::ReciprocalOp>();
  t["Relu"] = unary<graph::ReluOp>();
  t["Round"] = unary<graph::RoundOp>();
  t["Sigmoid"] = unary<graph::SigmoidOp>();
  t["Sign"] = unary<graph::SignOp>();
  t["Sin"] = unary<graph::SinOp>();
  t["Sinh"] = unary<graph::SinhOp>();
  t["Softplus"] = unary<graph::SoftplusOp>();
  t["Softsign"] = unary<graph::SoftsignOp>();
  t["Sqrt"] = unary<graph::SqrtOp>();
  t["Tan"] = unary<graph::TanOp>();
  t["Tanh"] = unary<graph::TanhOp>();
  t["IsNaN"] = [](NodeContext &c) -> Results {
    auto type = RankedTensorType::get(c.inputType(0).getShape(), c.b.getI1Type());
    return one(graph::IsNaNOp::create(c.b, c.loc, type, c.input(0)));
  };
  t["IsInf"] = [](NodeContext &c) -> Results {
    auto type = RankedTensorType::get(c.inputType(0).getShape(), c.b.getI1Type());
    return one(graph::IsInfOp::create(c.b, c.loc, type, c.input(0),
                                      c.getInt("detect_negative", 1) != 0,
                                      c.getInt("detect_positive", 1) != 0));
  };
  t["Celu"] = unaryAlpha<graph::CeluOp>(1.0f);
  t["Elu"] = unaryAlpha<graph::EluOp>(1.0f);
  t["LeakyRelu"] = unaryAlpha<graph::LeakyReluOp>(0.01f);
  t["ThresholdedRelu"] = unaryAlpha<graph::ThresholdedReluOp>(1.0f);
  t["Selu"] = [](NodeContext &c) -> Results {
    return one(graph::SeluOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                     c.b.getF32FloatAttr(c.getFloat("alpha", 1.67326319217681884765625f)),
                                     c.b.getF32FloatAttr(c.getFloat("gamma", 1.05070102214813232421875f))));
  };
  t["HardSigmoid"] = [](NodeContext &c) -> Results {
    return one(graph::HardSigmoidOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                            c.b.getF32FloatAttr(c.getFloat("alpha", 0.2f)),
                                            c.b.getF32FloatAttr(c.getFloat("beta", 0.5f))));
  };
  t["Shrink"] = [](NodeContext &c) -> Results {
    return one(graph::ShrinkOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                       c.b.getF32FloatAttr(c.getFloat("bias", 0.0f)),
                                       c.b.getF32FloatAttr(c.getFloat("lambd", 0.5f))));
  };
  t["Gelu"] = [](NodeContext &c) -> Results {
    return one(graph::GeluOp::create(c.b, c.loc, c.inputType(0), c.input(0),
                                     c.getString("approximate", "none") == "tanh"));
  };
  t["Cast"] = importCast;
  t["CastLike"] = importCastLike;
  t["Clip"] = importClip;
  t["Where"] = importWhere;

  t["Add"] = binary<graph::AddOp>();
  t["Sub"] = binary<graph::SubOp>();
  t["Mul"] = binary<graph::MulOp>();
  t["Div"] = binary<graph::DivOp>();
  t["Pow"] = binary<graph::PowOp>();
  t["PRelu"] = binary<graph::PReluOp>();
  t["And"] = binary<graph::AndOp>(true);
  t["Or"] = binary<graph::OrOp>(true);
  t["Xor"] = binary<graph::XorOp>(true);
  t["Equal"] = binary<graph::EqualOp>(true);
  t["Less"] = binary<graph::LessOp>(true);
  t["LessOrEqual"] = binary<graph::LessOrEqualOp>(true);
  t["Greater"] = binary<graph::GreaterOp>(true);
  t["GreaterOrEqual"] = binary<graph::GreaterOrEqualOp>(true);
  t["Mod"] = [](NodeContext &c) -> Results {
    auto type = broadcastResultType(c, c.input(0), c.input(1));
    if (failed(type))
      return failure();
    return one(graph::ModOp::create(c.b, c.loc, *type, c.input(0), c.input(1), c.getInt("fmod", 0) != 0));
  };
  t["BitShift"] = [](NodeContext &c) -> Results {
    auto type = broadcastResultType(c, c.input(0), c.input(1));
    if (failed(type))
      return failure();
    return one(graph::BitShiftOp::create(c.b, c.loc, *type, c.input(0), c.input(1),
                                         c.getString("direction", "") == "LEFT"));
  };
  t["Max"] = variadic<graph::MaxOp>();
  t["Min"] = variadic<graph::MinOp>();
  t["Sum"] = variadic<graph::AddOp>();
  t["Mean"] = variadic<graph::AddOp>(/*mean=*/true);
}

} // namespace tessera::onnx
