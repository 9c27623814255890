//===- ReassociateReductions.cpp - let reductions run in vector lanes ----------===//
//
// A sum over a contiguous row (a global average pool, ReduceSum, softmax's denominator) lowers to a
// loop carrying one scalar accumulator; LLVM vectorizes it only if it may reassociate the additions
// (several partial sums in vector lanes, combined at the end). Marking the combining operation of each
// reduction `reassoc` allows exactly that and nothing else: the elementwise math around it keeps strict
// IEEE semantics. Results differ from a sequential sum by rounding only, as they do between any two
// optimized runtimes.
//
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_REASSOCIATEREDUCTIONS
#include "codegen/cpu/Passes.h.inc"

namespace {

/// The operation that folds a new value into the accumulator `acc`, if it is one whose reassociation
/// LLVM understands.
Operation *combiner(BlockArgument acc, Value yielded) {
  Operation *op = yielded.getDefiningOp();
  if (!op || !isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
                  arith::MinNumFOp>(op))
    return nullptr;
  return llvm::is_contained(op->getOperands(), acc) ? op : nullptr;
}

struct ReassociateReductionsPass : impl::ReassociateReductionsBase<ReassociateReductionsPass> {
  void runOnOperation() override {
    getOperation()->walk([](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() == 0 || !op.getBlock())
        return;
      auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
      for (auto [acc, yielded] : llvm::zip(op.getRegionOutputArgs(), yield.getValues())) {
        Operation *combine = combiner(acc, yielded);
        if (!combine)
          continue;
        auto fastmath = cast<arith::ArithFastMathInterface>(combine);
        auto flags = fastmath.getFastMathFlagsAttr().getValue() | arith::FastMathFlags::reassoc;
        combine->setAttr(fastmath.getFastMathAttrName(), arith::FastMathFlagsAttr::get(op->getContext(), flags));
      }
    });
  }
};
} // namespace
} // namespace tessera::cpu
