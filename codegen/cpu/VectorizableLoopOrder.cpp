//===- VectorizableLoopOrder.cpp - put a contiguous parallel loop innermost -===//
//
// linalg-to-loops emits loops in iterator order, so convolutions and contractions end with their
// reduction loops (kw, k): scalar code with strided loads. Moving the parallel loop that walks the
// output's last (contiguous) dim innermost lets LLVM's loop vectorizer process independent output
// elements in SIMD lanes, with no floating-point reassociation. The move is made only when every
// operand is either contiguous (or stride 2) or invariant along that loop.
//
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_VECTORIZABLELOOPORDER
#include "codegen/cpu/Passes.h.inc"

namespace {

/// The loop to move innermost, if the op qualifies.
std::optional<unsigned> innermostCandidate(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0 || op.getNumDpsInits() != 1)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() == 0)
    return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(outMap.getResults().back());
  if (!last)
    return std::nullopt;
  unsigned loop = last.getPosition();
  if (loop == op.getNumLoops() - 1)
    return std::nullopt; // already innermost
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      if (!expr.isFunctionOfDim(loop))
        continue;
      // Only the operand's last dim may move with the loop, with unit step (contiguous).
      if (i + 1 != map.getNumResults())
        return std::nullopt;
      // Unit step, or step 2 (stride-2 windows: LLVM loads interleaved groups and shuffles).
      AffineExpr dim = getAffineDimExpr(loop, op.getContext());
      auto smallStep = [&](AffineExpr e) {
        if (e == dim)
          return true;
        auto mul = dyn_cast<AffineBinaryOpExpr>(e);
        auto factor = mul ? dyn_cast<AffineConstantExpr>(mul.getRHS()) : nullptr;
        return mul && mul.getKind() == AffineExprKind::Mul && mul.getLHS() == dim && factor &&
               factor.getValue() <= 2;
      };
      auto add = dyn_cast<AffineBinaryOpExpr>(expr);
      bool ok = smallStep(expr) || (add && add.getKind() == AffineExprKind::Add &&
                                    (smallStep(add.getLHS()) || smallStep(add.getRHS())));
      if (!ok)
        return std::nullopt;
    }
  }
  return loop;
}

struct VectorizableLoopOrderPass : impl::VectorizableLoopOrderBase<VectorizableLoopOrderPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      auto loop = innermostCandidate(op);
      if (!loop)
        continue;
      SmallVector<unsigned> order;
      for (unsigned i = 0; i < op.getNumLoops(); ++i)
        if (i != *loop)
          order.push_back(i);
      order.push_back(*loop);
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        auto generalized = linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          continue;
        generic = *generalized;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order)))
        return signalPassFailure();
    }
  }
};
} // namespace
} // namespace tessera::cpu
