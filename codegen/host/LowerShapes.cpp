//===- LowerShapes.cpp - host index arithmetic -> tsched shape ops --------===//
//
// The operands that carry index values into the host function's dispatches and reshapes are replaced by
// their host computation (HostShapes); what computed them before becomes dead and is erased.
//
#include "codegen/host/HostShapes.h"
#include "codegen/host/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace tessera::host {
#define GEN_PASS_DEF_LOWERSHAPES
#include "codegen/host/Passes.h.inc"

namespace {

LogicalResult lowerFunction(func::FuncOp func) {
  HostShapes shapes(func);
  Block &body = func.getBody().front();
  auto lowerOperands = [&](Operation *op, MutableArrayRef<OpOperand> operands) -> LogicalResult {
    for (OpOperand &operand : operands) {
      if (!operand.get().getType().isIndex())
        continue;
      auto value = shapes.index(operand.get());
      if (failed(value))
        return failure();
      operand.set(*value);
    }
    return success();
  };
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    ops.push_back(&op);
  for (Operation *op : ops) {
    if (isa<dispatch::DispatchOp, tensor::FromElementsOp, tensor::ExpandShapeOp>(op))
      if (failed(lowerOperands(op, op->getOpOperands())))
        return failure();
  }
  // Erase what computed the old values, uses first.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  return success();
}

struct LowerShapesPass : impl::LowerShapesBase<LowerShapesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isDeclaration() && failed(lowerFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::host
