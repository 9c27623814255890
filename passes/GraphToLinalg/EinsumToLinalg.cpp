//===- EinsumToLinalg.cpp - tgraph.einsum -> one linalg.generic -----------===//
#include "passes/GraphToLinalg/IndexingPatterns.h"

#include "dialects/Graph/IR/GraphOps.h"

using namespace mlir;
using namespace tessera::graph;

namespace tessera {
namespace {

/// The product of the operands summed over the loop dims the output does not keep.
struct EinsumLowering : OpConversionPattern<EinsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(EinsumOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = rankedType(getTypeConverter(), op.getResult());
    if (!type || !type.hasStaticShape())
      return unsupported(rewriter, op, "needs static shapes");
    Type elem = type.getElementType();
    bool f = isa<FloatType>(elem);
    if (!f && !isa<IntegerType>(elem))
      return unsupported(rewriter, op, "needs a float or integer element type");
    int64_t loops = 0;
    for (Attribute a : op.getOperandDims())
      for (int64_t d : cast<DenseI64ArrayAttr>(a).asArrayRef())
        loops = std::max(loops, d + 1);
    for (int64_t d : op.getOutputDims())
      loops = std::max(loops, d + 1);
    SmallVector<AffineMap> maps;
    for (Attribute a : op.getOperandDims()) {
      SmallVector<AffineExpr> exprs;
      for (int64_t d : cast<DenseI64ArrayAttr>(a).asArrayRef())
        exprs.push_back(d < 0 ? rewriter.getAffineConstantExpr(0) : rewriter.getAffineDimExpr(d));
      maps.push_back(AffineMap::get(loops, 0, exprs, rewriter.getContext()));
    }
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::reduction);
    for (int64_t d : op.getOutputDims()) {
      outExprs.push_back(rewriter.getAffineDimExpr(d));
      iterators[d] = utils::IteratorType::parallel;
    }
    maps.push_back(AffineMap::get(loops, 0, outExprs, rewriter.getContext()));
    Location loc = op.getLoc();
    Value init = buildFilled(rewriter, loc, type, f ? (TypedAttr)rewriter.getFloatAttr(elem, 0) : (TypedAttr)rewriter.getIntegerAttr(elem, 0));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, adaptor.getInputs(), ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value product = a[0];
          for (Value v : a.drop_front().drop_back())
            product = f ? (Value)arith::MulFOp::create(b, l, product, v) : (Value)arith::MulIOp::create(b, l, product, v);
          Value sum = f ? (Value)arith::AddFOp::create(b, l, a.back(), product) : (Value)arith::AddIOp::create(b, l, a.back(), product);
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateEinsumToLinalgPatterns(GraphTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(converter, patterns.getContext());
}

} // namespace tessera
