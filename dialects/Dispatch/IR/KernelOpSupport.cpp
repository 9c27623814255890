//===- KernelOpSupport.cpp - shared parts of the destination-style kernel ops --===//
#include "dialects/Dispatch/IR/KernelOpSupport.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tessera::dispatch {

OpFoldResult mixedDim(OpBuilder &b, Location loc, Value v, int64_t d) {
  if (isa<RankedTensorType>(v.getType()))
    return tensor::getMixedSize(b, loc, v, d);
  return memref::getMixedSize(b, loc, v, d);
}

LogicalResult reifyInitShape(OpBuilder &b, Operation *op, Value init, ReifiedRankedShapedTypeDims &shapes) {
  if (op->getNumResults() != 1 || !isa<RankedTensorType>(init.getType()))
    return failure();
  shapes.push_back(tensor::getMixedSizes(b, op->getLoc(), init));
  return success();
}

LogicalResult verifyDestinationForm(Operation *op, Value init) {
  bool tensors = isa<RankedTensorType>(init.getType());
  for (Value operand : op->getOperands())
    if (isa<ShapedType>(operand.getType()) && isa<RankedTensorType>(operand.getType()) != tensors)
      return op->emitOpError("expects all tensors or all buffers");
  if (tensors ? op->getNumResults() != 1 || op->getResult(0).getType() != init.getType() : op->getNumResults() != 0)
    return op->emitOpError("on tensors has one result of the init's type; on buffers none");
  return success();
}

void destinationEffects(Operation *op, OpOperand &init,
                        SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  if (isa<RankedTensorType>(init.get().getType()))
    return;
  for (OpOperand &operand : op->getOpOperands())
    if (isa<MemRefType>(operand.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &operand, SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Write::get(), &init, SideEffects::DefaultResource::get());
}

LogicalResult resultTileOfIterationTile(ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                                        SmallVector<OpFoldResult> &resultOffsets,
                                        SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  return success();
}

bufferization::AliasingValueList initAliasing(DestinationStyleOpInterface op, OpOperand &operand) {
  if (op.isDpsInit(&operand))
    return {{op.getTiedOpResult(&operand), bufferization::BufferRelation::Equivalent}};
  return {};
}

FailureOr<SmallVector<Value>> buffersOf(RewriterBase &rewriter, ValueRange values,
                                        const bufferization::BufferizationOptions &options,
                                        bufferization::BufferizationState &state) {
  SmallVector<Value> buffers;
  for (Value v : values) {
    FailureOr<Value> buffer = bufferization::getBuffer(rewriter, v, options, state);
    if (failed(buffer))
      return failure();
    buffers.push_back(*buffer);
  }
  return buffers;
}

} // namespace tessera::dispatch
