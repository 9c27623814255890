//===- WinogradConv2DOp.cpp - verifier, tiling and bufferization ----------===//
//
// The op tiles along its output dims (n, f, rows, columns): a tile reads the whole image of its batch
// rows (the window start moves instead, so no halo arithmetic), the filter slice of its filters and
// the slice of `init` it writes. Bufferization is destination style: `init`'s buffer is the result.
//
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace tessera::dispatch;

namespace {

constexpr int64_t kTransformedTaps = 36; // (4 + 3 - 1)^2 points of F(4x4, 3x3)

bool compatible(int64_t a, int64_t b) { return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b; }

OpFoldResult dimOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  if (isa<RankedTensorType>(v.getType()))
    return tensor::getMixedSize(b, loc, v, d);
  return memref::getMixedSize(b, loc, v, d);
}

} // namespace

LogicalResult WinogradConv2DOp::verify() {
  auto input = cast<ShapedType>(getInput().getType()), filter = cast<ShapedType>(getFilter().getType()),
       init = cast<ShapedType>(getInit().getType());
  if (input.getRank() != 4 || filter.getRank() != 3 || init.getRank() != 4)
    return emitOpError("expects a rank-4 input and init and a rank-3 transformed filter");
  if (!input.getElementType().isF32() || !filter.getElementType().isF32() || !init.getElementType().isF32())
    return emitOpError("expects f32 operands");
  if (!compatible(filter.getDimSize(0), kTransformedTaps))
    return emitOpError("expects ") << kTransformedTaps << " transformed taps in filter dim 0, got "
                                   << filter.getDimSize(0);
  if (!compatible(filter.getDimSize(1), init.getDimSize(1)) || !compatible(filter.getDimSize(2), input.getDimSize(1)) ||
      !compatible(input.getDimSize(0), init.getDimSize(0)))
    return emitOpError("filter [taps, F, C], input [N, C, H, W] and init [N, F, OH, OW] disagree");
  bool tensors = isa<RankedTensorType>(init);
  if (tensors != isa<RankedTensorType>(input) || tensors != isa<RankedTensorType>(filter))
    return emitOpError("expects all tensors or all buffers");
  if (tensors ? getNumResults() != 1 || getResult()[0].getType() != init : getNumResults() != 0)
    return emitOpError("on tensors has one result of the init's type; on buffers none");
  return success();
}

void WinogradConv2DOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  if (isa<RankedTensorType>(getInit().getType()))
    return;
  effects.emplace_back(MemoryEffects::Read::get(), &getInputMutable(), SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Read::get(), &getFilterMutable(), SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Read::get(), &getInitMutable(), SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Write::get(), &getInitMutable(), SideEffects::DefaultResource::get());
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
    domain.push_back({b.getIndexAttr(0), dimOf(b, getLoc(), getInit(), d), b.getIndexAttr(1)});
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
                     {sizes[0], dimOf(b, loc, x, 1), dimOf(b, loc, x, 2), dimOf(b, loc, x, 3)});
  auto filter = slice(w, {zero, offsets[1], zero}, {dimOf(b, loc, w, 0), sizes[1], dimOf(b, loc, w, 2)});
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
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  return success();
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
  if (isDpsInit(&operand))
    return {{getTiedOpResult(&operand), bufferization::BufferRelation::Equivalent}};
  return {};
}

LogicalResult WinogradConv2DOp::bufferize(RewriterBase &rewriter, const bufferization::BufferizationOptions &options,
                                          bufferization::BufferizationState &state) {
  SmallVector<Value> buffers;
  for (Value v : {getInput(), getFilter(), getInit()}) {
    FailureOr<Value> buffer = bufferization::getBuffer(rewriter, v, options, state);
    if (failed(buffer))
      return failure();
    buffers.push_back(*buffer);
  }
  WinogradConv2DOp::create(rewriter, getLoc(), TypeRange{}, buffers[0], buffers[1], buffers[2], getRow(), getCol());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, buffers[2]);
  return success();
}
