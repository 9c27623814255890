//===- LowerPadsToGenerics.cpp - tensor.pad -> one gather-style linalg.generic ---===//
//
// Bufferized, a pad is a fill of the result plus a copy into its interior: two loop nests, which a
// device kernel (one nest, no barrier between workgroups) cannot hold. As one generic over the result,
// each element reads its source element when it lies inside the source and the padding value otherwise.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_LOWERPADSTOGENERICS
#include "codegen/vulkan/Passes.h.inc"

namespace {

struct PadToGeneric : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::PadOp pad, PatternRewriter &rewriter) const override {
    Value padValue = pad.getConstantPaddingValue();
    auto sourceType = cast<RankedTensorType>(pad.getSourceType());
    auto resultType = cast<RankedTensorType>(pad.getResultType());
    if (!padValue || !sourceType.hasStaticShape() || !resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(pad, "needs static shapes and a constant padding value");
    SmallVector<int64_t> low;
    for (OpFoldResult l : pad.getMixedLowPad()) {
      auto v = getConstantIntValue(l);
      if (!v)
        return rewriter.notifyMatchFailure(pad, "needs static low padding");
      low.push_back(*v);
    }
    Location loc = pad.getLoc();
    int64_t rank = resultType.getRank();
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(), resultType.getElementType());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    Value source = pad.getSource();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v).getResult(); };
          Value inside = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d) {
            // Source index = result index - low padding; a negative low (cropping) shifts the other way.
            Value i = linalg::IndexOp::create(b, l, d);
            Value src = arith::SubIOp::create(b, l, i, index(low[d]));
            Value size = index(sourceType.getDimSize(d));
            Value geZero = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, src, index(0));
            Value ltSize = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, src, size);
            inside = arith::AndIOp::create(b, l, inside, arith::AndIOp::create(b, l, geZero, ltSize));
            // Clamped, so the read stays in bounds even where its value is not used.
            Value clamped = arith::MaxSIOp::create(b, l, src, index(0));
            clamped = arith::MinSIOp::create(b, l, clamped, index(std::max<int64_t>(sourceType.getDimSize(d) - 1, 0)));
            at.push_back(clamped);
          }
          Value value = padValue;
          if (sourceType.getNumElements() > 0) {
            Value element = tensor::ExtractOp::create(b, l, source, at);
            value = arith::SelectOp::create(b, l, inside, element, padValue);
          }
          linalg::YieldOp::create(b, l, value);
        });
    rewriter.replaceOp(pad, generic.getResult(0));
    return success();
  }
};

struct LowerPadsToGenericsPass : impl::LowerPadsToGenericsBase<LowerPadsToGenericsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PadToGeneric>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::vulkan
