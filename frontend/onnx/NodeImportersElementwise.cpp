//===- NodeImportersElementwise.cpp - elementwise ONNX ops ----------------===//
//
// Unary and binary ops with numpy broadcasting, variadic Max/Min/Sum/Mean, Cast, CastLike, Clip and
// Where (lowered by passes/GraphToLinalg/ElementwiseToLinalg.cpp).
//
#include "frontend/onnx/GraphBuilders.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;
namespace onnxpb = ::onnx;

namespace tessera::onnx {

template <typename OpTy> static NodeImporter unary() {
  return [](NodeContext &c) -> Results {
    if (!c.input(0))
      return c.error() << "missing input";
    return one(OpTy::create(c.b, c.loc, c.input(0)));
  };
}

template <typename OpTy> static NodeImporter unaryAlpha(float dflt) {
  return [dflt](NodeContext &c) -> Results {
    return one(OpTy::create(c.b, c.loc, c.input(0), c.b.getF32FloatAttr(c.getFloat("alpha", dflt))));
  };
}

/// Binary ops with numpy broadcasting (comparisons give i1).
template <typename OpTy> static NodeImporter broadcasting() {
  return [](NodeContext &c) -> Results {
    if (c.numInputs() != 2 || !c.input(0) || !c.input(1))
      return c.error() << "expects 2 inputs";
    if (c.opset < 7 && c.attr("broadcast"))
      return c.error() << "legacy 'broadcast'/'axis' attributes are not supported";
    return one(c.make<OpTy>(c.input(0), c.input(1)));
  };
}

/// Variadic Max/Min/Sum: a left fold of the binary op. Mean divides the sum by the count.
template <typename OpTy> static NodeImporter variadic(bool mean = false) {
  return [mean](NodeContext &c) -> Results {
    if (c.numInputs() == 0)
      return c.error() << "expects at least one input";
    Value acc = c.input(0);
    for (size_t i = 1; i < c.numInputs(); ++i) {
      auto next = c.make<OpTy>(acc, c.input(i));
      if (failed(next))
        return failure();
      acc = *next;
    }
    if (mean && c.numInputs() > 1)
      acc = binary<graph::DivOp>(c, acc, scalarConstant(c, getElementTypeOrSelf(acc.getType()), c.numInputs()));
    if (acc == c.input(0))
      acc = graph::IdentityOp::create(c.b, c.loc, acc);
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
    if (c.attr("min"))
      min = scalarConstant(c, elem, c.getFloat("min", 0));
    if (c.attr("max"))
      max = scalarConstant(c, elem, c.getFloat("max", 0));
  }
  return one(c.make<graph::ClipOp>(c.input(0), min, max));
}

static Results importWhere(NodeContext &c) {
  return one(c.make<graph::WhereOp>(c.input(0), c.input(1), c.input(2)));
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
    return one(graph::IsNaNOp::create(c.b, c.loc, c.input(0)));
  };
  t["IsInf"] = [](NodeContext &c) -> Results {
    return one(graph::IsInfOp::create(c.b, c.loc, c.input(0), c.getInt("detect_negative", 1) != 0,
                                      c.getInt("detect_positive", 1) != 0));
  };
  t["Celu"] = unaryAlpha<graph::CeluOp>(1.0f);
  t["Elu"] = unaryAlpha<graph::EluOp>(1.0f);
  t["LeakyRelu"] = unaryAlpha<graph::LeakyReluOp>(0.01f);
  t["ThresholdedRelu"] = unaryAlpha<graph::ThresholdedReluOp>(1.0f);
  t["Selu"] = [](NodeContext &c) -> Results {
    return one(graph::SeluOp::create(c.b, c.loc, c.input(0),
                                     c.b.getF32FloatAttr(c.getFloat("alpha", 1.67326319217681884765625f)),
                                     c.b.getF32FloatAttr(c.getFloat("gamma", 1.05070102214813232421875f))));
  };
  t["HardSigmoid"] = [](NodeContext &c) -> Results {
    return one(graph::HardSigmoidOp::create(c.b, c.loc, c.input(0),
                                            c.b.getF32FloatAttr(c.getFloat("alpha", 0.2f)),
                                            c.b.getF32FloatAttr(c.getFloat("beta", 0.5f))));
  };
  t["Shrink"] = [](NodeContext &c) -> Results {
    return one(graph::ShrinkOp::create(c.b, c.loc, c.input(0),
                                       c.b.getF32FloatAttr(c.getFloat("bias", 0.0f)),
                                       c.b.getF32FloatAttr(c.getFloat("lambd", 0.5f))));
  };
  t["Gelu"] = [](NodeContext &c) -> Results {
    return one(graph::GeluOp::create(c.b, c.loc, c.input(0), c.getString("approximate", "none") == "tanh"));
  };
  t["Cast"] = importCast;
  t["CastLike"] = importCastLike;
  t["Clip"] = importClip;
  t["Where"] = importWhere;

  t["Add"] = broadcasting<graph::AddOp>();
  t["Sub"] = broadcasting<graph::SubOp>();
  t["Mul"] = broadcasting<graph::MulOp>();
  t["Div"] = broadcasting<graph::DivOp>();
  t["Pow"] = broadcasting<graph::PowOp>();
  t["PRelu"] = broadcasting<graph::PReluOp>();
  t["And"] = broadcasting<graph::AndOp>();
  t["Or"] = broadcasting<graph::OrOp>();
  t["Xor"] = broadcasting<graph::XorOp>();
  t["Equal"] = broadcasting<graph::EqualOp>();
  t["Less"] = broadcasting<graph::LessOp>();
  t["LessOrEqual"] = broadcasting<graph::LessOrEqualOp>();
  t["Greater"] = broadcasting<graph::GreaterOp>();
  t["GreaterOrEqual"] = broadcasting<graph::GreaterOrEqualOp>();
  t["Mod"] = [](NodeContext &c) -> Results {
    return one(c.make<graph::ModOp>(c.input(0), c.input(1), c.getInt("fmod", 0) != 0));
  };
  t["BitShift"] = [](NodeContext &c) -> Results {
    return one(c.make<graph::BitShiftOp>(c.input(0), c.input(1), c.getString("direction", "") == "LEFT"));
  };
  t["Max"] = variadic<graph::MaxOp>();
  t["Min"] = variadic<graph::MinOp>();
  t["Sum"] = variadic<graph::AddOp>();
  t["Mean"] = variadic<graph::AddOp>(/*mean=*/true);
}

} // namespace tessera::onnx
