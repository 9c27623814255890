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

using ScalarBody =
    std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// A linalg.generic over `resultType` whose operands broadcast (numpy rules, static shapes) to it.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange operands,
                             const ScalarBody &body);

/// A tensor.empty + linalg.fill of `value`.
mlir::Value buildFilled(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                        mlir::TypedAttr value);

/// A scalar arith.constant of `elementType` holding `value` (converted for integers).
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elementType,
                           double value);

/// Reshapes a statically shaped tensor (collapse to 1-D, expand to the target).
mlir::Value reshapeTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                          mlir::RankedTensorType type);

/// Converts a scalar between element types with ONNX Cast semantics.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Type from,
                       mlir::Type to, bool fromUnsigned, bool toUnsigned);

void populateElementwiseToLinalgPatterns(GraphTypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
void populateNNToLinalgPatterns(GraphTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateShapeToLinalgPatterns(GraphTypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);

} // namespace tessera

#endif
