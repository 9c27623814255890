//===- HostShapes.h - dims and index values as host shape ops ---*- C++ -*-===//
#ifndef TESSERA_CODEGEN_HOST_HOSTSHAPES_H
#define TESSERA_CODEGEN_HOST_HOSTSHAPES_H

#include "dialects/Schedule/IR/ScheduleOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace tessera::host {

/// Builds host computations of dims and index values in one host function, memoized. New ops go right
/// before the op that defines (or, for dims, first needs) the value, so they dominate every use.
class HostShapes {
public:
  explicit HostShapes(mlir::func::FuncOp host) : host(host) {}

  /// Dim `dim` of `tensor` as a host value (an index constant when static), built before `before`.
  mlir::FailureOr<mlir::Value> dim(mlir::Value tensor, int64_t dim, mlir::Operation *before);
  /// `value` (an integer or index computed on the host) as arith.constant / tsched ops of index type.
  mlir::FailureOr<mlir::Value> index(mlir::Value value);
  /// The product of dims `dims` of `tensor` (1 for none), built before `before`.
  mlir::FailureOr<mlir::Value> product(mlir::Value tensor, llvm::ArrayRef<int64_t> dims, mlir::Operation *before);
  /// The byte size of `tensor` (element bytes times its dims), built before `before`.
  mlir::FailureOr<mlir::Value> byteSize(mlir::Value tensor, mlir::Operation *before);
  /// `kind(lhs, rhs)`, folded when both are literals.
  mlir::Value shape(mlir::OpBuilder &b, mlir::Location loc, schedule::ShapeOpKind kind, mlir::Value lhs,
                    mlir::Value rhs);

private:
  mlir::Value constant(mlir::OpBuilder &b, mlir::Location loc, int64_t v);
  mlir::LogicalResult report(mlir::InFlightDiagnostic diag) {
    ++errors;
    return diag;
  }
  mlir::func::FuncOp host;
  llvm::DenseMap<mlir::Value, mlir::Value> lowered;
  unsigned errors = 0; // diagnostics emitted so far
};

/// Bytes per element of `type` in a buffer (i1 takes one byte).
int64_t elementBytes(mlir::Type type);

} // namespace tessera::host

#endif
