//===- LowerShapes.cpp - host index arithmetic -> tsched shape ops --------===//
//
// The operands that carry index values into the host function's dispatches and reshapes are replaced by
// their host computation (HostShapes); what computed them before becomes dead and is erased. A cf.assert
// of two equal index values (a declared output dim) becomes a CHECK_EQ step.
//
#include "codegen/host/HostShapes.h"
#include "codegen/host/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
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
    // A declared dim the run must keep (CheckDeclaredShapes): a CHECK_EQ step.
    if (auto check = dyn_cast<cf::AssertOp>(op)) {
      auto eq = check.getArg().getDefiningOp<arith::CmpIOp>();
      if (!eq || eq.getPredicate() != arith::CmpIPredicate::eq)
        return check.emitOpError("must compare two index values for equality");
      auto lhs = shapes.index(eq.getLhs()), rhs = shapes.index(eq.getRhs());
      if (failed(lhs) || failed(rhs))
        return failure();
      OpBuilder b(check);
      schedule::CheckEqOp::create(b, check.getLoc(), *lhs, *rhs);
      check.erase();
    }
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
