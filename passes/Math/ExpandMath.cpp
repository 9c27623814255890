//===- ExpandMath.cpp - polynomial approximations of math ops -------------===//
//
// Runs before the target split, so every target's variant computes the same formulas.
//
#include "passes/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_EXPANDMATH
#include "passes/Passes.h.inc"

namespace {
struct ExpandMathPass : impl::ExpandMathBase<ExpandMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The upstream set that is accurate to float tolerance: exp, expm1, log, log1p, log2, tanh, erf,
    // atan, atan2, sin, cos, cbrt, asin, acos. f16/bf16 are computed in f32.
    auto approximated = [](StringRef name) {
      return llvm::is_contained({"math.exp", "math.expm1", "math.log", "math.log1p", "math.log2",
                                 "math.tanh", "math.erf", "math.atan", "math.atan2", "math.sin",
                                 "math.cos", "math.asin", "math.acos"},
                                name);
    };
    populateMathF32ExpansionPatterns(patterns, approximated);
    populateMathPolynomialApproximationPatterns(patterns, approximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace tessera
