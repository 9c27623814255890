//===- LoweringUtils.cpp - helpers for tgraph -> linalg -------------------===//
#include "passes/GraphToLinalg/LoweringUtils.h"

#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/IR/AffineMap.h"

using namespace mlir;

namespace tessera {

LogicalResult unsupported(ConversionPatternRewriter &rewriter, Operation *op, function_ref<void(Diagnostic &)> reason) {
  // Release builds of MLIR pass no match failure to the callback themselves; this one always does.
  if (const auto &notify = rewriter.getConfig().notifyCallback) {
    Diagnostic diag(op->getLoc(), DiagnosticSeverity::Error);
    reason(diag);
    notify(diag);
  }
  return rewriter.notifyMatchFailure(op, reason);
}

GraphTypeConverter::GraphTypeConverter() {
  addConversion([](Type t) { return t; });
  addConversion([](IntegerType t) -> Type {
    return t.isUnsigned() ? IntegerType::get(t.getContext(), t.getWidth()) : t;
  });
  addConversion([this](RankedTensorType t) -> Type {
    return RankedTensorType::get(t.getShape(), convertType(t.getElementType()));
  });
  auto materialize = [](OpBuilder &b, Type type, ValueRange inputs, Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(materialize);
  addTargetMaterialization(materialize);
}

RankedTensorType staticType(const TypeConverter *converter, Value v) {
  auto t = dyn_cast_or_null<RankedTensorType>(converter->convertType(v.getType()));
  return t && t.hasStaticShape() ? t : nullptr;
}

RankedTensorType rankedType(const TypeConverter *converter, Value v) {
  return dyn_cast_or_null<RankedTensorType>(converter->convertType(v.getType()));
}

RankedTensorType batchDynamicType(const TypeConverter *converter, Value v) {
  auto t = rankedType(converter, v);
  if (!t)
    return nullptr;
  for (int64_t d = 1; d < t.getRank(); ++d)
    if (t.isDynamicDim(d))
      return nullptr;
  return t;
}

SmallVector<Value> batchDims(OpBuilder &b, Location loc, RankedTensorType type, Value source) {
  if (type.getRank() == 0 || !type.isDynamicDim(0))
    return {};
  return {tensor::DimOp::create(b, loc, source, 0)};
}

Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> pads, TypedAttr value,
                 int64_t firstSpatialDim) {
  auto type = cast<RankedTensorType>(input.getType());
  size_t n = type.getRank() - 2;
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return input;
  SmallVector<OpFoldResult> low(type.getRank(), b.getIndexAttr(0)), high(type.getRank(), b.getIndexAttr(0));
  SmallVector<int64_t> shape(type.getShape());
  for (size_t i = 0; i < n; ++i) {
    size_t d = i + firstSpatialDim;
    low[d] = b.getIndexAttr(pads[i]);
    high[d] = b.getIndexAttr(pads[i + n]);
    shape[d] += pads[i] + pads[i + n];
  }
  Value pad = arith::ConstantOp::create(b, loc, value);
  return tensor::PadOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()), input, low,
                               high, pad);
}

Value normalizeIndex(OpBuilder &b, Location loc, Value v, int64_t size) {
  return normalizeIndex(b, loc, v, arith::ConstantIndexOp::create(b, loc, size));
}

Value normalizeIndex(OpBuilder &b, Location loc, Value v, Value n) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0), one = arith::ConstantIndexOp::create(b, loc, 1);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  i = arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, i, n), i);
  // After wrapping, [0, size) is valid; anything else fails the run (the unsigned compare also catches
  // negatives), and the clamp below keeps this kernel's reads in bounds until it returns.
  Value outside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, i, n);
  dispatch::ErrorIfOp::create(b, loc, outside, dispatch::KernelError::index_out_of_range);
  Value last = arith::MaxSIOp::create(b, loc, arith::SubIOp::create(b, loc, n, one), zero);
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, i, last), zero);
}

SmallVector<Value> dynamicDimsFrom(OpBuilder &b, Location loc, RankedTensorType type,
                                   ValueRange sources) {
  SmallVector<Value> dims;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    for (Value v : sources) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t aligned = d - (type.getRank() - t.getRank());
      if (aligned >= 0 && t.isDynamicDim(aligned)) {
        dims.push_back(tensor::DimOp::create(b, loc, v, aligned));
        break;
      }
    }
  }
  return dims;
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, const ScalarBody &body, Value init) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  for (Value v : operands) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - t.getRank();
    for (int64_t i = 0; i < t.getRank(); ++i) {
      bool broadcast = t.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1;
      exprs.push_back(broadcast ? b.getAffineConstantExpr(0) : b.getAffineDimExpr(offset + i));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  if (!init)
    init = tensor::EmptyOp::create(b, loc, resultType.getShape(), resultType.getElementType(),
                                   dynamicDimsFrom(b, loc, resultType, operands));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value buildFilled(OpBuilder &b, Location loc, RankedTensorType type, TypedAttr value,
                  ValueRange dynamicDims) {
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynamicDims);
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, scalar, init).getResult(0);
}

Value scalarConstant(OpBuilder &b, Location loc, Type elementType, double value) {
  if (auto ft = dyn_cast<FloatType>(elementType))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, value));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(elementType, (int64_t)value));
}

Value reshapeTensor(OpBuilder &b, Location loc, Value value, RankedTensorType type) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source.getShape() == type.getShape())
    return value;
  // Collapse to 1-D (or expand a 0-D tensor to 1-D), then expand to the target.
  auto flatType = RankedTensorType::get({source.getNumElements()}, source.getElementType());
  Value flat = value;
  if (source.getRank() == 0) {
    flat = tensor::ExpandShapeOp::create(b, loc, flatType, value, ArrayRef<ReassociationIndices>{});
  } else if (source.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < source.getRank(); ++i)
      all.push_back(i);
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, value, ArrayRef<ReassociationIndices>{all});
  }
  if (type.getRank() == 1)
    return flat;
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, flat, ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, type, flat, ArrayRef<ReassociationIndices>{all});
}

FailureOr<Value> reshapeDynamic(OpBuilder &b, Location loc, Value value, RankedTensorType type) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source.hasStaticShape() && type.hasStaticShape())
    return reshapeTensor(b, loc, value, type);
  bool collapse = type.getRank() <= source.getRank();
  auto small = collapse ? type : source, large = collapse ? source : type;
  // Group consecutive dims of the larger shape under each dim of the smaller one.
  SmallVector<ReassociationIndices> groups;
  int64_t next = 0;
  for (int64_t d = 0; d < small.getRank(); ++d) {
    ReassociationIndices group;
    if (small.isDynamicDim(d)) {
      // A dynamic dim maps to exactly one dynamic dim (possibly with unit dims around it).
      while (next < large.getRank() && large.getDimSize(next) == 1 && !large.isDynamicDim(next))
        group.push_back(next++);
      if (next >= large.getRank() || !large.isDynamicDim(next))
        return failure();
      group.push_back(next++);
    } else {
      // At least one dim, so a unit dim of the smaller shape takes a unit dim of the larger one.
      int64_t product = 1;
      while (next < large.getRank() && !large.isDynamicDim(next) && (product < small.getDimSize(d) || group.empty()))
        product *= large.getDimSize(next), group.push_back(next++);
      if (product != small.getDimSize(d))
        return failure();
    }
    groups.push_back(group);
  }
  while (next < large.getRank() && large.getDimSize(next) == 1)
    groups.back().push_back(next++);
  if (next != large.getRank() || groups.empty())
    return failure();
  if (collapse)
    return (Value)tensor::CollapseShapeOp::create(b, loc, type, value, groups);
  SmallVector<OpFoldResult> outputShape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d)) {
      outputShape.push_back(b.getIndexAttr(type.getDimSize(d)));
      continue;
    }
    // Find the source dim of the group holding d.
    for (auto [s, group] : llvm::enumerate(groups))
      if (llvm::is_contained(group, d))
        outputShape.push_back(tensor::DimOp::create(b, loc, value, s).getResult());
  }
  return (Value)tensor::ExpandShapeOp::create(b, loc, type, value, groups, outputShape);
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type from, Type to, bool fromUnsigned,
                 bool toUnsigned) {
  if (from == to)
    return v;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat)
    return fromFloat.getWidth() < toFloat.getWidth()
               ? arith::ExtFOp::create(b, loc, to, v).getResult()
               : arith::TruncFOp::create(b, loc, to, v).getResult();
  if (to.isInteger(1)) { // to bool: non-zero
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, scalarConstant(b, loc, from, 0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, scalarConstant(b, loc, from, 0));
  }
  if (fromFloat) // float -> int
    return toUnsigned ? arith::FPToUIOp::create(b, loc, to, v).getResult()
                      : arith::FPToSIOp::create(b, loc, to, v).getResult();
  bool srcUnsigned = fromUnsigned || from.isInteger(1);
  if (toFloat)
    return srcUnsigned ? arith::UIToFPOp::create(b, loc, to, v).getResult()
                       : arith::SIToFPOp::create(b, loc, to, v).getResult();
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (fw < tw)
    return srcUnsigned ? arith::ExtUIOp::create(b, loc, to, v).getResult()
                       : arith::ExtSIOp::create(b, loc, to, v).getResult();
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, to, v);
  return v;
}

bool isUnsigned(Value v) {
  auto t = dyn_cast<IntegerType>(cast<ShapedType>(v.getType()).getElementType());
  return t && t.isUnsigned();
}

Value eqIndex(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
}

AffineMap dimsMap(OpBuilder &b, int64_t numDims, ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d : dims)
    exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(numDims, 0, exprs, b.getContext());
}

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

} // namespace tessera
