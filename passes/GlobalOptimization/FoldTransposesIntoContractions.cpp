//===- FoldTransposesIntoContractions.cpp - read transposed operands in place --===//
//
// A transpose whose result only feeds contractions (MatMul/Gemm written as linalg.generic) is folded into
// their indexing maps: the product reads the untransposed tensor through permuted indices instead of
// waiting for a transposed copy (for a language model's output projection, a 50 MB copy per run). The CPU
// microkernel reads operands through strides, so a permuted operand costs nothing extra.
//
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_FOLDTRANSPOSESINTOCONTRACTIONS
#include "passes/Passes.h.inc"

namespace {

bool feedsOnlyContractions(linalg::TransposeOp transpose) {
  Value result = transpose.getResult()[0];
  return !result.use_empty() && llvm::all_of(result.getUses(), [](OpOperand &use) {
    auto generic = dyn_cast<linalg::GenericOp>(use.getOwner());
    return generic && generic.isDpsInput(&use) && linalg::isaContractionOpInterface(generic);
  });
}

struct FoldTransposesIntoContractionsPass
    : impl::FoldTransposesIntoContractionsBase<FoldTransposesIntoContractionsPass> {
  void runOnOperation() override {
    SmallVector<linalg::TransposeOp> transposes;
    getOperation()->walk([&](linalg::TransposeOp t) {
      if (t.hasPureTensorSemantics() && feedsOnlyContractions(t))
        transposes.push_back(t);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::TransposeOp transpose : transposes) {
      rewriter.setInsertionPoint(transpose);
      FailureOr<linalg::GenericOp> producer = linalg::generalizeNamedOp(rewriter, transpose);
      if (failed(producer))
        continue;
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : (*producer)->getResult(0).getUses())
        uses.push_back(&use);
      for (OpOperand *use : uses) {
        if (!linalg::areElementwiseOpsFusable(use))
          continue;
        // Each contraction fuses a copy of its own: fusing a producer that has other users would keep
        // its result as an extra output of the product (a two-result generic, which no microkernel
        // takes), and the next contraction would then read that product instead of a transpose.
        rewriter.setInsertionPoint(*producer); // where its operands are defined and its users dominated
        Operation *copy = rewriter.clone(**producer);
        use->set(copy->getResult(0));
        Operation *consumer = use->getOwner();
        rewriter.setInsertionPoint(consumer); // the fused op needs the consumer's other operands
        FailureOr<linalg::ElementwiseOpFusionResult> fused = linalg::fuseElementwiseOps(rewriter, use);
        if (failed(fused))
          continue;
        for (auto [oldResult, newResult] : fused->replacements)
          rewriter.replaceAllUsesWith(oldResult, newResult);
        rewriter.eraseOp(consumer);
        if (copy->use_empty())
          rewriter.eraseOp(copy);
      }
      if ((*producer)->use_empty())
        rewriter.eraseOp(*producer);
    }
  }
};

} // namespace
} // namespace tessera
