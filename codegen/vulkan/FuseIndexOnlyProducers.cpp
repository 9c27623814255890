//===- FuseIndexOnlyProducers.cpp - recompute index-only generics at their use ---===//
//
// A generic with no inputs computes each element from its indices alone (a lowered pad reads its source
// at a clamped index). Its consumer can compute the element it needs itself, where it reads it: the
// producer's body is cloned into the consumer's with the producer's indices replaced by the consumer's
// indexing map for that operand. A convolution then reads its padded input without a padded copy, which
// a device kernel (one loop nest, no temporaries) could not hold.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_FUSEINDEXONLYPRODUCERS
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// A generic that computes its one result from its indices and captured values: no inputs, an identity
/// output map, all-parallel, and a body that does not read the output's initial value.
bool isIndexOnly(linalg::GenericOp op) {
  return op.getNumDpsInputs() == 0 && op.getNumDpsInits() == 1 && op.getNumResults() == 1 &&
         op.getNumLoops() == op.getNumParallelLoops() && op.getIndexingMapsArray()[0].isIdentity() &&
         !op.payloadUsesValueFromOperand(op.getDpsInitOperand(0));
}

struct FuseIndexOnlyProducer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp consumer, PatternRewriter &rewriter) const override {
    OpOperand *fused = nullptr;
    linalg::GenericOp producer;
    for (OpOperand *input : consumer.getDpsInputOperands()) {
      auto p = input->get().getDefiningOp<linalg::GenericOp>();
      if (p && isIndexOnly(p) && p->hasOneUse()) {
        fused = input;
        producer = p;
        break;
      }
    }
    if (!fused)
      return rewriter.notifyMatchFailure(consumer, "no index-only producer");
    Location loc = consumer.getLoc();
    AffineMap map = consumer.getMatchingIndexingMap(fused);
    Block &body = consumer.getRegion().front();
    BlockArgument arg = consumer.getMatchingBlockArgument(fused);

    // The element the consumer reads: the producer's body at the operand's indices.
    rewriter.setInsertionPointToStart(&body);
    SmallVector<Value> loops;
    for (unsigned d = 0; d < consumer.getNumLoops(); ++d)
      loops.push_back(linalg::IndexOp::create(rewriter, loc, d));
    SmallVector<Value> at;
    for (unsigned r = 0; r < map.getNumResults(); ++r)
      at.push_back(affine::AffineApplyOp::create(rewriter, loc, map.getSubMap({r}), loops));
    IRMapping mapping;
    Block &producerBody = producer.getRegion().front();
    for (Operation &op : producerBody.without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(op)) {
        mapping.map(index.getResult(), at[index.getDim()]);
        continue;
      }
      rewriter.clone(op, mapping);
    }
    Value element = mapping.lookupOrDefault(cast<linalg::YieldOp>(producerBody.getTerminator()).getValues()[0]);
    rewriter.replaceAllUsesWith(arg, element);

    // The consumer without that operand.
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *input : consumer.getDpsInputOperands())
      if (input != fused) {
        inputs.push_back(input->get());
        maps.push_back(consumer.getMatchingIndexingMap(input));
      }
    for (OpOperand &init : consumer.getDpsInitsMutable())
      maps.push_back(consumer.getMatchingIndexingMap(&init));
    rewriter.setInsertionPoint(consumer);
    auto replacement = linalg::GenericOp::create(rewriter, loc, consumer.getResultTypes(), inputs,
                                                 consumer.getDpsInits(), maps, consumer.getIteratorTypesArray());
    rewriter.inlineRegionBefore(consumer.getRegion(), replacement.getRegion(), replacement.getRegion().end());
    replacement.getRegion().front().eraseArgument(arg.getArgNumber());
    rewriter.replaceOp(consumer, replacement.getResults());
    rewriter.eraseOp(producer);
    return success();
  }
};

struct FuseIndexOnlyProducersPass : impl::FuseIndexOnlyProducersBase<FuseIndexOnlyProducersPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseIndexOnlyProducer>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::vulkan
