//===- NNToLinalg.cpp - conv, pooling, contractions, reductions -> linalg -===//
#include "passes/GraphToLinalg/LoweringUtils.h"

#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {


Value addChannelBias(OpBuilder &b, Location loc, Value acc, Value bias) {
  auto type = cast<RankedTensorType>(acc.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, {b.getAffineDimExpr(1)}, b.getContext()),
                                 b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                       dynamicDimsFrom(b, loc, type, acc));
  return linalg::GenericOp::create(b, loc, TypeRange{type}, ValueRange{acc, bias}, ValueRange{init},
                                   maps, iterators,
                                   [](OpBuilder &nb, Location nl, ValueRange a) {
                                     linalg::YieldOp::create(nb, nl, arith::AddFOp::create(nb, nl, a[0], a[1]).getResult());
                                   })
      .getResult(0);
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = batchDynamicType(getTypeConverter(), op.getInput());
    auto wType = staticType(getTypeConverter(), op.getWeight());
    auto outType = batchDynamicType(getTypeConverter(), op.getOutput());
    if (!inType || !wType || !outType || !isa<FloatType>(inType.getElementType()))
      return op.emitOpError("needs static shapes (but the batch) and a float element type");
    SmallVector<Value> outDims = batchDims(rewriter, loc, outType, adaptor.getInput());
    int64_t rank = inType.getRank(), group = op.getGroup();
    Type elem = inType.getElementType();
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), op.getPads(), rewriter.getFloatAttr(elem, 0));
    auto strides = rewriter.getI64TensorAttr(op.getStrides()); // linalg wants tensor<Nxi64>
    auto dilations = rewriter.getI64TensorAttr(op.getDilations());
    Value acc;
    int64_t channels = inType.getDimSize(1), filters = wType.getDimSize(0);
    if (group == 1) {
      Value init = buildFilled(rewriter, loc, outType, rewriter.getFloatAttr(elem, 0), outDims);
      SmallVector<Value> ins{input, adaptor.getWeight()};
      if (rank == 4)
        acc = linalg::Conv2DNchwFchwOp::create(rewriter, loc, outType, ins, init, strides, dilations).getResult(0);
      else if (rank == 3)
        acc = linalg::Conv1DNcwFcwOp::create(rewriter, loc, outType, ins, init, strides, dilations).getResult(0);
      else if (rank == 5)
        acc = linalg::Conv3DNcdhwFcdhwOp::create(rewriter, loc, outType, ins, init, strides, dilations).getResult(0);
    } else if (rank == 4 && group == channels && filters == channels) {
      // Depthwise: weight [C, 1, kh, kw] -> [C, kh, kw].
      auto w3 = RankedTensorType::get({filters, wType.getDimSize(2), wType.getDimSize(3)}, elem);
      Value weight = tensor::CollapseShapeOp::create(rewriter, loc, w3, adaptor.getWeight(),
                                                     ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
      Value init = buildFilled(rewriter, loc, outType, rewriter.getFloatAttr(elem, 0), outDims);
      acc = linalg::DepthwiseConv2DNchwChwOp::create(rewriter, loc, outType, ValueRange{input, weight},
                                                     init, strides, dilations).getResult(0);
    } else if (rank == 4 && !outType.hasStaticShape()) {
      return op.emitOpError("grouped convolution with a dynamic batch is not supported yet");
    } else if (rank == 4) {
      // Grouped: N, G, C/G, H, W against G, F/G, C/G, kh, kw.
      auto pType = cast<RankedTensorType>(input.getType());
      auto in5 = RankedTensorType::get({pType.getDimSize(0), group, channels / group, pType.getDimSize(2), pType.getDimSize(3)}, elem);
      auto w5 = RankedTensorType::get({group, filters / group, wType.getDimSize(1), wType.getDimSize(2), wType.getDimSize(3)}, elem);
      auto out5 = RankedTensorType::get({outType.getDimSize(0), group, filters / group, outType.getDimSize(2), outType.getDimSize(3)}, elem);
      Value in = tensor::ExpandShapeOp::create(rewriter, loc, in5, input, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
      Value w = tensor::ExpandShapeOp::create(rewriter, loc, w5, adaptor.getWeight(), ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
      Value init = buildFilled(rewriter, loc, out5, rewriter.getFloatAttr(elem, 0));
      Value r = linalg::Conv2DNgchwGfchwOp::create(rewriter, loc, out5, ValueRange{in, w}, init, strides, dilations).getResult(0);
      acc = tensor::CollapseShapeOp::create(rewriter, loc, outType, r, ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
    }
    if (!acc)
      return op.emitOpError("grouped convolution of rank ") << rank << " is not supported yet";
    if (adaptor.getBias())
      acc = addChannelBias(rewriter, loc, acc, adaptor.getBias());
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// How many elements each output position of an average pool counts along spatial dim `i`: the taps of
/// its window that land on the input (or on explicit padding, with count_include_pad), never those in
/// the ceil-mode extension.
SmallVector<int64_t> countsAlong(PoolOp op, int64_t inputSize, int64_t outputSize, size_t i) {
  int64_t begin = op.getPads()[i], originalEnd = op.getOriginalEndPads()[i];
  int64_t low = op.getCountIncludePad() ? 0 : begin;
  int64_t high = begin + inputSize + (op.getCountIncludePad() ? originalEnd : 0); // exclusive
  SmallVector<int64_t> counts(outputSize, 0);
  for (int64_t o = 0; o < outputSize; ++o)
    for (int64_t t = 0; t < op.getKernelShape()[i]; ++t) {
      int64_t p = o * op.getStrides()[i] + t * op.getDilations()[i];
      counts[o] += p >= low && p < high;
    }
  return counts;
}

/// `sum` (an average pool's window sums, shape `outType`) divided by each window's count, computed at
/// compile time from the static spatial sizes: one constant when every window counts the same, else a
/// constant per output position broadcast over batch and channels.
Value divideByWindowCounts(OpBuilder &b, Location loc, PoolOp op, Value sum, RankedTensorType outType) {
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  int64_t rank = outType.getRank();
  SmallVector<int64_t> spatialShape(outType.getShape().drop_front(2));
  SmallVector<double> counts{1.0};
  for (int64_t i = 0; i + 2 < rank; ++i) {
    SmallVector<int64_t> along = countsAlong(op, inType.getDimSize(i + 2), outType.getDimSize(i + 2), i);
    SmallVector<double> next;
    for (double c : counts)
      for (int64_t a : along)
        next.push_back(c * a);
    counts = std::move(next);
  }
  Type elem = outType.getElementType();
  if (llvm::all_equal(counts)) {
    Value divisor = scalarConstant(b, loc, elem, counts.front());
    return buildElementwise(b, loc, outType, ValueRange{sum}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return arith::DivFOp::create(nb, l, a[0], divisor);
    });
  }
  // One count per output position, broadcast over batch and channels (numpy alignment of trailing dims).
  SmallVector<Attribute> values;
  for (double c : counts)
    values.push_back(b.getFloatAttr(elem, c));
  Value countTensor =
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(RankedTensorType::get(spatialShape, elem), values));
  return buildElementwise(b, loc, outType, ValueRange{sum, countTensor}, [](OpBuilder &nb, Location l, ValueRange a) -> Value {
    return arith::DivFOp::create(nb, l, a[0], a[1]);
  });
}

/// A pool whose window is the whole unpadded image (GlobalAveragePool, GlobalMaxPool) as a plain
/// reduction over the spatial dims: unlike a pooling op, its loops collapse into one contiguous
/// reduction per channel, which vectorizes. Static shapes only; null otherwise.
Value lowerGlobalPool(OpBuilder &b, Location loc, PoolOp op, Value input, RankedTensorType inType,
                      RankedTensorType outType) {
  int64_t rank = inType.getRank();
  if (!inType.hasStaticShape() || !outType.hasStaticShape() || llvm::any_of(op.getPads(), [](int64_t p) { return p != 0; }) ||
      llvm::any_of(op.getDilations(), [](int64_t d) { return d != 1; }))
    return {};
  for (int64_t i = 2; i < rank; ++i)
    if (outType.getDimSize(i) != 1 || op.getKernelShape()[i - 2] != inType.getDimSize(i))
      return {};
  Type elem = inType.getElementType();
  bool isMax = op.getKind() == PoolKind::max;
  auto reducedType = RankedTensorType::get(inType.getShape().take_front(2), elem);
  double initValue = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
  Value init = buildFilled(b, loc, reducedType, b.getFloatAttr(elem, initValue));
  MLIRContext *ctx = b.getContext();
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::reduction);
  iterators[0] = iterators[1] = utils::IteratorType::parallel;
  AffineMap kept = AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
  Value reduced = linalg::GenericOp::create(
                      b, loc, TypeRange{reducedType}, ValueRange{input}, ValueRange{init},
                      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank), kept}, iterators,
                      [&](OpBuilder &nb, Location l, ValueRange a) {
                        Value r = isMax ? arith::MaximumFOp::create(nb, l, a[1], a[0]).getResult()
                                        : arith::AddFOp::create(nb, l, a[1], a[0]).getResult();
                        linalg::YieldOp::create(nb, l, ValueRange{r});
                      })
                      .getResult(0);
  if (!isMax) {
    Value count = scalarConstant(b, loc, elem, double(inType.getNumElements() / (inType.getDimSize(0) * inType.getDimSize(1))));
    reduced = buildElementwise(b, loc, reducedType, ValueRange{reduced}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return arith::DivFOp::create(nb, l, a[0], count);
    });
  }
  SmallVector<ReassociationIndices> groups{{0}, {1}};
  for (int64_t i = 2; i < rank; ++i)
    groups.back().push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, outType, reduced, groups);
}

struct PoolLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inType = batchDynamicType(getTypeConverter(), op.getInput());
    auto outType = batchDynamicType(getTypeConverter(), op.getOutput());
    if (!inType || !outType || !isa<FloatType>(inType.getElementType()))
      return op.emitOpError("needs static shapes (but the batch) and a float element type");
    int64_t rank = inType.getRank();
    SmallVector<Value> outDims = batchDims(rewriter, loc, outType, adaptor.getInput());
    if (rank != 4 && rank != 3)
      return op.emitOpError("pooling of rank ") << rank << " is not supported yet";
    Type elem = inType.getElementType();
    auto fElem = cast<FloatType>(elem);
    bool isMax = op.getKind() == PoolKind::max;
    TypedAttr padValue = isMax ? rewriter.getFloatAttr(elem, -std::numeric_limits<double>::infinity())
                               : rewriter.getFloatAttr(elem, 0);
    (void)fElem;
    if (Value global = lowerGlobalPool(rewriter, loc, op, adaptor.getInput(), inType, outType)) {
      rewriter.replaceOp(op, global);
      return success();
    }
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), op.getPads(), padValue);
    Value window = tensor::EmptyOp::create(rewriter, loc, op.getKernelShape(), elem);
    auto strides = rewriter.getI64TensorAttr(op.getStrides()); // linalg wants tensor<Nxi64>
    auto dilations = rewriter.getI64TensorAttr(op.getDilations());
    auto pool = [&](Value in, TypedAttr init) -> Value {
      Value acc = buildFilled(rewriter, loc, outType, init, outDims);
      SmallVector<Value> ins{in, window};
      if (rank == 4)
        return isMax && init == padValue
                   ? linalg::PoolingNchwMaxOp::create(rewriter, loc, outType, ins, acc, strides, dilations).getResult(0)
                   : linalg::PoolingNchwSumOp::create(rewriter, loc, outType, ins, acc, strides, dilations).getResult(0);
      return isMax && init == padValue
                 ? linalg::PoolingNcwMaxOp::create(rewriter, loc, outType, ins, acc, strides, dilations).getResult(0)
                 : linalg::PoolingNcwSumOp::create(rewriter, loc, outType, ins, acc, strides, dilations).getResult(0);
    };
    if (isMax) {
      rewriter.replaceOp(op, pool(input, padValue));
      return success();
    }
    Value sum = pool(input, rewriter.getFloatAttr(elem, 0));
    rewriter.replaceOp(op, divideByWindowCounts(rewriter, loc, op, sum, outType));
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    if (!type || type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return op.emitOpError("needs a float input of rank >= 2");
    Location loc = op.getLoc();
    int64_t rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    auto channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank), channel, channel, channel,
                                   channel, rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType(),
                                         dynamicDimsFrom(rewriter, loc, type, adaptor.getInput()));
    double eps = op.getEpsilon().convertToDouble();
    Type elem = type.getElementType();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{adaptor.getInput(), adaptor.getScale(), adaptor.getBias(), adaptor.getMean(), adaptor.getVariance()},
        ValueRange{init}, maps, iterators, [&](OpBuilder &b, Location l, ValueRange a) {
          Value denom = math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, a[4], scalarConstant(b, l, elem, eps)));
          Value scale = arith::DivFOp::create(b, l, a[1], denom);
          Value centered = arith::SubFOp::create(b, l, a[0], a[3]);
          Value r = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, centered, scale), a[2]);
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// A contraction written as one linalg.generic: out[b..., m, n] += lhs[b..., m, k] * rhs[b..., k, n],
/// with broadcast batch dims mapped to 0. `transposeA/B` swap the 2-D operand dims.
Value buildMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, RankedTensorType outType,
                  bool transposeA = false, bool transposeB = false) {
  auto lt = cast<RankedTensorType>(lhs.getType()), rt = cast<RankedTensorType>(rhs.getType());
  int64_t batch = outType.getRank() - 2, loops = outType.getRank() + 1;
  MLIRContext *ctx = b.getContext();
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  auto operandMap = [&](RankedTensorType t, AffineExpr r, AffineExpr c) {
    SmallVector<AffineExpr> exprs;
    int64_t tb = t.getRank() - 2;
    for (int64_t i = 0; i < tb; ++i) {
      int64_t outDim = batch - tb + i;
      bool broadcast = t.getDimSize(i) == 1 && outType.getDimSize(outDim) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : d(outDim));
    }
    exprs.push_back(r);
    exprs.push_back(c);
    return AffineMap::get(loops, 0, exprs, ctx);
  };
  AffineExpr m = d(batch), n = d(batch + 1), k = d(batch + 2);
  SmallVector<AffineMap> maps = {transposeA ? operandMap(lt, k, m) : operandMap(lt, m, k),
                                 transposeB ? operandMap(rt, n, k) : operandMap(rt, k, n),
                                 AffineMap::get(loops, 0, [&] {
                                   SmallVector<AffineExpr> e;
                                   for (int64_t i = 0; i < batch + 2; ++i) e.push_back(d(i));
                                   return e;
                                 }(), ctx)};
  SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  Type elem = outType.getElementType();
  SmallVector<Value> dynamicDims;
  for (int64_t d = 0; d < outType.getRank(); ++d) {
    if (!outType.isDynamicDim(d))
      continue;
    if (d < batch) {
      for (Value v : {lhs, rhs}) {
        auto t = cast<RankedTensorType>(v.getType());
        int64_t aligned = d - (batch - (t.getRank() - 2));
        if (aligned >= 0 && t.isDynamicDim(aligned)) {
          dynamicDims.push_back(tensor::DimOp::create(b, loc, v, aligned));
          break;
        }
      }
    } else if (d == batch) {
      dynamicDims.push_back(tensor::DimOp::create(b, loc, lhs, lt.getRank() - (transposeA ? 1 : 2)));
    } else {
      dynamicDims.push_back(tensor::DimOp::create(b, loc, rhs, rt.getRank() - (transposeB ? 2 : 1)));
    }
  }
  Value init = buildFilled(b, loc, outType, isa<FloatType>(elem) ? (TypedAttr)b.getFloatAttr(elem, 0) : (TypedAttr)b.getIntegerAttr(elem, 0), dynamicDims);
  bool isFloat = isa<FloatType>(elem);
  return linalg::GenericOp::create(
             b, loc, TypeRange{outType}, ValueRange{lhs, rhs}, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value r = isFloat ? (Value)arith::AddFOp::create(nb, l, a[2], arith::MulFOp::create(nb, l, a[0], a[1]))
                                 : (Value)arith::AddIOp::create(nb, l, a[2], arith::MulIOp::create(nb, l, a[0], a[1]));
               linalg::YieldOp::create(nb, l, r);
             })
      .getResult(0);
}

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto lt = rankedType(getTypeConverter(), op.getLhs()), rt = rankedType(getTypeConverter(), op.getRhs());
    auto outType = rankedType(getTypeConverter(), op.getOutput());
    if (!lt || !rt || !outType)
      return op.emitOpError("needs ranked operands");
    if ((lt.getRank() == 1 || rt.getRank() == 1) && !(lt.hasStaticShape() && rt.hasStaticShape()))
      return op.emitOpError("1-D operands with dynamic shapes are not supported yet");
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    // Promote 1-D operands to matrices, then drop the promoted dims from the result.
    if (lt.getRank() == 1)
      lhs = reshapeTensor(rewriter, loc, lhs, RankedTensorType::get({1, lt.getDimSize(0)}, lt.getElementType()));
    if (rt.getRank() == 1)
      rhs = reshapeTensor(rewriter, loc, rhs, RankedTensorType::get({rt.getDimSize(0), 1}, rt.getElementType()));
    auto l2 = cast<RankedTensorType>(lhs.getType()), r2 = cast<RankedTensorType>(rhs.getType());
    SmallVector<int64_t> shape;
    int64_t batchRank = std::max(l2.getRank(), r2.getRank()) - 2;
    for (int64_t i = 0; i < batchRank; ++i) {
      auto dim = [&](RankedTensorType t) { int64_t j = i - (batchRank - (t.getRank() - 2)); return j < 0 ? 1 : t.getDimSize(j); };
      int64_t a = dim(l2), c = dim(r2);
      shape.push_back(ShapedType::isDynamic(a) || ShapedType::isDynamic(c)
                          ? (a == 1 ? c : (c == 1 ? a : ShapedType::kDynamic))
                          : std::max(a, c));
    }
    shape.push_back(l2.getDimSize(l2.getRank() - 2));
    shape.push_back(r2.getDimSize(r2.getRank() - 1));
    auto full = RankedTensorType::get(shape, outType.getElementType());
    Value result = buildMatmul(rewriter, loc, lhs, rhs, full);
    auto reshaped = reshapeDynamic(rewriter, loc, result, outType);
    if (failed(reshaped))
      return op.emitOpError("cannot reshape the product to ") << outType;
    rewriter.replaceOp(op, *reshaped);
    return success();
  }
};

struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto outType = rankedType(getTypeConverter(), op.getOutput());
    if (!outType || !isa<FloatType>(outType.getElementType()))
      return op.emitOpError("needs a float element type");
    Location loc = op.getLoc();
    Value acc = buildMatmul(rewriter, loc, adaptor.getA(), adaptor.getB(), outType, op.getTransA(), op.getTransB());
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble();
    Type elem = outType.getElementType();
    SmallVector<Value> operands = {acc};
    if (adaptor.getC() && beta != 0)
      operands.push_back(adaptor.getC());
    if (alpha != 1 || operands.size() > 1)
      acc = buildElementwise(rewriter, loc, outType, operands, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value r = a[0];
        if (alpha != 1)
          r = arith::MulFOp::create(b, l, r, scalarConstant(b, l, elem, alpha));
        if (a.size() > 1) {
          Value c = a[1];
          if (beta != 1)
            c = arith::MulFOp::create(b, l, c, scalarConstant(b, l, elem, beta));
          r = arith::AddFOp::create(b, l, r, c);
        }
        return r;
      });
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// A reduction over `axes` into the non-keepdims shape. `combine(acc, x)` folds one element.
Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, TypedAttr init,
                     const std::function<Value(OpBuilder &, Location, Value, Value)> &combine) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iterators.push_back(reduced ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    if (!reduced) {
      shape.push_back(type.getDimSize(i));
      outExprs.push_back(b.getAffineDimExpr(i));
    }
  }
  auto outType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<Value> dynamicDims;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(axes, i) && type.isDynamicDim(i))
      dynamicDims.push_back(tensor::DimOp::create(b, loc, input, i));
  Value acc = buildFilled(b, loc, outType, init, dynamicDims);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank), AffineMap::get(rank, 0, outExprs, b.getContext())};
  return linalg::GenericOp::create(b, loc, TypeRange{outType}, ValueRange{input}, ValueRange{acc}, maps,
                                   iterators, [&](OpBuilder &nb, Location l, ValueRange a) {
                                     linalg::YieldOp::create(nb, l, combine(nb, l, a[1], a[0]));
                                   })
      .getResult(0);
}

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inType = rankedType(getTypeConverter(), op.getInput());
    auto outType = rankedType(getTypeConverter(), op.getOutput());
    if (!inType || !outType)
      return op.emitOpError("needs ranked shapes");
    Location loc = op.getLoc();
    Type elem = inType.getElementType();
    bool isFloat = isa<FloatType>(elem);
    for (int64_t a : op.getAxes())
      if (inType.isDynamicDim(a) && (op.getKind() == ReduceKind::mean))
        return op.emitOpError("mean over a dynamic dim is not supported yet");
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
        return op.emitOpError("log_sum_exp needs a float input");
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
      return op.emitOpError("reduction kind ") << stringifyReduceKind(kind) << " is not supported";
    auto rType = cast<RankedTensorType>(result.getType());
    if (kind == ReduceKind::mean || kind == ReduceKind::l2 || kind == ReduceKind::log_sum || kind == ReduceKind::log_sum_exp) {
      if (!isFloat && kind != ReduceKind::mean)
        return op.emitOpError("needs a float input");
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
      return op.emitOpError("cannot reshape the reduction to ") << outType;
    rewriter.replaceOp(op, *reshaped);
    return success();
  }

  LogicalResult lowerArg(ReduceOp op, Value input, RankedTensorType inType, RankedTensorType outType,
                         ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    int64_t axis = op.getAxes()[0], rank = inType.getRank();
    Type elem = inType.getElementType();
    if (!isa<FloatType>(elem))
      return op.emitOpError("arg reductions need a float input");
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

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    if (!type || !isa<FloatType>(type.getElementType()))
      return op.emitOpError("needs a float input");
    if (op.getKind() == SoftmaxKind::hardmax)
      return op.emitOpError("hardmax is not supported yet");
    Location loc = op.getLoc();
    Type elem = type.getElementType();
    int64_t axis = op.getAxis(), rank = type.getRank();
    if (rank == 0)
      return op.emitOpError("needs rank >= 1");
    Value x = adaptor.getInput();
    if (op.getKind() == SoftmaxKind::softmax) {
      // One op, so a kernel can take whole rows: each target decomposes it where its kernels can hold
      // the row's max, exponentials and sum together (tessera-decompose-aggregate-ops).
      Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), elem,
                                           dynamicDimsFrom(rewriter, loc, type, x));
      rewriter.replaceOp(op, linalg::SoftmaxOp::create(rewriter, loc, TypeRange{type}, x, init, axis));
      return success();
    }
    double inf = std::numeric_limits<double>::infinity();
    Value max = buildReduction(rewriter, loc, x, {axis}, rewriter.getFloatAttr(elem, -inf),
                               [](OpBuilder &b, Location l, Value a, Value v) -> Value { return arith::MaximumFOp::create(b, l, a, v); });
    SmallVector<int64_t> keptShape(type.getShape());
    keptShape[axis] = 1;
    auto keptType = RankedTensorType::get(keptShape, elem);
    auto maxKept = reshapeDynamic(rewriter, loc, max, keptType);
    if (failed(maxKept))
      return op.emitOpError("cannot keep the reduced dim");
    Value shifted = buildElementwise(rewriter, loc, type, ValueRange{x, *maxKept},
                                     [](OpBuilder &b, Location l, ValueRange a) -> Value { return arith::SubFOp::create(b, l, a[0], a[1]); });
    Value exp = buildElementwise(rewriter, loc, type, shifted,
                                 [](OpBuilder &b, Location l, ValueRange a) -> Value { return math::ExpOp::create(b, l, a[0]); });
    Value sum = buildReduction(rewriter, loc, exp, {axis}, rewriter.getFloatAttr(elem, 0),
                               [](OpBuilder &b, Location l, Value a, Value v) -> Value { return arith::AddFOp::create(b, l, a, v); });
    Value sumKept = *reshapeDynamic(rewriter, loc, sum, keptType);
    bool isLog = op.getKind() == SoftmaxKind::log_softmax;
    Value result = buildElementwise(rewriter, loc, type, ValueRange{isLog ? shifted : exp, sumKept},
                                    [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                      if (isLog)
                                        return arith::SubFOp::create(b, l, a[0], math::LogOp::create(b, l, a[1]));
                                      return arith::DivFOp::create(b, l, a[0], a[1]);
                                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNNToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvLowering, PoolLowering, BatchNormLowering, MatMulLowering, GemmLowering,
               ReduceLowering, SoftmaxLowering>(converter, patterns.getContext());
}

} // namespace tessera
