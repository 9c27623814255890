//===- NNToLinalg.cpp - conv, contractions, BatchNorm, Softmax -> linalg -===//
#include "passes/GraphToLinalg/LoweringUtils.h"

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {


/// `acc` plus `bias` broadcast along `channelDim`.
Value addChannelBias(OpBuilder &b, Location loc, Value acc, Value bias, int64_t channelDim) {
  auto type = cast<RankedTensorType>(acc.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, {b.getAffineDimExpr(channelDim)}, b.getContext()),
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

/// A channels-last 2-D convolution: input [N, H, W, C], weight [kh, kw, C/group, F]. Dense ones become
/// linalg.conv_2d_nhwc_hwcf, depthwise ones (one filter per channel) linalg.depthwise_conv_2d_nhwc_hwc.
Value lowerChannelsLastConv(ConversionPatternRewriter &rewriter, ConvOp op, Value input, Value weight,
                            RankedTensorType wType, RankedTensorType outType, ValueRange outDims) {
  Location loc = op.getLoc();
  Type elem = outType.getElementType();
  auto type = cast<RankedTensorType>(input.getType());
  input = padSpatial(rewriter, loc, input, op.getPads(), rewriter.getFloatAttr(elem, 0), /*firstSpatialDim=*/1);
  auto strides = rewriter.getI64TensorAttr(op.getStrides());
  auto dilations = rewriter.getI64TensorAttr(op.getDilations());
  Value init = buildFilled(rewriter, loc, outType, rewriter.getFloatAttr(elem, 0), outDims);
  int64_t group = op.getGroup(), channels = type.getDimSize(3), filters = wType.getDimSize(3);
  if (group == 1)
    return linalg::Conv2DNhwcHwcfOp::create(rewriter, loc, outType, ValueRange{input, weight}, init, strides,
                                            dilations)
        .getResult(0);
  if (group != channels || filters != channels)
    return {};
  // Depthwise: weight [kh, kw, 1, C] -> [kh, kw, C].
  auto w3 = RankedTensorType::get({wType.getDimSize(0), wType.getDimSize(1), filters}, elem);
  Value w = tensor::CollapseShapeOp::create(rewriter, loc, w3, weight,
                                            ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  return linalg::DepthwiseConv2DNhwcHwcOp::create(rewriter, loc, outType, ValueRange{input, w}, init, strides,
                                                  dilations)
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
      return unsupported(rewriter, op, "needs static shapes (but the batch) and a float element type");
    SmallVector<Value> outDims = batchDims(rewriter, loc, outType, adaptor.getInput());
    if (op.getChannelsLast()) {
      Value acc = lowerChannelsLastConv(rewriter, op, adaptor.getInput(), adaptor.getWeight(), wType, outType,
                                        outDims);
      if (!acc)
        return unsupported(rewriter, op, "a channels-last grouped convolution is not supported yet");
      if (adaptor.getBias())
        acc = addChannelBias(rewriter, loc, acc, adaptor.getBias(), 3);
      rewriter.replaceOp(op, acc);
      return success();
    }
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
      return unsupported(rewriter, op, "grouped convolution with a dynamic batch is not supported yet");
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
      return unsupported(rewriter, op, [&](Diagnostic &diag) {
        diag << "grouped convolution of rank " << rank << " is not supported yet";
      });
    if (adaptor.getBias())
      acc = addChannelBias(rewriter, loc, acc, adaptor.getBias(), 1);
    rewriter.replaceOp(op, acc);
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    if (!type || type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
      return unsupported(rewriter, op, "needs a float input of rank >= 2");
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
      return unsupported(rewriter, op, "needs ranked operands");
    if ((lt.getRank() == 1 || rt.getRank() == 1) && !(lt.hasStaticShape() && rt.hasStaticShape()))
      return unsupported(rewriter, op, "1-D operands with dynamic shapes are not supported yet");
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
      return unsupported(rewriter, op, [&](Diagnostic &diag) { diag << "cannot reshape the product to " << outType; });
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
      return unsupported(rewriter, op, "needs a float element type");
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

/// One op until a target decomposes it (tessera-decompose-aggregate-ops): a CPU kernel then takes whole
/// rows and reads each three times while it is in cache.
struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    if (!type)
      return unsupported(rewriter, op, "needs a ranked float input");
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType(),
                                         dynamicDimsFrom(rewriter, loc, type, x));
    rewriter.replaceOp(op, dispatch::LayerNormOp::create(rewriter, loc, TypeRange{type}, x, adaptor.getScale(),
                                                         adaptor.getBias(), init, op.getAxisAttr(),
                                                         op.getEpsilonAttr()));
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    if (!type || !isa<FloatType>(type.getElementType()))
      return unsupported(rewriter, op, "needs a float input");
    if (op.getKind() == SoftmaxKind::hardmax)
      return unsupported(rewriter, op, "hardmax is not supported yet");
    Location loc = op.getLoc();
    Type elem = type.getElementType();
    int64_t axis = op.getAxis(), rank = type.getRank();
    if (rank == 0)
      return unsupported(rewriter, op, "needs rank >= 1");
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
      return unsupported(rewriter, op, "cannot keep the reduced dim");
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
  patterns.add<ConvLowering, BatchNormLowering, MatMulLowering, GemmLowering, SoftmaxLowering, LayerNormLowering>(
      converter, patterns.getContext());
}

} // namespace tessera
