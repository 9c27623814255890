//===- LoweringUtils.h - helpers for tgraph -> linalg -----------*- C++ -*-===//
#ifndef TESSERA_PASSES_GRAPHTOLINALG_LOWERINGUTILS_H
#define TESSERA_PASSES_GRAPHTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace tessera {

/// Unsigned integer tensors become signless; everything else is unchanged.
class GraphTypeConverter : public mlir::TypeConverter {
public:
  GraphTypeConverter();
};

/// Fails the match of `op`, saying why it cannot be lowered. The reason goes to the conversion's
/// `notifyCallback` (ConvertGraphToLinalgPass reports it as the op's error if no pattern lowers the op)
/// and to the match-failure log of debug builds.
mlir::LogicalResult unsupported(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                                llvm::function_ref<void(mlir::Diagnostic &)> reason);
inline mlir::LogicalResult unsupported(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                                       const llvm::Twine &reason) {
  return unsupported(rewriter, op, [&](mlir::Diagnostic &diag) { diag << reason; });
}

using ScalarBody =
    std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// The converted type of `v` if it is ranked and fully static, else null.
mlir::RankedTensorType staticType(const mlir::TypeConverter *converter, mlir::Value v);
/// The converted type of `v` if it is ranked (dynamic dims allowed), else null.
mlir::RankedTensorType rankedType(const mlir::TypeConverter *converter, mlir::Value v);
/// The converted type of `v` if it is static except possibly its batch dim (dim 0): what windowed
/// ops (conv, pooling) support.
mlir::RankedTensorType batchDynamicType(const mlir::TypeConverter *converter, mlir::Value v);
/// The dynamic sizes of `type` (at most its batch dim), read from dim 0 of `source`.
mlir::SmallVector<mlir::Value> batchDims(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::RankedTensorType type, mlir::Value source);
/// Pads the spatial dims of an NC... tensor (dims 2..; of an N...C one, with `firstSpatialDim` 1, dims
/// 1..rank-2): `pads` is [begin..., end...].
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input, llvm::ArrayRef<int64_t> pads,
                       mlir::TypedAttr value, int64_t firstSpatialDim = 2);

/// An ONNX index into a dim of `size` as an `index`: negative values count from the end; an out-of-range
/// value fails the kernel (`tdisp.error_if`), and is clamped so that its reads stay in bounds meanwhile.
mlir::Value normalizeIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, int64_t size);
/// The same for a size known only at run time (an index value).
mlir::Value normalizeIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Value size);

/// A linalg.generic over `resultType` whose operands broadcast (numpy rules, static shapes) to it.
/// `init`, if given, is the destination (its dynamic sizes are then not read from the operands).
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange operands,
                             const ScalarBody &body, mlir::Value init = nullptr);

/// A tensor.empty + linalg.fill of `value`; `dynamicDims` gives the dynamic sizes of `type`.
mlir::Value buildFilled(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                        mlir::TypedAttr value, mlir::ValueRange dynamicDims = {});

/// The dynamic sizes of `type`, read from `sources` with numpy alignment (trailing dims line up): each
/// dynamic dim comes from the first source whose aligned dim is dynamic too.
mlir::SmallVector<mlir::Value> dynamicDimsFrom(mlir::OpBuilder &b, mlir::Location loc,
                                               mlir::RankedTensorType type, mlir::ValueRange sources);

/// A scalar arith.constant of `elementType` holding `value` (converted for integers).
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elementType,
                           double value);

/// Reshapes a tensor: static shapes collapse to 1-D and expand; a dynamic reshape must be one collapse
/// or one expand of groups of consecutive dims (failure otherwise).
mlir::Value reshapeTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                          mlir::RankedTensorType type);
mlir::FailureOr<mlir::Value> reshapeDynamic(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                                            mlir::RankedTensorType type);

/// Converts a scalar between element types with ONNX Cast semantics.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Type from,
                       mlir::Type to, bool fromUnsigned, bool toUnsigned);

/// Whether `v`'s elements are unsigned integers.
bool isUnsigned(mlir::Value v);
/// x == y, for indices.
mlir::Value eqIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value y);
/// The map from `numDims` loops to the loop dims `dims`.
mlir::AffineMap dimsMap(mlir::OpBuilder &b, int64_t numDims, llvm::ArrayRef<int64_t> dims);
/// A reduction of `input` over `axes` into the non-keepdims shape, from `init`; `combine(acc, x)` folds one
/// element.
mlir::Value buildReduction(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input, llvm::ArrayRef<int64_t> axes,
                           mlir::TypedAttr init,
                           const std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value)>
                               &combine);

void populateElementwiseToLinalgPatterns(GraphTypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// Conv, MatMul, Gemm, BatchNormalization, Softmax.
void populateNNToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Reduce* and ArgMax/ArgMin, of every element type.
void populateReductionToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateShapeToLinalgPatterns(GraphTypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);

} // namespace tessera

#endif
