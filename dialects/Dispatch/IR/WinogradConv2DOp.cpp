//===- WinogradConv2DOp.cpp - verifier, tiling and bufferization ----------===//
//
// The op tiles along its output dims (n, f, rows, columns): a tile reads the whole image of its batch
// rows (the window start moves instead, so no halo arithmetic), the filter slice of its filters and
// the slice of `init` it writes. Bufferization is destination style: `init`'s buffer is the result.
//
#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Dispatch/IR/KernelOpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace tessera::dispatch;

namespace {
constexpr int64_t kTransformedTaps = 36; // (4 + 3 - 1)^2 points of F(4x4, 3x3)
} // namespace

LogicalResult WinogradConv2DOp::verify() {
  auto input = cast<ShapedType>(getInput().getType()), filter = cast<ShapedType>(getFilter().getType()),
       init = cast<ShapedType>(getInit().getType());
  if (input.getRank() != 4 || filter.getRank() != 3 || init.getRank() != 4)
    return emitOpError("expects a rank-4 input and init and a rank-3 transformed filter");
  if (!input.getElementType().isF32() || !filter.getElementType().isF32() || !init.getElementType().isF32())
    return emitOpError("expects f32 operands");
  if (!compatibleSizes(filter.getDimSize(0), kTransformedTaps))
    return emitOpError("expects ") << kTransformedTaps << " transformed taps in filter dim 0, got "
                                   << filter.getDimSize(0);
  if (!compatibleSizes(filter.getDimSize(1), init.getDimSize(1)) || !compatibleSizes(filter.getDimSize(2), input.getDimSize(1)) ||
      !compatibleSizes(input.getDimSize(0), init.getDimSize(0)))
    return emitOpError("filter [taps, F, C], input [N, C, H, W] and init [N, F, OH, OW] disagree");
  return verifyDestinationForm(*this, getInit());
}

LogicalResult WinogradConv2DOp::reifyResultShapes(OpBuilder &b, ReifiedRankedShapedTypeDims &shapes) {
  return reifyInitShape(b, *this, getInit(), shapes);
}

void WinogradConv2DOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  destinationEffects(*this, getInitMutable(), effects);
}

//===----------------------------------------------------------------------===//
// TilingInterface
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> WinogradConv2DOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel);
}

SmallVector<Range> WinogradConv2DOp::getIterationDomain(OpBuilder &b) {
  SmallVector<Range> domain;
  for (int64_t d = 0; d < 4; ++d)
    domain.push_back({b.getIndexAttr(0), mixedDim(b, getLoc(), getInit(), d), b.getIndexAttr(1)});
  return domain;
}

FailureOr<TilingResult> WinogradConv2DOp::getTiledImplementation(OpBuilder &b, ArrayRef<OpFoldResult> offsets,
                                                                 ArrayRef<OpFoldResult> sizes) {
  if (!isa<RankedTensorType>(getInit().getType()))
    return failure();
  Location loc = getLoc();
  OpFoldResult zero = b.getIndexAttr(0);
  auto slice = [&](Value v, ArrayRef<OpFoldResult> at, ArrayRef<OpFoldResult> extent) {
    SmallVector<OpFoldResult> ones(at.size(), b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, v, at, extent, ones);
  };
  Value x = getInput(), w = getFilter();
  auto input = slice(x, {offsets[0], zero, zero, zero},
                     {sizes[0], mixedDim(b, loc, x, 1), mixedDim(b, loc, x, 2), mixedDim(b, loc, x, 3)});
  auto filter = slice(w, {zero, offsets[1], zero}, {mixedDim(b, loc, w, 0), sizes[1], mixedDim(b, loc, w, 2)});
  auto init = slice(getInit(), offsets, sizes);
  // The tile's windows start where its first output row and column are.
  auto shifted = [&](Value origin, OpFoldResult by) -> Value {
    return b.createOrFold<arith::AddIOp>(loc, origin, getValueOrCreateConstantIndexOp(b, loc, by));
  };
  auto tiled = WinogradConv2DOp::create(b, loc, TypeRange{init.getType()}, input, filter, init,
                                        shifted(getRow(), offsets[2]), shifted(getCol(), offsets[3]));
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), {input, filter, init}};
}

LogicalResult WinogradConv2DOp::getResultTilePosition(OpBuilder &, unsigned, ArrayRef<OpFoldResult> offsets,
                                                      ArrayRef<OpFoldResult> sizes,
                                                      SmallVector<OpFoldResult> &resultOffsets,
                                                      SmallVector<OpFoldResult> &resultSizes) {
  return resultTileOfIterationTile(offsets, sizes, resultOffsets, resultSizes);
}

FailureOr<TilingResult> WinogradConv2DOp::generateResultTileValue(OpBuilder &b, unsigned,
                                                                  ArrayRef<OpFoldResult> offsets,
                                                                  ArrayRef<OpFoldResult> sizes) {
  return getTiledImplementation(b, offsets, sizes); // the iteration space is the result's
}

//===----------------------------------------------------------------------===//
// BufferizableOpInterface
//===----------------------------------------------------------------------===//

bool WinogradConv2DOp::bufferizesToMemoryRead(OpOperand &, const bufferization::AnalysisState &) {
  return true; // the init is accumulated into
}

bool WinogradConv2DOp::bufferizesToMemoryWrite(OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList WinogradConv2DOp::getAliasingValues(OpOperand &operand,
                                                                     const bufferization::AnalysisState &) {
  return initAliasing(*this, operand);
}

LogicalResult WinogradConv2DOp::bufferize(RewriterBase &rewriter, const bufferization::BufferizationOptions &options,
                                          bufferization::BufferizationState &state) {
  auto buffers = buffersOf(rewriter, {getInput(), getFilter(), getInit()}, options, state);
  if (failed(buffers))
    return failure();
  WinogradConv2DOp::create(rewriter, getLoc(), TypeRange{}, (*buffers)[0], (*buffers)[1], (*buffers)[2], getRow(),
                           getCol());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, (*buffers)[2]);
  return success();
}
