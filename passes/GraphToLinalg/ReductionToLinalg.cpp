//===- ReductionToLinalg.cpp - Reduce* and ArgMax/ArgMin -> linalg --------===//
//
// Every ONNX reduction over constant axes as one linalg.generic (mean and the norms add an elementwise
// step); ArgMax/ArgMin keep the value and its index together, for floats and (with benefit 2) integers.
//
#include "passes/GraphToLinalg/LoweringUtils.h"

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inType = rankedType(getTypeConverter(), op.getInput());
    auto outType = rankedType(getTypeConverter(), op.getOutput());
    if (!inType || !outType)
      return unsupported(rewriter, op, "needs ranked shapes");
    Location loc = op.getLoc();
    Type elem = inType.getElementType();
    bool isFloat = isa<FloatType>(elem);
    for (int64_t a : op.getAxes())
      if (inType.isDynamicDim(a) && (op.getKind() == ReduceKind::mean))
        return unsupported(rewriter, op, "mean over a dynamic dim is not supported yet");
    bool isUnsigned = isa<IntegerType>(cast<ShapedType>(op.getInput().getType()).getElementType()) &&
                      cast<IntegerType>(cast<ShapedType>(op.getInput().getType()).getElementType()).isUnsigned();
    ReduceKind kind = op.getKind();
    SmallVector<int64_t> axes(op.getAxes());
    if (axes.empty())
      for (int64_t i = 0; i < inType.getRank(); ++i) axes.push_back(i);
    int64_t count = 1;
    for (int64_t a : axes) count *= inType.getDimSize(a);
    if (kind == ReduceKind::argmax || kind == ReduceKind::argmin)
      return lowerArg(op, adaptor.getInput(), inType, outType, rewriter);
    auto attrOf = [&](double v) -> TypedAttr {
      return isFloat ? (TypedAttr)rewriter.getFloatAttr(elem, v) : (TypedAttr)rewriter.getIntegerAttr(elem, (int64_t)v);
    };
    auto add = [&](OpBuilder &b, Location l, Value a, Value x) -> Value {
      return isFloat ? (Value)arith::AddFOp::create(b, l, a, x) : (Value)arith::AddIOp::create(b, l, a, x);
    };
    auto mul = [&](OpBuilder &b, Location l, Value a, Value x) -> Value {
      return isFloat ? (Value)arith::MulFOp::create(b, l, a, x) : (Value)arith::MulIOp::create(b, l, a, x);
    };
    Value input = adaptor.getInput();
    Value result;
    if (kind == ReduceKind::sum || kind == ReduceKind::mean || kind == ReduceKind::log_sum) {
      result = buildReduction(rewriter, loc, input, axes, attrOf(0), add);
    } else if (kind == ReduceKind::prod) {
      result = buildReduction(rewriter, loc, input, axes, attrOf(1), mul);
    } else if (kind == ReduceKind::sum_square || kind == ReduceKind::l2) {
      result = buildReduction(rewriter, loc, input, axes, attrOf(0), [&](OpBuilder &b, Location l, Value a, Value x) {
        return add(b, l, a, mul(b, l, x, x));
      });
    } else if (kind == ReduceKind::l1) {
      result = buildReduction(rewriter, loc, input, axes, attrOf(0), [&](OpBuilder &b, Location l, Value a, Value x) {
        Value absx = isFloat ? (Value)math::AbsFOp::create(b, l, x) : (Value)math::AbsIOp::create(b, l, x);
        return add(b, l, a, absx);
      });
    } else if (kind == ReduceKind::log_sum_exp) {
      if (!isFloat)
        return unsupported(rewriter, op, "log_sum_exp needs a float input");
      result = buildReduction(rewriter, loc, input, axes, attrOf(0), [&](OpBuilder &b, Location l, Value a, Value x) {
        return add(b, l, a, math::ExpOp::create(b, l, x));
      });
    } else if (kind == ReduceKind::max || kind == ReduceKind::min) {
      bool isMax = kind == ReduceKind::max;
      TypedAttr init;
      if (isFloat)
        init = rewriter.getFloatAttr(elem, isMax ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity());
      else {
        unsigned w = elem.getIntOrFloatBitWidth();
        APInt v = isUnsigned ? (isMax ? APInt::getMinValue(w) : APInt::getMaxValue(w))
                             : (isMax ? APInt::getSignedMinValue(w) : APInt::getSignedMaxValue(w));
        init = rewriter.getIntegerAttr(elem, v);
      }
      result = buildReduction(rewriter, loc, input, axes, init, [&](OpBuilder &b, Location l, Value a, Value x) -> Value {
        if (isFloat)
          return isMax ? (Value)arith::MaximumFOp::create(b, l, a, x) : (Value)arith::MinimumFOp::create(b, l, a, x);
        if (isUnsigned)
          return isMax ? (Value)arith::MaxUIOp::create(b, l, a, x) : (Value)arith::MinUIOp::create(b, l, a, x);
        return isMax ? (Value)arith::MaxSIOp::create(b, l, a, x) : (Value)arith::MinSIOp::create(b, l, a, x);
      });
    }
    if (!result)
      return unsupported(rewriter, op, [&](Diagnostic &diag) {
        diag << "reduction kind " << stringifyReduceKind(kind) << " is not supported";
      });
    auto rType = cast<RankedTensorType>(result.getType());
    if (kind == ReduceKind::mean || kind == ReduceKind::l2 || kind == ReduceKind::log_sum || kind == ReduceKind::log_sum_exp) {
      if (!isFloat && kind != ReduceKind::mean)
        return unsupported(rewriter, op, "needs a float input");
      result = buildElementwise(rewriter, loc, rType, result, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        if (kind == ReduceKind::mean)
          return isFloat ? (Value)arith::DivFOp::create(b, l, a[0], scalarConstant(b, l, elem, count))
                         : (Value)arith::DivSIOp::create(b, l, a[0], scalarConstant(b, l, elem, count));
        if (kind == ReduceKind::l2)
          return math::SqrtOp::create(b, l, a[0]);
        return math::LogOp::create(b, l, a[0]);
      });
    }
    auto reshaped = reshapeDynamic(rewriter, loc, result, outType);
    if (failed(reshaped))
      return unsupported(rewriter, op, [&](Diagnostic &diag) {
        diag << "cannot reshape the reduction to " << outType;
      });
    rewriter.replaceOp(op, *reshaped);
    return success();
  }

  LogicalResult lowerArg(ReduceOp op, Value input, RankedTensorType inType, RankedTensorType outType,
                         ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    int64_t axis = op.getAxes()[0], rank = inType.getRank();
    Type elem = inType.getElementType();
    if (!isa<FloatType>(elem))
      return unsupported(rewriter, op, "arg reductions need a float input");
    bool isMax = op.getKind() == ReduceKind::argmax, last = op.getSelectLastIndex();
    SmallVector<int64_t> shape;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    for (int64_t i = 0; i < rank; ++i) {
      iterators.push_back(i == axis ? utils::IteratorType::reduction : utils::IteratorType::parallel);
      if (i != axis) {
        shape.push_back(inType.getDimSize(i));
        outExprs.push_back(rewriter.getAffineDimExpr(i));
      }
    }
    auto valueType = RankedTensorType::get(shape, elem);
    auto indexType = RankedTensorType::get(shape, rewriter.getI64Type());
    double inf = std::numeric_limits<double>::infinity();
    Value values = buildFilled(rewriter, loc, valueType, rewriter.getFloatAttr(elem, isMax ? -inf : inf));
    Value indices = buildFilled(rewriter, loc, indexType, rewriter.getI64IntegerAttr(0));
    auto outMap = AffineMap::get(rank, 0, outExprs, rewriter.getContext());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank), outMap, outMap};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indexType}, ValueRange{input}, ValueRange{values, indices},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value idx = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          auto pred = isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                            : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
          Value better = arith::CmpFOp::create(b, l, pred, a[0], a[1]);
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, better, a[0], a[1]),
                                                   arith::SelectOp::create(b, l, better, idx, a[2])});
        });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, generic.getResult(1), outType));
    return success();
  }
};

/// ArgMax/ArgMin of integer inputs (the float case is lowered with the other reductions).
struct IntegerArgReduceLowering : OpConversionPattern<ReduceOp> {
  IntegerArgReduceLowering(TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern(converter, ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(ReduceOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    ReduceKind kind = op.getKind();
    auto inType = staticType(getTypeConverter(), op.getInput());
    auto outType = staticType(getTypeConverter(), op.getOutput());
    if ((kind != ReduceKind::argmax && kind != ReduceKind::argmin) || !inType || !outType || !isa<IntegerType>(inType.getElementType()))
      return failure(); // ReduceLowering's case: it says why if it cannot lower it either
    Location loc = op.getLoc();
    int64_t axis = op.getAxes()[0], rank = inType.getRank();
    Type elem = inType.getElementType();
    bool isMax = kind == ReduceKind::argmax, last = op.getSelectLastIndex(), u = isUnsigned(op.getInput());
    SmallVector<int64_t> shape, kept;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis) {
        shape.push_back(inType.getDimSize(i));
        kept.push_back(i);
      }
    unsigned width = elem.getIntOrFloatBitWidth();
    APInt start = isMax ? (u ? APInt::getMinValue(width) : APInt::getSignedMinValue(width))
                        : (u ? APInt::getMaxValue(width) : APInt::getSignedMaxValue(width));
    auto valueType = RankedTensorType::get(shape, elem), indexType = RankedTensorType::get(shape, rewriter.getI64Type());
    Value values = buildFilled(rewriter, loc, valueType, rewriter.getIntegerAttr(elem, start));
    Value indices = buildFilled(rewriter, loc, indexType, rewriter.getI64IntegerAttr(0));
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank), dimsMap(rewriter, rank, kept), dimsMap(rewriter, rank, kept)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators[axis] = utils::IteratorType::reduction;
    using P = arith::CmpIPredicate;
    P pred = isMax ? (last ? (u ? P::uge : P::sge) : (u ? P::ugt : P::sgt))
                   : (last ? (u ? P::ule : P::sle) : (u ? P::ult : P::slt));
    // The first element always wins, so a row of the extreme starting value still gets index 0.
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indexType}, ValueRange{adaptor.getInput()}, ValueRange{values, indices},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value pos = linalg::IndexOp::create(b, l, axis);
          Value first = eqIndex(b, l, pos, arith::ConstantIndexOp::create(b, l, 0));
          Value better = arith::OrIOp::create(b, l, first, arith::CmpIOp::create(b, l, pred, a[0], a[1]));
          Value idx = arith::IndexCastOp::create(b, l, b.getI64Type(), pos);
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, better, a[0], a[1]),
                                                   arith::SelectOp::create(b, l, better, idx, a[2])});
        });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, generic.getResult(1), outType));
    return success();
  }
};

} // namespace

void populateReductionToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReduceLowering, IntegerArgReduceLowering>(converter, patterns.getContext());
}

} // namespace tessera
