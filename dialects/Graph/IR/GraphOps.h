//===- GraphOps.h - Tessera graph dialect -----------------------*- C++ -*-===//
#ifndef TESSERA_DIALECTS_GRAPH_IR_GRAPHOPS_H
#define TESSERA_DIALECTS_GRAPH_IR_GRAPHOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Graph/IR/GraphDialect.h.inc"
#include "dialects/Graph/IR/GraphEnums.h.inc"

#define GET_OP_CLASSES
#include "dialects/Graph/IR/GraphOps.h.inc"

namespace tessera::graph {
/// The numpy broadcast of two shapes (dynamic dims stay dynamic), or failure if incompatible.
mlir::FailureOr<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                            llvm::ArrayRef<int64_t> b);
/// The elements of `values` broadcast (numpy rules) to the static `shape`, in row-major order.
llvm::SmallVector<mlir::Attribute> broadcastElements(mlir::DenseElementsAttr values, llvm::ArrayRef<int64_t> shape);
/// The dims [first, last) that ONNX Shape's `start` and `end` select from a rank-`rank` input: negative
/// values count from the back, both are clamped to [0, rank], and last is at least first.
std::pair<int64_t, int64_t> shapeDimRange(int64_t start, int64_t end, int64_t rank);

/// `attr` as a dense constant of at most kMaxFoldElements elements (splats too), else null. Folders only
/// touch constants this small, so weights (resource blobs) are never expanded.
mlir::DenseElementsAttr foldableDense(mlir::Attribute attr);
/// The most elements a folder reads or produces: enough for attention masks built from constants
/// (swin's 64x49 windows), small against weights.
inline constexpr int64_t kMaxFoldElements = 1 << 16;

// Result type inference (InferTypeOpInterface) shared by families of ops; each fails with a diagnostic at
// `location` when the operands admit no result.
/// The first operand's type.
mlir::LogicalResult inferSameType(mlir::MLIRContext *context, std::optional<mlir::Location> location,
                                  mlir::ValueRange operands, llvm::SmallVectorImpl<mlir::Type> &inferred);
/// The first operand's shape with i1 elements.
mlir::LogicalResult inferPredicateType(mlir::MLIRContext *context, std::optional<mlir::Location> location,
                                       mlir::ValueRange operands, llvm::SmallVectorImpl<mlir::Type> &inferred);
/// The broadcast of the two operands' shapes, with the first operand's elements.
mlir::LogicalResult inferBroadcastType(mlir::MLIRContext *context, std::optional<mlir::Location> location,
                                       mlir::ValueRange operands, llvm::SmallVectorImpl<mlir::Type> &inferred);
/// The broadcast of the two operands' shapes, with i1 elements.
mlir::LogicalResult inferComparisonType(mlir::MLIRContext *context, std::optional<mlir::Location> location,
                                        mlir::ValueRange operands, llvm::SmallVectorImpl<mlir::Type> &inferred);
/// The broadcast of the three operands' shapes (condition, x, y), with x's elements.
mlir::LogicalResult inferSelectType(mlir::MLIRContext *context, std::optional<mlir::Location> location,
                                    mlir::ValueRange operands, llvm::SmallVectorImpl<mlir::Type> &inferred);

/// InferTypeOpInterface's entry point for ops whose inference reads attributes (Graph_InferTypeOpAdaptor).
/// A parse infers before the op exists: attributes written before the operands (kinds, modes) are in
/// `properties` already, those of the attribute dictionary only in `attributes`, and defaults not at all.
/// All are merged, the op's attribute requirements checked, then OpTy's adaptor-based inference runs.
/// Diagnostics go to `location`, or nowhere without one.
template <typename OpTy>
mlir::LogicalResult inferFromParts(mlir::MLIRContext *context, std::optional<mlir::Location> location,
                                   mlir::ValueRange operands, mlir::DictionaryAttr attributes,
                                   mlir::OpaqueProperties properties, mlir::RegionRange regions,
                                   llvm::SmallVectorImpl<mlir::Type> &inferred) {
  std::optional<mlir::ScopedDiagnosticHandler> silence;
  if (!location)
    silence.emplace(context, [](mlir::Diagnostic &) { return mlir::success(); });
  mlir::Location loc = location ? *location : mlir::UnknownLoc::get(context);
  typename OpTy::Properties merged;
  if (properties)
    merged = *properties.as<typename OpTy::Properties *>();
  if (attributes && !attributes.empty() &&
      mlir::failed(OpTy::setPropertiesFromAttr(merged, attributes, [&] { return mlir::emitError(loc); })))
    return mlir::failure();
  // Attributes at their default values are not printed, so a parse leaves them unset until the op exists.
  OpTy::populateDefaultProperties(mlir::OperationName(OpTy::getOperationName(), context), merged);
  typename OpTy::Adaptor adaptor(operands, attributes, mlir::OpaqueProperties(&merged), regions);
  if (mlir::failed(adaptor.verify(loc)))
    return mlir::failure();
  return OpTy::inferReturnTypes(context, location, adaptor, inferred);
}
} // namespace tessera::graph

#endif
