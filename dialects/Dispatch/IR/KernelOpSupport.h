//===- KernelOpSupport.h - shared parts of the destination-style kernel ops --*- C++ -*-===//
//
// tdisp.winograd_conv2d and tdisp.packed_matmul work on tensors (one result tied to their init) or on
// buffers (no result, the init written in place); what that means for shapes, memory effects and
// bufferization is the same for both.
//
#ifndef TESSERA_DIALECTS_DISPATCH_IR_KERNELOPSUPPORT_H
#define TESSERA_DIALECTS_DISPATCH_IR_KERNELOPSUPPORT_H

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace tessera::dispatch {

/// Whether two static-or-dynamic sizes can be equal.
inline bool compatibleSizes(int64_t a, int64_t b) {
  return mlir::ShapedType::isDynamic(a) || mlir::ShapedType::isDynamic(b) || a == b;
}

/// Dim `d` of a ranked tensor or memref.
mlir::OpFoldResult mixedDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, int64_t d);

/// Checks that `op`'s shaped operands are all tensors or all buffers, and that on tensors it has one result
/// of `init`'s type and on buffers none.
mlir::LogicalResult verifyDestinationForm(mlir::Operation *op, mlir::Value init);

/// On buffers: every shaped operand is read, `init` is also written. On tensors: no effects.
void destinationEffects(mlir::Operation *op, mlir::OpOperand &init,
                        llvm::SmallVectorImpl<mlir::SideEffects::EffectInstance<mlir::MemoryEffects::Effect>> &effects);

/// Both ops iterate over their result's dims: a tile of the iteration space is the same tile of the result.
mlir::LogicalResult resultTileOfIterationTile(llvm::ArrayRef<mlir::OpFoldResult> offsets,
                                              llvm::ArrayRef<mlir::OpFoldResult> sizes,
                                              llvm::SmallVector<mlir::OpFoldResult> &resultOffsets,
                                              llvm::SmallVector<mlir::OpFoldResult> &resultSizes);

/// On tensors, the result's sizes are the init's (what the host computes before the kernel runs).
mlir::LogicalResult reifyInitShape(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value init,
                                   mlir::ReifiedRankedShapedTypeDims &shapes);

/// The init's buffer is the result's (destination style); other operands alias nothing.
mlir::bufferization::AliasingValueList initAliasing(mlir::DestinationStyleOpInterface op, mlir::OpOperand &operand);

/// The buffers of `values`, in order, or failure.
mlir::FailureOr<llvm::SmallVector<mlir::Value>> buffersOf(mlir::RewriterBase &rewriter, mlir::ValueRange values,
                                                          const mlir::bufferization::BufferizationOptions &options,
                                                          mlir::bufferization::BufferizationState &state);

} // namespace tessera::dispatch

#endif
