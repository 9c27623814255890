//===- ElementwiseToLinalg.cpp - tgraph elementwise ops -> linalg.generic -===//
//
// Each elementwise tgraph op becomes one broadcasting linalg.generic; only the scalar body differs.
// Transcendentals are emitted as `math` ops and expanded later to the same polynomials on every target.
//
#include "passes/GraphToLinalg/LoweringUtils.h"

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {

bool isUnsignedElement(Value v) {
  auto t = dyn_cast<IntegerType>(cast<ShapedType>(v.getType()).getElementType());
  return t && t.isUnsigned();
}

/// Context for building one scalar body: the op, its operand signedness, the element types.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Operation *op;
  Type elem;        // signless element type of operand 0
  bool isUnsigned;  // operand 0 is an unsigned integer
  bool isFloat() const { return isa<FloatType>(elem); }
  Value c(double v) const { return scalarConstant(b, loc, elem, v); }
  float attr(StringRef name) const {
    return cast<FloatAttr>(op->getAttr(name)).getValueAsDouble();
  }
};

using BodyFn = std::function<FailureOr<Value>(Scalar &, ValueRange)>;

/// Integer x / y (or x % y) that never traps: a zero divisor fails the run (a kernel error) and reads as
/// 1 meanwhile; signed INT_MIN / -1, which overflows, wraps like the rest of integer arithmetic (quotient
/// -x, remainder 0).
Value integerDivision(Scalar &s, Value x, Value y, bool remainder) {
  auto &b = s.b;
  Location loc = s.loc;
  using IP = arith::CmpIPredicate;
  Value zero = s.c(0), one = s.c(1);
  Value byZero = arith::CmpIOp::create(b, loc, IP::eq, y, zero);
  dispatch::ErrorIfOp::create(b, loc, byZero, dispatch::KernelError::division_by_zero);
  if (s.isUnsigned) {
    Value divisor = arith::SelectOp::create(b, loc, byZero, one, y);
    return remainder ? (Value)arith::RemUIOp::create(b, loc, x, divisor) : (Value)arith::DivUIOp::create(b, loc, x, divisor);
  }
  Value byMinusOne = arith::CmpIOp::create(b, loc, IP::eq, y, s.c(-1));
  Value divisor = arith::SelectOp::create(b, loc, arith::OrIOp::create(b, loc, byZero, byMinusOne), one, y);
  if (remainder)
    return arith::SelectOp::create(b, loc, byMinusOne, zero, arith::RemSIOp::create(b, loc, x, divisor));
  return arith::SelectOp::create(b, loc, byMinusOne, arith::SubIOp::create(b, loc, zero, x),
                                 arith::DivSIOp::create(b, loc, x, divisor));
}

Value sigmoid(Scalar &s, Value x) {
  auto &b = s.b;
  Value e = math::ExpOp::create(b, s.loc, arith::NegFOp::create(b, s.loc, x));
  return arith::DivFOp::create(b, s.loc, s.c(1), arith::AddFOp::create(b, s.loc, s.c(1), e));
}

Value softplus(Scalar &s, Value x) {
  auto &b = s.b;
  return math::Log1pOp::create(b, s.loc, math::ExpOp::create(b, s.loc, x));
}

Value select(Scalar &s, Value cond, Value a, Value b) {
  return arith::SelectOp::create(s.b, s.loc, cond, a, b);
}
Value cmpf(Scalar &s, arith::CmpFPredicate p, Value a, Value b) {
  return arith::CmpFOp::create(s.b, s.loc, p, a, b);
}

FailureOr<Value> unaryBody(Scalar &s, ValueRange args) {
  auto &b = s.b;
  Location loc = s.loc;
  Value x = args[0];
  Operation *op = s.op;
  bool f = s.isFloat();
  if (isa<AbsOp>(op))
    return f ? (Value)math::AbsFOp::create(b, loc, x)
             : (s.isUnsigned ? x : (Value)math::AbsIOp::create(b, loc, x));
  if (isa<NegOp>(op))
    return f ? (Value)arith::NegFOp::create(b, loc, x)
             : (Value)arith::SubIOp::create(b, loc, s.c(0), x);
  if (isa<IdentityOp>(op))
    return x;
  if (isa<NotOp>(op))
    return (Value)arith::XOrIOp::create(b, loc, x, arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
  if (isa<SignOp>(op)) {
    if (f) {
      Value pos = select(s, cmpf(s, arith::CmpFPredicate::OGT, x, s.c(0)), s.c(1), s.c(0));
      return select(s, cmpf(s, arith::CmpFPredicate::OLT, x, s.c(0)), s.c(-1), pos);
    }
    Value gt = arith::CmpIOp::create(b, loc, s.isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt, x, s.c(0));
    Value lt = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, s.c(0));
    Value pos = select(s, gt, s.c(1), s.c(0));
    return s.isUnsigned ? pos : select(s, lt, s.c(-1), pos);
  }
  if (isa<ReluOp>(op))
    return f ? (Value)arith::MaximumFOp::create(b, loc, x, s.c(0))
             : (Value)arith::MaxSIOp::create(b, loc, x, s.c(0));
  if (!f)
    return failure();
  if (isa<CastOp>(op))
    return failure();
  if (isa<ExpOp>(op)) return (Value)math::ExpOp::create(b, loc, x);
  if (isa<LogOp>(op)) return (Value)math::LogOp::create(b, loc, x);
  if (isa<SqrtOp>(op)) return (Value)math::SqrtOp::create(b, loc, x);
  if (isa<TanhOp>(op)) return (Value)math::TanhOp::create(b, loc, x);
  if (isa<SinOp>(op)) return (Value)math::SinOp::create(b, loc, x);
  if (isa<CosOp>(op)) return (Value)math::CosOp::create(b, loc, x);
  if (isa<TanOp>(op)) return (Value)math::TanOp::create(b, loc, x);
  if (isa<AsinOp>(op)) return (Value)math::AsinOp::create(b, loc, x);
  if (isa<AcosOp>(op)) return (Value)math::AcosOp::create(b, loc, x);
  if (isa<AtanOp>(op)) return (Value)math::AtanOp::create(b, loc, x);
  if (isa<SinhOp>(op)) return (Value)math::SinhOp::create(b, loc, x);
  if (isa<CoshOp>(op)) return (Value)math::CoshOp::create(b, loc, x);
  if (isa<AsinhOp>(op)) return (Value)math::AsinhOp::create(b, loc, x);
  if (isa<AcoshOp>(op)) return (Value)math::AcoshOp::create(b, loc, x);
  if (isa<AtanhOp>(op)) return (Value)math::AtanhOp::create(b, loc, x);
  if (isa<ErfOp>(op)) return (Value)math::ErfOp::create(b, loc, x);
  if (isa<CeilOp>(op)) return (Value)math::CeilOp::create(b, loc, x);
  if (isa<FloorOp>(op)) return (Value)math::FloorOp::create(b, loc, x);
  if (isa<RoundOp>(op)) return (Value)math::RoundEvenOp::create(b, loc, x);
  if (isa<ReciprocalOp>(op)) return (Value)arith::DivFOp::create(b, loc, s.c(1), x);
  if (isa<SigmoidOp>(op)) return sigmoid(s, x);
  if (isa<SoftplusOp>(op)) return softplus(s, x);
  if (isa<SoftsignOp>(op))
    return (Value)arith::DivFOp::create(b, loc, x, arith::AddFOp::create(b, loc, s.c(1), math::AbsFOp::create(b, loc, x)));
  if (isa<MishOp>(op))
    return (Value)arith::MulFOp::create(b, loc, x, math::TanhOp::create(b, loc, softplus(s, x)));
  if (isa<HardSwishOp>(op)) {
    Value t = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, x, s.c(1.0 / 6.0)), s.c(0.5));
    t = arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, t, s.c(0)), s.c(1));
    return (Value)arith::MulFOp::create(b, loc, x, t);
  }
  if (isa<HardSigmoidOp>(op)) {
    Value t = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, x, s.c(s.attr("alpha"))), s.c(s.attr("beta")));
    return (Value)arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, t, s.c(0)), s.c(1));
  }
  if (isa<LeakyReluOp>(op))
    return select(s, cmpf(s, arith::CmpFPredicate::OLT, x, s.c(0)),
                  arith::MulFOp::create(b, loc, x, s.c(s.attr("alpha"))), x);
  if (isa<ThresholdedReluOp>(op))
    return select(s, cmpf(s, arith::CmpFPredicate::OGT, x, s.c(s.attr("alpha"))), x, s.c(0));
  if (isa<EluOp, CeluOp, SeluOp>(op)) {
    double alpha = s.attr("alpha");
    Value inner = x;
    if (isa<CeluOp>(op))
      inner = arith::DivFOp::create(b, loc, x, s.c(alpha));
    Value neg = arith::MulFOp::create(b, loc, s.c(alpha), math::ExpM1Op::create(b, loc, inner));
    Value r = select(s, cmpf(s, arith::CmpFPredicate::OGT, x, s.c(0)), x, neg);
    if (isa<CeluOp>(op))
      r = select(s, cmpf(s, arith::CmpFPredicate::OGE, x, s.c(0)), x, neg);
    if (isa<SeluOp>(op))
      r = arith::MulFOp::create(b, loc, r, s.c(s.attr("gamma")));
    return r;
  }
  if (auto shrink = dyn_cast<ShrinkOp>(op)) {
    double bias = s.attr("bias"), lambd = s.attr("lambd");
    Value lo = arith::AddFOp::create(b, loc, x, s.c(bias));
    Value hi = arith::SubFOp::create(b, loc, x, s.c(bias));
    Value r = select(s, cmpf(s, arith::CmpFPredicate::OGT, x, s.c(lambd)), hi, s.c(0));
    return select(s, cmpf(s, arith::CmpFPredicate::OLT, x, s.c(-lambd)), lo, r);
  }
  if (auto gelu = dyn_cast<GeluOp>(op)) {
    Value half = arith::MulFOp::create(b, loc, x, s.c(0.5));
    Value inner;
    if (gelu.getTanhApproximation()) {
      Value x3 = arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
      Value t = arith::AddFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x3, s.c(0.044715)));
      inner = math::TanhOp::create(b, loc, arith::MulFOp::create(b, loc, t, s.c(0.7978845608028654)));
    } else {
      inner = math::ErfOp::create(b, loc, arith::MulFOp::create(b, loc, x, s.c(0.7071067811865476)));
    }
    return (Value)arith::MulFOp::create(b, loc, half, arith::AddFOp::create(b, loc, s.c(1), inner));
  }
  if (isa<IsNaNOp>(op))
    return cmpf(s, arith::CmpFPredicate::UNO, x, x);
  if (auto isinf = dyn_cast<IsInfOp>(op)) {
    Value inf = s.c(std::numeric_limits<double>::infinity());
    Value pos = cmpf(s, arith::CmpFPredicate::OEQ, x, inf);
    Value neg = cmpf(s, arith::CmpFPredicate::OEQ, x, arith::NegFOp::create(b, loc, inf));
    Value no = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    Value r = isinf.getDetectPositive() ? pos : no;
    return isinf.getDetectNegative() ? (Value)arith::OrIOp::create(b, loc, r, neg) : r;
  }
  return failure();
}

FailureOr<Value> binaryBody(Scalar &s, ValueRange args) {
  auto &b = s.b;
  Location loc = s.loc;
  Value x = args[0], y = args[1];
  Operation *op = s.op;
  bool f = s.isFloat(), u = s.isUnsigned;
  auto icmp = [&](arith::CmpIPredicate sp, arith::CmpIPredicate up) -> Value {
    return arith::CmpIOp::create(b, loc, u ? up : sp, x, y);
  };
  using IP = arith::CmpIPredicate;
  using FP = arith::CmpFPredicate;
  if (isa<AddOp>(op)) return f ? (Value)arith::AddFOp::create(b, loc, x, y) : (Value)arith::AddIOp::create(b, loc, x, y);
  if (isa<SubOp>(op)) return f ? (Value)arith::SubFOp::create(b, loc, x, y) : (Value)arith::SubIOp::create(b, loc, x, y);
  if (isa<MulOp>(op)) return f ? (Value)arith::MulFOp::create(b, loc, x, y) : (Value)arith::MulIOp::create(b, loc, x, y);
  if (isa<DivOp>(op))
    return f ? (Value)arith::DivFOp::create(b, loc, x, y) : integerDivision(s, x, y, /*remainder=*/false);
  if (isa<MaxOp>(op))
    return f ? (Value)arith::MaximumFOp::create(b, loc, x, y)
             : (u ? (Value)arith::MaxUIOp::create(b, loc, x, y) : (Value)arith::MaxSIOp::create(b, loc, x, y));
  if (isa<MinOp>(op))
    return f ? (Value)arith::MinimumFOp::create(b, loc, x, y)
             : (u ? (Value)arith::MinUIOp::create(b, loc, x, y) : (Value)arith::MinSIOp::create(b, loc, x, y));
  if (isa<AndOp>(op)) return (Value)arith::AndIOp::create(b, loc, x, y);
  if (isa<OrOp>(op)) return (Value)arith::OrIOp::create(b, loc, x, y);
  if (isa<XorOp>(op)) return (Value)arith::XOrIOp::create(b, loc, x, y);
  if (isa<EqualOp>(op)) return f ? cmpf(s, FP::OEQ, x, y) : icmp(IP::eq, IP::eq);
  if (isa<LessOp>(op)) return f ? cmpf(s, FP::OLT, x, y) : icmp(IP::slt, IP::ult);
  if (isa<LessOrEqualOp>(op)) return f ? cmpf(s, FP::OLE, x, y) : icmp(IP::sle, IP::ule);
  if (isa<GreaterOp>(op)) return f ? cmpf(s, FP::OGT, x, y) : icmp(IP::sgt, IP::ugt);
  if (isa<GreaterOrEqualOp>(op)) return f ? cmpf(s, FP::OGE, x, y) : icmp(IP::sge, IP::uge);
  if (isa<PReluOp>(op) && f)
    return select(s, cmpf(s, FP::OLT, x, s.c(0)), arith::MulFOp::create(b, loc, x, y), x);
  if (auto shift = dyn_cast<BitShiftOp>(op))
    return shift.getShiftLeft() ? (Value)arith::ShLIOp::create(b, loc, x, y)
                                : (Value)arith::ShRUIOp::create(b, loc, x, y);
  if (auto mod = dyn_cast<ModOp>(op)) {
    if (f) {
      Value r = arith::RemFOp::create(b, loc, x, y);
      if (mod.getFmod())
        return r;
      // Python-style: the result takes the divisor's sign.
      Value fix = arith::AndIOp::create(b, loc, cmpf(s, FP::ONE, r, s.c(0)),
                                        arith::XOrIOp::create(b, loc, cmpf(s, FP::OLT, r, s.c(0)), cmpf(s, FP::OLT, y, s.c(0))));
      return select(s, fix, arith::AddFOp::create(b, loc, r, y), r);
    }
    Value r = integerDivision(s, x, y, /*remainder=*/true);
    if (u || mod.getFmod())
      return r;
    Value zero = s.c(0);
    Value fix = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, IP::ne, r, zero),
        arith::XOrIOp::create(b, loc, arith::CmpIOp::create(b, loc, IP::slt, r, zero),
                              arith::CmpIOp::create(b, loc, IP::slt, y, zero)));
    return select(s, fix, arith::AddIOp::create(b, loc, r, y), r);
  }
  if (isa<PowOp>(op)) {
    Type yType = y.getType();
    // A constant exponent of 2 (the variance in a decomposed LayerNorm) is one multiply, not a libm
    // call per element: powf(x, 2) is the correctly rounded x * x.
    DenseElementsAttr exponent;
    if (f && matchPattern(op->getOperand(1), m_Constant(&exponent)) && exponent.isSplat() &&
        isa<FloatType>(exponent.getElementType()) &&
        exponent.getSplatValue<APFloat>().convertToDouble() == 2.0)
      return (Value)arith::MulFOp::create(b, loc, x, x);
    if (f) {
      if (yType != s.elem)
        y = castScalar(b, loc, y, yType, s.elem, isUnsignedElement(op->getOperand(1)), false);
      return (Value)math::PowFOp::create(b, loc, x, y);
    }
    if (isa<FloatType>(yType)) {
      Value xf = castScalar(b, loc, x, s.elem, yType, u, false);
      return castScalar(b, loc, math::PowFOp::create(b, loc, xf, y), yType, s.elem, false, u);
    }
    if (yType != s.elem)
      y = castScalar(b, loc, y, yType, s.elem, false, false);
    return (Value)math::IPowIOp::create(b, loc, x, y);
  }
  return failure();
}

/// Lowers any elementwise tgraph op through a body function.
struct ElementwiseLowering : public ConversionPattern {
  ElementwiseLowering(TypeConverter &converter, MLIRContext *ctx, StringRef opName, BodyFn body)
      : ConversionPattern(converter, opName, 1, ctx), body(std::move(body)) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    auto resultType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op->getResult(0).getType()));
    if (!resultType)
      return unsupported(rewriter, op, "needs a ranked result");
    SmallVector<Value> inputs;
    for (Value v : operands)
      if (v)
        inputs.push_back(v);
    Type elem = cast<ShapedType>(inputs[0].getType()).getElementType();
    bool failedBody = false;
    Value result = buildElementwise(rewriter, op->getLoc(), resultType, inputs,
                                    [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                                      Scalar s{b, loc, op, elem, isUnsignedElement(op->getOperand(0))};
                                      auto r = body(s, args);
                                      if (failed(r)) {
                                        failedBody = true;
                                        return args[0];
                                      }
                                      return *r;
                                    });
    if (failedBody) {
      rewriter.eraseOp(result.getDefiningOp());
      return unsupported(rewriter, op, [&](Diagnostic &diag) { diag << "is not supported for element type " << elem; });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
  BodyFn body;
};

FailureOr<Value> castBody(Scalar &s, ValueRange args) {
  Type to = cast<ShapedType>(s.op->getResult(0).getType()).getElementType();
  bool toUnsigned = isa<IntegerType>(to) && cast<IntegerType>(to).isUnsigned();
  Type toSignless = isa<IntegerType>(to) ? IntegerType::get(to.getContext(), to.getIntOrFloatBitWidth()) : to;
  return castScalar(s.b, s.loc, args[0], s.elem, toSignless, s.isUnsigned, toUnsigned);
}

FailureOr<Value> clipBody(Scalar &s, ValueRange args) {
  auto clip = cast<ClipOp>(s.op);
  Value x = args[0];
  size_t next = 1;
  auto apply = [&](bool isMin, Value bound) {
    if (s.isFloat())
      return isMin ? (Value)arith::MaximumFOp::create(s.b, s.loc, x, bound)
                   : (Value)arith::MinimumFOp::create(s.b, s.loc, x, bound);
    if (s.isUnsigned)
      return isMin ? (Value)arith::MaxUIOp::create(s.b, s.loc, x, bound)
                   : (Value)arith::MinUIOp::create(s.b, s.loc, x, bound);
    return isMin ? (Value)arith::MaxSIOp::create(s.b, s.loc, x, bound)
                 : (Value)arith::MinSIOp::create(s.b, s.loc, x, bound);
  };
  if (clip.getMin())
    x = apply(true, args[next++]);
  if (clip.getMax())
    x = apply(false, args[next++]);
  return x;
}

FailureOr<Value> whereBody(Scalar &s, ValueRange args) {
  return (Value)arith::SelectOp::create(s.b, s.loc, args[0], args[1], args[2]);
}

template <typename... Ops>
void addAll(GraphTypeConverter &converter, RewritePatternSet &patterns, BodyFn body) {
  (patterns.add<ElementwiseLowering>(converter, patterns.getContext(), Ops::getOperationName(), body), ...);
}

} // namespace

void populateElementwiseToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  addAll<AbsOp, AcosOp, AcoshOp, AsinOp, AsinhOp, AtanOp, AtanhOp, CeilOp, CosOp, CoshOp, ErfOp,
         ExpOp, FloorOp, HardSwishOp, IdentityOp, IsNaNOp, LogOp, MishOp, NegOp, NotOp, ReciprocalOp,
         ReluOp, RoundOp, SigmoidOp, SignOp, SinOp, SinhOp, SoftplusOp, SoftsignOp, SqrtOp, TanOp,
         TanhOp, CeluOp, EluOp, LeakyReluOp, ThresholdedReluOp, SeluOp, HardSigmoidOp, ShrinkOp,
         GeluOp, IsInfOp>(converter, patterns, unaryBody);
  addAll<AddOp, AndOp, DivOp, EqualOp, GreaterOp, GreaterOrEqualOp, LessOp, LessOrEqualOp, MaxOp,
         MinOp, MulOp, OrOp, PowOp, PReluOp, SubOp, XorOp, ModOp, BitShiftOp>(converter, patterns,
                                                                               binaryBody);
  addAll<CastOp>(converter, patterns, castBody);
  addAll<ClipOp>(converter, patterns, clipBody);
  addAll<WhereOp>(converter, patterns, whereBody);
}

} // namespace tessera
