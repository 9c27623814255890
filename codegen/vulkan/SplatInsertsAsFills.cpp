//===- SplatInsertsAsFills.cpp - a splat constant inserted -> a fill of the slice ---===//
//
// Concatenating shape vectors inserts splat constants (`dense<1> : tensor<1xi64>`) into a result.
// Bufferized, such a constant becomes a memref.global the kernel copies from, and a device kernel has no
// constant arrays (the Vulkan target passes large constants as weights instead). A fill of the slice it
// lands in writes the same elements from one scalar, in place in the result.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_SPLATINSERTSASFILLS
#include "codegen/vulkan/Passes.h.inc"

namespace {

struct SplatInsertAsFill : OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::InsertSliceOp insert, PatternRewriter &rewriter) const override {
    DenseElementsAttr splat;
    if (!matchPattern(insert.getSource(), m_Constant(&splat)) || !splat.isSplat())
      return rewriter.notifyMatchFailure(insert, "the inserted tensor is not a splat constant");
    Location loc = insert.getLoc();
    Value scalar = arith::ConstantOp::create(rewriter, loc, splat.getSplatValue<TypedAttr>());
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, insert.getSourceType(), insert.getDest(),
                                                 insert.getMixedOffsets(), insert.getMixedSizes(),
                                                 insert.getMixedStrides());
    Value filled = linalg::FillOp::create(rewriter, loc, scalar, slice).getResult(0);
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(insert, filled, insert.getDest(), insert.getMixedOffsets(),
                                                       insert.getMixedSizes(), insert.getMixedStrides());
    return success();
  }
};

struct SplatInsertsAsFillsPass : impl::SplatInsertsAsFillsBase<SplatInsertsAsFillsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SplatInsertAsFill>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::vulkan
