//===- PackedMatmulOp.cpp - verifier, tiling and bufferization -------------===//
//
// The op tiles along its result dims: a tile reads the rows of `lhs` it multiplies (all of K), the whole
// packed operand (a column tile moves `col` instead of slicing panels, so tiles need not line up with
// them) and the slice of `init` it writes. Bufferization is destination style: `init`'s buffer is the
// result.
//
#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Dispatch/IR/KernelOpSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace tessera::dispatch;

LogicalResult PackedMatmulOp::verify() {
  auto lhs = cast<ShapedType>(getLhs().getType()), packed = cast<ShapedType>(getPacked().getType()),
       init = cast<ShapedType>(getInit().getType());
  if (lhs.getRank() < 2 || lhs.getRank() != init.getRank() || packed.getRank() != 3)
    return emitOpError("expects lhs and init of one rank (at least 2) and a rank-3 packed operand");
  if (!lhs.getElementType().isF32() || !packed.getElementType().isF32() || !init.getElementType().isF32())
    return emitOpError("expects f32 operands");
  int64_t rank = lhs.getRank();
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (!compatibleSizes(lhs.getDimSize(d), init.getDimSize(d)))
      return emitOpError("lhs and init disagree in leading dim ") << d;
  if (!compatibleSizes(lhs.getDimSize(rank - 2), init.getDimSize(rank - 2)))
    return emitOpError("lhs and init have different row counts");
  if (!compatibleSizes(lhs.getDimSize(rank - 1), packed.getDimSize(1)))
    return emitOpError("lhs has ") << lhs.getDimSize(rank - 1) << " columns but the packed panels "
                                   << packed.getDimSize(1) << " rows";
  int64_t panels = packed.getDimSize(0), width = packed.getDimSize(2), columns = init.getDimSize(rank - 1);
  if (!ShapedType::isDynamic(width) && width <= 0)
    return emitOpError("expects panels at least one column wide");
  if (!ShapedType::isDynamic(panels) && !ShapedType::isDynamic(width) && !ShapedType::isDynamic(columns) &&
      columns > panels * width)
    return emitOpError("init has ") << columns << " columns but the packed operand only " << panels * width;
  return verifyDestinationForm(*this, getInit());
}

LogicalResult PackedMatmulOp::reifyResultShapes(OpBuilder &b, ReifiedRankedShapedTypeDims &shapes) {
  return reifyInitShape(b, *this, getInit(), shapes);
}

void PackedMatmulOp::getEffects(SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  destinationEffects(*this, getInitMutable(), effects);
}

//===----------------------------------------------------------------------===//
// TilingInterface
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> PackedMatmulOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(cast<ShapedType>(getInit().getType()).getRank(),
                                          utils::IteratorType::parallel);
}

SmallVector<Range> PackedMatmulOp::getIterationDomain(OpBuilder &b) {
  SmallVector<Range> domain;
  for (int64_t d = 0, e = cast<ShapedType>(getInit().getType()).getRank(); d < e; ++d)
    domain.push_back({b.getIndexAttr(0), mixedDim(b, getLoc(), getInit(), d), b.getIndexAttr(1)});
  return domain;
}

FailureOr<TilingResult> PackedMatmulOp::getTiledImplementation(OpBuilder &b, ArrayRef<OpFoldResult> offsets,
                                                               ArrayRef<OpFoldResult> sizes) {
  if (!isa<RankedTensorType>(getInit().getType()))
    return failure();
  Location loc = getLoc();
  size_t rank = offsets.size();
  auto slice = [&](Value v, ArrayRef<OpFoldResult> at, ArrayRef<OpFoldResult> extent) {
    SmallVector<OpFoldResult> ones(at.size(), b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b, loc, v, at, extent, ones);
  };
  // The lhs rows of the tile, every column (K).
  SmallVector<OpFoldResult> lhsOffsets(offsets.drop_back()), lhsSizes(sizes.drop_back());
  lhsOffsets.push_back(b.getIndexAttr(0));
  lhsSizes.push_back(mixedDim(b, loc, getLhs(), rank - 1));
  auto lhs = slice(getLhs(), lhsOffsets, lhsSizes);
  auto init = slice(getInit(), offsets, sizes);
  Value col = b.createOrFold<arith::AddIOp>(loc, getCol(), getValueOrCreateConstantIndexOp(b, loc, offsets.back()));
  auto tiled = PackedMatmulOp::create(b, loc, TypeRange{init.getType()}, lhs, getPacked(), init, col);
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), {lhs, init}};
}

LogicalResult PackedMatmulOp::getResultTilePosition(OpBuilder &, unsigned, ArrayRef<OpFoldResult> offsets,
                                                    ArrayRef<OpFoldResult> sizes,
                                                    SmallVector<OpFoldResult> &resultOffsets,
                                                    SmallVector<OpFoldResult> &resultSizes) {
  return resultTileOfIterationTile(offsets, sizes, resultOffsets, resultSizes);
}

FailureOr<TilingResult> PackedMatmulOp::generateResultTileValue(OpBuilder &b, unsigned, ArrayRef<OpFoldResult> offsets,
                                                                ArrayRef<OpFoldResult> sizes) {
  return getTiledImplementation(b, offsets, sizes); // the iteration space is the result's
}

//===----------------------------------------------------------------------===//
// BufferizableOpInterface
//===----------------------------------------------------------------------===//

bool PackedMatmulOp::bufferizesToMemoryRead(OpOperand &, const bufferization::AnalysisState &) {
  return true; // the init is accumulated into
}

bool PackedMatmulOp::bufferizesToMemoryWrite(OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList PackedMatmulOp::getAliasingValues(OpOperand &operand,
                                                                   const bufferization::AnalysisState &) {
  return initAliasing(*this, operand);
}

LogicalResult PackedMatmulOp::bufferize(RewriterBase &rewriter, const bufferization::BufferizationOptions &options,
                                        bufferization::BufferizationState &state) {
  auto buffers = buffersOf(rewriter, {getLhs(), getPacked(), getInit()}, options, state);
  if (failed(buffers))
    return failure();
  PackedMatmulOp::create(rewriter, getLoc(), TypeRange{}, (*buffers)[0], (*buffers)[1], (*buffers)[2], getCol());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, (*buffers)[2]);
  return success();
}
