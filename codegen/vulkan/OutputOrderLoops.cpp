//===- OutputOrderLoops.cpp - loops of every generic in its output's dim order ---===//
//
// Invocations are mapped over the parallel loop nest, and consecutive nests of one kernel (a fill, the
// convolution accumulating into it, its epilogue) only fuse when they iterate the same space in the same
// order. Ordering each generic's loops as its output's dims, reductions last, gives every nest writing one
// output the same shape, keeps reductions innermost (sequential inside an invocation) and makes
// consecutive invocations write consecutive elements.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_OUTPUTORDERLOOPS
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// The loop order that puts `op`'s output dims first, in output order, then the other loops in their
/// order; empty if the outputs' maps differ (an argmax's value and index share theirs) or are not a
/// projected permutation, or the order is already that.
SmallVector<unsigned> outputOrder(linalg::GenericOp op) {
  if (op.getNumDpsInits() == 0)
    return {};
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (OpOperand &init : op.getDpsInitsMutable())
    if (op.getMatchingIndexingMap(&init) != out)
      return {};
  if (!out.isProjectedPermutation())
    return {};
  SmallVector<unsigned> order;
  SmallVector<bool> placed(op.getNumLoops(), false);
  for (AffineExpr e : out.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    order.push_back(d);
    placed[d] = true;
  }
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (!placed[d])
      order.push_back(d);
  for (unsigned i = 0; i < order.size(); ++i)
    if (order[i] != i)
      return order;
  return {};
}

struct OutputOrderLoopsPass : impl::OutputOrderLoopsBase<OutputOrderLoopsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp op : generics) {
      SmallVector<unsigned> order = outputOrder(op);
      if (order.empty())
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order))) {
        op.emitOpError("could not reorder its loops to its output's dim order");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
} // namespace tessera::vulkan
