//===- FuseElementwiseOps.cpp - one loop nest per elementwise chain --------===//
//
// Dispatch formation groups an elementwise chain (SiLU is x * sigmoid(x): two generics) into one kernel,
// but each generic still becomes its own loop nest with a temporary between them. Fusing a producer
// generic into its only consumer leaves one loop nest that reads the inputs once and keeps the
// intermediate in registers. Producers with other users are left alone (fusing would recompute them).
//
// Run before dispatch formation too (`into-elementwise-only`): there a chain whose intermediate has one
// user becomes one generic that joins its producer's kernel as a single epilogue (SiLU after a
// convolution read the convolution's result twice, so it stayed a kernel of its own). Only elementwise
// consumers that read each producer element once take part there: contractions keep the plain bodies the
// microkernels match, and a gate broadcast over an image is not recomputed per pixel. The fused op keeps
// both ops' locations, so the kernel still names every ONNX node in it.
//
// A producer left without users after fusing is erased even when its body checks an index: on tensors
// its results are its only effect besides the check, which the fused op repeats.
//
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_FUSEELEMENTWISEOPS
#include "passes/Passes.h.inc"

namespace {

/// Each fusion clones both bodies into a new op, so fusing an unbounded chain costs time quadratic in its
/// length (a 20,000-node elementwise chain took minutes): fusions that would make a body of more than
/// `maxBodyOps` ops are skipped, cutting a long chain into loop nests of about that size (one more pass
/// over memory per cut).
size_t bodySize(Operation *op) { return op->getRegion(0).front().getOperations().size(); }

bool canFuse(OpOperand *fused, unsigned maxBodyOps) {
  Operation *producer = fused->get().getDefiningOp();
  return producer && producer->hasOneUse() && producer->getNumRegions() == 1 &&
         !producer->getRegion(0).empty() && bodySize(producer) + bodySize(fused->getOwner()) <= maxBodyOps;
}

/// Fuses an elementwise producer with one use into an elementwise consumer that reads each of its
/// elements once; the fused op is located at both.
struct FuseIntoElementwise : OpRewritePattern<linalg::GenericOp> {
  FuseIntoElementwise(MLIRContext *context, unsigned maxBodyOps)
      : OpRewritePattern(context), maxBodyOps(maxBodyOps) {}
  unsigned maxBodyOps;
  LogicalResult matchAndRewrite(linalg::GenericOp consumer, PatternRewriter &rewriter) const override {
    if (consumer.getNumReductionLoops() != 0)
      return failure();
    for (OpOperand &operand : consumer->getOpOperands()) {
      if (!canFuse(&operand, maxBodyOps) || !linalg::areElementwiseOpsFusable(&operand) ||
          !consumer.getMatchingIndexingMap(&operand).isPermutation())
        continue;
      Location loc = rewriter.getFusedLoc({operand.get().getLoc(), consumer.getLoc()});
      FailureOr<linalg::ElementwiseOpFusionResult> fused = linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(fused))
        continue;
      fused->fusedOp->setLoc(loc);
      for (OpResult result : consumer->getResults())
        if (Value replacement = fused->replacements.lookup(result))
          rewriter.replaceAllUsesWith(result, replacement);
      rewriter.eraseOp(consumer);
      return success();
    }
    return failure();
  }
};

struct FuseElementwiseOpsPass : impl::FuseElementwiseOpsBase<FuseElementwiseOpsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    if (intoElementwiseOnly)
      patterns.add<FuseIntoElementwise>(&getContext(), maxBodyOps);
    else
      linalg::populateElementwiseOpsFusionPatterns(
          patterns, [limit = unsigned(maxBodyOps)](OpOperand *fused) { return canFuse(fused, limit); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // A fused producer left without users is not trivially dead when its body checks an index
    // (`tdisp.error_if` writes the kernel's error flag), but the fused op carries the same check.
    getOperation()->walk([](linalg::GenericOp op) {
      bool onBuffers = llvm::any_of(op->getOperandTypes(), llvm::IsaPred<BaseMemRefType>);
      if (!onBuffers && op->use_empty())
        op->erase();
    });
  }
};
} // namespace
} // namespace tessera
