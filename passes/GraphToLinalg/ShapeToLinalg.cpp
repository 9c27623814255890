//===- ShapeToLinalg.cpp - constants, reshapes and data movement -> tensor -===//
#include "passes/GraphToLinalg/LoweringUtils.h"

#include "dialects/Graph/IR/GraphOps.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {


struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    Attribute value = op.getValue();
    if (auto dense = dyn_cast<DenseElementsAttr>(value))
      value = dense.bitcast(type.getElementType()).reshape(type);
    else if (type != op.getType())
      return unsupported(rewriter, op, "unsigned resource constants are not supported yet");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, cast<TypedAttr>(value));
    return success();
  }
};

/// ONNX Reshape with a shape known only at run time: the target dims are computed on the host from the
/// shape tensor's values (0 copies the input dim, -1 takes what is left) and the data is reinterpreted
/// in place with tensor.reshape.
FailureOr<Value> reshapeToRuntimeShape(OpBuilder &b, Location loc, Value input, Value shape,
                                       RankedTensorType type, bool allowZero) {
  auto shapeType = cast<RankedTensorType>(shape.getType());
  auto inType = cast<RankedTensorType>(input.getType());
  if (shapeType.getRank() != 1 || shapeType.isDynamicDim(0) || !shapeType.getElementType().isInteger(64) ||
      shapeType.getDimSize(0) != type.getRank())
    return failure();
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value total = index(1);
  for (int64_t d = 0; d < inType.getRank(); ++d)
    total = arith::MulIOp::create(b, loc, total, tensor::DimOp::create(b, loc, input, d));
  SmallVector<Value> requested, isInferred;
  Value known = index(1);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value raw = tensor::ExtractOp::create(b, loc, shape, ValueRange{index(d)});
    Value s = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
    Value v = s;
    if (d < inType.getRank() && !allowZero) { // 0 copies the input dim
      Value zero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, s, index(0));
      v = arith::SelectOp::create(b, loc, zero, tensor::DimOp::create(b, loc, input, d), s);
    }
    Value inferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, s, index(-1));
    known = arith::MulIOp::create(b, loc, known, arith::SelectOp::create(b, loc, inferred, index(1), v));
    requested.push_back(v);
    isInferred.push_back(inferred);
  }
  SmallVector<Value> dims;
  Value rest = arith::DivSIOp::create(b, loc, total, known);
  for (auto [v, inferred] : llvm::zip(requested, isInferred))
    dims.push_back(arith::SelectOp::create(b, loc, inferred, rest, v));
  Value dimsTensor = tensor::FromElementsOp::create(b, loc, dims);
  auto resultType = RankedTensorType::get(SmallVector<int64_t>(type.getRank(), ShapedType::kDynamic),
                                          type.getElementType());
  Value result = tensor::ReshapeOp::create(b, loc, resultType, input, dimsTensor);
  return result.getType() == type ? result : (Value)tensor::CastOp::create(b, loc, type, result);
}

template <typename OpTy> struct ReshapeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(this->getTypeConverter()->convertType(op.getOutput().getType()));
    FailureOr<Value> reshaped = failure();
    if constexpr (std::is_same_v<OpTy, ReshapeOp>)
      if (adaptor.getShape() && !type.hasStaticShape())
        reshaped = reshapeToRuntimeShape(rewriter, op.getLoc(), adaptor.getInput(), adaptor.getShape(),
                                         type, op.getAllowZero());
    if (failed(reshaped))
      reshaped = reshapeDynamic(rewriter, op.getLoc(), adaptor.getInput(), type);
    if (failed(reshaped))
      return unsupported(rewriter, op, "this reshape with dynamic dims is not supported yet");
    rewriter.replaceOp(op, *reshaped);
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    if (!type)
      return unsupported(rewriter, op, "needs a ranked result");
    // Result dim i is input dim perm[i]: dims of run-time size are read from the input.
    SmallVector<Value> dynamicDims;
    for (auto [i, p] : llvm::enumerate(op.getPerm()))
      if (type.isDynamicDim(i))
        dynamicDims.push_back(tensor::DimOp::create(rewriter, op.getLoc(), adaptor.getInput(), p));
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), type, dynamicDims);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(), adaptor.getInput(), init, op.getPerm())
                               .getResult()[0]);
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = staticType(getTypeConverter(), op.getOutput());
    if (!type)
      return unsupported(rewriter, op, "needs static shapes");
    Location loc = op.getLoc();
    Value result = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    int64_t axis = op.getAxis(), offset = 0;
    for (Value in : adaptor.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      if (t.getNumElements() == 0)
        continue;
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0)), sizes, strides(type.getRank(), rewriter.getIndexAttr(1));
      offsets[axis] = rewriter.getIndexAttr(offset);
      for (int64_t d : t.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      result = tensor::InsertSliceOp::create(rewriter, loc, in, result, offsets, sizes, strides);
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Dims of the result may be dynamic: a run-time index vector (a Slice, Split or Pad whose bounds
/// are read when the model runs), or data that an earlier such gather resized.
struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    auto dataType = rankedType(getTypeConverter(), op.getData());
    auto idxType = rankedType(getTypeConverter(), op.getIndices());
    if (!type || !dataType || !idxType)
      return unsupported(rewriter, op, "needs ranked shapes");
    Location loc = op.getLoc();
    int64_t axis = op.getAxis(), idxRank = idxType.getRank(), rank = type.getRank();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    SmallVector<Value> dynamicDims;
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d))
        continue;
      if (d >= axis && d < axis + idxRank)
        dynamicDims.push_back(tensor::DimOp::create(rewriter, loc, indices, d - axis));
      else
        dynamicDims.push_back(tensor::DimOp::create(rewriter, loc, data, d < axis ? d : d - idxRank + 1));
    }
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < idxRank; ++i)
      idxExprs.push_back(rewriter.getAffineDimExpr(axis + i));
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, idxExprs, rewriter.getContext()),
                                   rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType(), dynamicDims);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{indices}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value axisSize = dataType.isDynamicDim(axis)
                               ? (Value)tensor::DimOp::create(b, l, data, axis)
                               : (Value)arith::ConstantIndexOp::create(b, l, dataType.getDimSize(axis));
          Value i = normalizeIndex(b, l, a[0], axisSize);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          coords.push_back(i);
          for (int64_t d = axis + 1; d < dataType.getRank(); ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d - 1 + idxRank));
          linalg::YieldOp::create(b, l, tensor::ExtractOp::create(b, l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    if (!type)
      return unsupported(rewriter, op, "needs a ranked result");
    if (llvm::any_of(op.getSteps(), [](int64_t s) { return s <= 0; }))
      return unsupported(rewriter, op, "negative steps are not supported yet");
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      offsets.push_back(rewriter.getIndexAttr(op.getStarts()[i]));
      // The verifier keeps dims of run-time size whole.
      sizes.push_back(type.isDynamicDim(i) ? OpFoldResult(tensor::DimOp::create(rewriter, op.getLoc(),
                                                                                  adaptor.getInput(), i).getResult())
                                           : rewriter.getIndexAttr(type.getDimSize(i)));
      strides.push_back(rewriter.getIndexAttr(op.getSteps()[i]));
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, adaptor.getInput(), offsets, sizes, strides);
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    auto inType = rankedType(getTypeConverter(), op.getInput());
    // Without a shape operand, an input dim of run-time size is kept as it is (the importer lets it
    // meet only a 1); with one, the input must be static.
    bool keepsInputDims = !adaptor.getShape();
    if (!type || !inType || (!keepsInputDims && !inType.hasStaticShape()))
      return unsupported(rewriter, op, "with a shape operand, needs a static input");
    Location loc = op.getLoc();
    // Dynamic result dims are the shape operand's values, read on the host, or the input's own.
    SmallVector<Value> dims;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      int64_t aligned = d - (type.getRank() - inType.getRank());
      if (keepsInputDims) {
        if (aligned < 0 || !inType.isDynamicDim(aligned))
          return unsupported(rewriter, op, [&](Diagnostic &diag) {
            diag << "dynamic result dim " << d << " has no shape operand to read";
          });
        dims.push_back(tensor::DimOp::create(rewriter, loc, adaptor.getInput(), aligned));
        continue;
      }
      Value index = arith::ConstantIndexOp::create(rewriter, loc, d);
      Value v = tensor::ExtractOp::create(rewriter, loc, adaptor.getShape(), ValueRange{index});
      dims.push_back(arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), v));
    }
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType(), dims);
    rewriter.replaceOp(op, buildElementwise(rewriter, loc, type, adaptor.getInput(),
                                            [](OpBuilder &, Location, ValueRange a) { return a[0]; },
                                            init));
    return success();
  }
};

struct RangeLowering : OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RangeOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getOutput());
    auto countType = rankedType(getTypeConverter(), op.getCount());
    if (!type || type.getRank() != 1 || !countType || countType.getRank() != 0 ||
        !countType.getElementType().isInteger(64))
      return unsupported(rewriter, op, "expects a 1-D result and a 0-d int64 count");
    Location loc = op.getLoc();
    Type elem = type.getElementType();
    // The count is read on the host; start and delta are read by the kernel.
    Value count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                             tensor::ExtractOp::create(rewriter, loc, adaptor.getCount(), ValueRange{}));
    SmallVector<Value> dims;
    if (type.isDynamicDim(0))
      dims.push_back(count);
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), elem, dims);
    Value start = adaptor.getStart(), delta = adaptor.getDelta();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(1)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value s = tensor::ExtractOp::create(b, l, start, ValueRange{});
          Value d = tensor::ExtractOp::create(b, l, delta, ValueRange{});
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), linalg::IndexOp::create(b, l, 0));
          Value r;
          if (isa<FloatType>(elem)) {
            Value fi = arith::SIToFPOp::create(b, l, elem, i);
            r = arith::AddFOp::create(b, l, s, arith::MulFOp::create(b, l, fi, d));
          } else {
            Value ii = castScalar(b, l, i, b.getI64Type(), elem, false, false);
            r = arith::AddIOp::create(b, l, s, arith::MulIOp::create(b, l, ii, d));
          }
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ShapeLowering : OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ShapeOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto folded = op.fold(ShapeOp::FoldAdaptor({}, op));
    if (auto attr = dyn_cast_or_null<DenseElementsAttr>(dyn_cast_if_present<Attribute>(folded))) {
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, attr);
      return success();
    }
    // Some dims known only at run time: each one read from the input (the rest stay constants).
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto type = staticType(getTypeConverter(), op.getOutput());
    if (!type || !type.getElementType().isInteger(64))
      return unsupported(rewriter, op, "needs a static int64 result");
    auto [start, end] = op.getDimRange();
    if (type.getNumElements() != end - start)
      return unsupported(rewriter, op, [&](Diagnostic &diag) {
        diag << "result has " << type.getNumElements() << " elements for " << end - start << " dims";
      });
    // A kernel writes the dims: it reads those of run-time size from its own operands (the input's
    // dims reach a kernel with its bindings), so the host never builds a tensor.
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(inType.isDynamicDim(d) ? tensor::DimOp::create(rewriter, loc, adaptor.getInput(), d).getResult()
                                            : Value());
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(1)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value position = linalg::IndexOp::create(b, l, 0);
          Value value = arith::ConstantIntOp::create(b, l, 0, 64);
          for (auto [i, dim] : llvm::enumerate(dims)) {
            Value size = dim ? arith::IndexCastOp::create(b, l, b.getI64Type(), dim).getResult()
                             : arith::ConstantIntOp::create(b, l, inType.getDimSize(start + i), 64).getResult();
            Value here = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, position,
                                               arith::ConstantIndexOp::create(b, l, i));
            value = arith::SelectOp::create(b, l, here, size, value);
          }
          linalg::YieldOp::create(b, l, value);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateShapeToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, ReshapeLowering<ReshapeOp>, ReshapeLowering<UnsqueezeOp>,
               TransposeLowering, ConcatLowering, GatherLowering, SliceLowering, ExpandLowering,
               ShapeLowering, RangeLowering>(converter, patterns.getContext());
}

} // namespace tessera
