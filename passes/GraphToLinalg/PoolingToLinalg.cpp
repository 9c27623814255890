//===- PoolingToLinalg.cpp - every pooling op -> linalg --------------------===//
//
// MaxPool, AveragePool and their global forms of rank 3 and 4 on floats become linalg's named NCW/NCHW
// pooling ops (a global pool over a whole unpadded image becomes a plain reduction, which vectorizes).
// The cases those ops do not cover, 3-D pooling, integer max pooling, and max pooling that also returns
// the argmax positions, are one linalg.generic over the output and window dims; those patterns take
// precedence (benefit 2) only for those cases.
//
#include "passes/GraphToLinalg/IndexingPatterns.h"

#include "dialects/Graph/IR/GraphOps.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {


/// Loops: output dims [0, rank), window dims [rank, rank + n). Maps for (input, window, outputs...).
SmallVector<AffineMap> windowMaps(OpBuilder &b, int64_t rank, ArrayRef<int64_t> strides,
                                  ArrayRef<int64_t> dilations, int64_t outputs) {
  int64_t n = rank - 2, loops = rank + n;
  SmallVector<AffineExpr> in = {b.getAffineDimExpr(0), b.getAffineDimExpr(1)}, window, out;
  for (int64_t i = 0; i < n; ++i) {
    in.push_back(b.getAffineDimExpr(i + 2) * strides[i] + b.getAffineDimExpr(rank + i) * dilations[i]);
    window.push_back(b.getAffineDimExpr(rank + i));
  }
  for (int64_t i = 0; i < rank; ++i)
    out.push_back(b.getAffineDimExpr(i));
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, in, b.getContext()),
                                 AffineMap::get(loops, 0, window, b.getContext())};
  maps.append(outputs, AffineMap::get(loops, 0, out, b.getContext()));
  return maps;
}

SmallVector<utils::IteratorType> windowIterators(int64_t rank) {
  SmallVector<utils::IteratorType> it(rank, utils::IteratorType::parallel);
  it.append(rank - 2, utils::IteratorType::reduction);
  return it;
}

TypedAttr lowest(OpBuilder &b, Type elem, bool isUnsigned) {
  if (isa<FloatType>(elem))
    return b.getFloatAttr(elem, -std::numeric_limits<double>::infinity());
  unsigned w = elem.getIntOrFloatBitWidth();
  return b.getIntegerAttr(elem, isUnsigned ? APInt::getMinValue(w) : APInt::getSignedMinValue(w));
}

struct GenericPoolLowering : OpConversionPattern<PoolOp> {
  GenericPoolLowering(TypeConverter &converter, MLIRContext *ctx) : OpConversionPattern(converter, ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(PoolOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto inType = staticType(getTypeConverter(), op.getInput());
    auto outType = staticType(getTypeConverter(), op.getOutput());
    if (!inType || !outType)
      return failure(); // the named pooling pattern says why
    Type elem = inType.getElementType();
    bool isFloat = isa<FloatType>(elem), isMax = op.getKind() == PoolKind::max;
    int64_t rank = inType.getRank();
    if ((rank == 3 || rank == 4) && isFloat)
      return failure(); // the named pooling ops
    if (!isFloat && !isMax)
      return unsupported(rewriter, op, "average pooling needs a float element type");
    Location loc = op.getLoc();
    auto inElem = dyn_cast<IntegerType>(cast<ShapedType>(op.getInput().getType()).getElementType());
    bool isUnsigned = inElem && inElem.isUnsigned();
    Value window = tensor::EmptyOp::create(rewriter, loc, op.getKernelShape(), elem);
    auto maps = windowMaps(rewriter, rank, op.getStrides(), op.getDilations(), 1);
    auto pool = [&](Value in, TypedAttr init, bool max) -> Value {
      Value acc = buildFilled(rewriter, loc, outType, init);
      return linalg::GenericOp::create(
                 rewriter, loc, TypeRange{outType}, ValueRange{in, window}, ValueRange{acc}, maps, windowIterators(rank),
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   Value r;
                   if (!max)
                     r = arith::AddFOp::create(b, l, a[2], a[0]);
                   else if (isFloat)
                     r = arith::MaximumFOp::create(b, l, a[2], a[0]);
                   else
                     r = isUnsigned ? (Value)arith::MaxUIOp::create(b, l, a[2], a[0]) : (Value)arith::MaxSIOp::create(b, l, a[2], a[0]);
                   linalg::YieldOp::create(b, l, r);
                 })
          .getResult(0);
    };
    if (isMax) {
      TypedAttr low = lowest(rewriter, elem, isUnsigned);
      rewriter.replaceOp(op, pool(padSpatial(rewriter, loc, adaptor.getInput(), op.getPads(), low), low, true));
      return success();
    }
    TypedAttr zero = rewriter.getFloatAttr(elem, 0);
    Value sum = pool(padSpatial(rewriter, loc, adaptor.getInput(), op.getPads(), zero), zero, false);
    // The divisor counts the input elements (and explicit padding for count_include_pad) per window.
    size_t n = rank - 2;
    SmallVector<int64_t> explicitPads(op.getPads()), extension(2 * n, 0);
    for (size_t i = 0; i < n; ++i) {
      explicitPads[i + n] = op.getOriginalEndPads()[i];
      extension[i + n] = op.getPads()[i + n] - op.getOriginalEndPads()[i];
    }
    Value ones = buildFilled(rewriter, loc, inType, rewriter.getFloatAttr(elem, 1));
    Value counted = padSpatial(rewriter, loc, ones, explicitPads, rewriter.getFloatAttr(elem, op.getCountIncludePad() ? 1 : 0));
    counted = padSpatial(rewriter, loc, counted, extension, zero);
    Value count = pool(counted, zero, false);
    rewriter.replaceOp(op, buildElementwise(rewriter, loc, outType, ValueRange{sum, count},
                                            [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                              return arith::DivFOp::create(b, l, a[0], a[1]);
                                            }));
    return success();
  }
};

struct MaxPoolWithIndicesLowering : OpConversionPattern<MaxPoolWithIndicesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MaxPoolWithIndicesOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto inType = staticType(getTypeConverter(), op.getInput());
    auto valType = staticType(getTypeConverter(), op.getValues());
    auto idxType = staticType(getTypeConverter(), op.getIndices());
    if (!inType || !valType || !idxType || !isa<FloatType>(inType.getElementType()))
      return unsupported(rewriter, op, "needs static shapes and a float element type");
    Location loc = op.getLoc();
    Type elem = inType.getElementType();
    int64_t rank = inType.getRank(), n = rank - 2;
    TypedAttr low = lowest(rewriter, elem, false);
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), op.getPads(), low);
    Value window = tensor::EmptyOp::create(rewriter, loc, op.getKernelShape(), elem);
    Value values = buildFilled(rewriter, loc, valType, low);
    Value indices = buildFilled(rewriter, loc, idxType, rewriter.getI64IntegerAttr(0));
    auto strides = op.getStrides(), dilations = op.getDilations(), pads = op.getPads();
    bool columnMajor = op.getStorageOrder() == 1;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, ValueRange{input, window}, ValueRange{values, indices},
        windowMaps(rewriter, rank, strides, dilations, 2), windowIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange a) {
          auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, l, v); };
          // Position in the unpadded input: o * stride + k * dilation - pad_begin.
          SmallVector<Value> pos;
          for (int64_t i = 0; i < n; ++i) {
            Value o = arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, i + 2), cst(strides[i]));
            Value k = arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, rank + i), cst(dilations[i]));
            pos.push_back(arith::SubIOp::create(b, l, arith::AddIOp::create(b, l, o, k), cst(pads[i])));
          }
          Value flat = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 0), cst(inType.getDimSize(1))),
                                             linalg::IndexOp::create(b, l, 1));
          int64_t spatial = 1;
          for (int64_t i = 0; i < n; ++i)
            spatial *= inType.getDimSize(i + 2);
          Value offset = cst(0);
          for (int64_t j = 0; j < n; ++j) { // row-major, or reversed dim order for column-major
            int64_t i = columnMajor ? n - 1 - j : j;
            offset = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, offset, cst(inType.getDimSize(i + 2))), pos[i]);
          }
          flat = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, flat, cst(spatial)), offset);
          Value idx = arith::IndexCastOp::create(b, l, b.getI64Type(), flat);
          Value better = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, a[0], a[2]);
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, better, a[0], a[2]),
                                                   arith::SelectOp::create(b, l, better, idx, a[3])});
        });
    rewriter.replaceOp(op, generic.getResults());
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
      return unsupported(rewriter, op, "needs static shapes (but the batch) and a float element type");
    int64_t rank = inType.getRank();
    SmallVector<Value> outDims = batchDims(rewriter, loc, outType, adaptor.getInput());
    if (rank != 4 && rank != 3)
      return unsupported(rewriter, op, [&](Diagnostic &diag) {
        diag << "pooling of rank " << rank << " is not supported yet";
      });
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

} // namespace

void populatePoolingToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<PoolLowering, GenericPoolLowering, MaxPoolWithIndicesLowering>(converter, patterns.getContext());
}

} // namespace tessera
