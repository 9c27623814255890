//===- DecomposeAggregateOps.cpp - linalg.softmax -> reductions and generics ----===//
//
// Aggregate ops (linalg.softmax) become the ops of their upstream decomposition: the row max, the
// exponentials of the shifted inputs written to the destination, their sum, and the division in
// place. Where this runs decides the kernels: after workgroup distribution, every op works on one
// workgroup's rows.
//
#include "passes/Passes.h"

#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_DECOMPOSEAGGREGATEOPS
#include "passes/Passes.h.inc"

namespace {

struct DecomposeAggregateOpsPass : impl::DecomposeAggregateOpsBase<DecomposeAggregateOpsPass> {
  void runOnOperation() override {
    SmallVector<linalg::AggregatedOpInterface> aggregates;
    getOperation().walk([&](linalg::AggregatedOpInterface op) { aggregates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::AggregatedOpInterface op : aggregates) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> results = op.decomposeOperation(rewriter);
      if (failed(results)) {
        op->emitOpError("cannot be decomposed");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, *results);
    }
  }
};

} // namespace
} // namespace tessera
