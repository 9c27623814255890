//===- FuseElementwiseOps.cpp - one loop nest per elementwise chain in a kernel --===//
//
// Dispatch formation groups an elementwise chain (SiLU is x * sigmoid(x): two generics) into one kernel,
// but each generic still becomes its own loop nest with a temporary between them. Fusing a producer
// generic into its only consumer leaves one loop nest that reads the inputs once and keeps the
// intermediate in registers. Producers with other users are left alone (fusing would recompute them).
//
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_FUSEELEMENTWISEOPS
#include "passes/Passes.h.inc"

namespace {
struct FuseElementwiseOpsPass : impl::FuseElementwiseOpsBase<FuseElementwiseOpsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse();
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace tessera
