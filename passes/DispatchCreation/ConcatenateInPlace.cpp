//===- ConcatenateInPlace.cpp - concatenations written where they end up --===//
//
// A Concat lowers to inserts of each part into an empty tensor: a kernel that copies every part once more
// after the kernels that computed them (and, on several threads, copies what other cores just wrote).
// Where each part is a contiguous byte range of the result and is computed by a kernel whose result
// nothing else reads, the kernels can write their parts straight into the result's buffer instead. This
// pass marks such insert chains with `tessera.in_place` (each part's byte offset): dispatch formation then leaves them on the host,
// and the host schedule gives each part's kernel a view of the result's buffer at the part's offset
// (tessera-host-assign-buffers), so the concatenation costs nothing.
//
// Contiguous: the part is whole along every dim after its concatenation axis and one element along every
// dim before it (channels of an NCHW image with batch 1, say). Every part starts on a 64-byte boundary,
// so kernels on different threads never share a cache line.
//
#include "passes/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_CONCATENATEINPLACE
#include "passes/Passes.h.inc"

namespace {

constexpr uint64_t kPartAlignment = 64;

/// The byte offset of `insert`'s part in its destination when the part is a contiguous range of it.
std::optional<uint64_t> contiguousPartOffset(tensor::InsertSliceOp insert) {
  RankedTensorType dest = insert.getDestType();
  if (!insert.hasUnitStride() || !dest.hasStaticShape() || !insert.getSourceType().hasStaticShape() ||
      insert.getSourceType().getRank() != dest.getRank())
    return std::nullopt;
  unsigned bits = dest.getElementTypeBitWidth();
  if (bits == 0 || bits % 8 != 0)
    return std::nullopt;
  ArrayRef<int64_t> offsets = insert.getStaticOffsets(), sizes = insert.getStaticSizes();
  if (ShapedType::isDynamicShape(offsets) || ShapedType::isDynamicShape(sizes))
    return std::nullopt;
  // Outer dims of one element, then at most one partial dim, then whole dims.
  int64_t rank = dest.getRank(), axis = 0;
  while (axis < rank && sizes[axis] == 1)
    ++axis;
  for (int64_t d = axis + 1; d < rank; ++d)
    if (sizes[d] != dest.getDimSize(d))
      return std::nullopt;
  int64_t element = 0;
  for (int64_t d = 0; d < rank; ++d)
    element = element * dest.getDimSize(d) + offsets[d];
  return uint64_t(element) * (bits / 8);
}

/// Whether `v` will be the result of a kernel that computes nothing else: a compute op's only result,
/// read by nothing but the insert.
bool producedByKernel(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumResults() != 1 || !v.hasOneUse() || isa<linalg::FillOp>(def))
    return false;
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(def); insert && insert->hasAttr(kInPlaceAttr))
    return false;
  return isa<linalg::LinalgOp, dispatch::WinogradConv2DOp, dispatch::PackedMatmulOp, tensor::PadOp,
             tensor::ExtractSliceOp, tensor::InsertSliceOp>(def);
}

/// The inserts of the chain that `first` starts (it writes into a tensor.empty, which concatenations of
/// one shape may share), first to last, when every one can be written in place and together they cover
/// the result exactly once (each with its part's byte offset); otherwise empty.
SmallVector<std::pair<tensor::InsertSliceOp, uint64_t>> inPlaceChain(tensor::InsertSliceOp first) {
  SmallVector<std::pair<tensor::InsertSliceOp, uint64_t>> chain;
  SmallVector<std::pair<uint64_t, uint64_t>> ranges; // [start, end) in bytes
  auto type = first.getDestType();
  if (!first.getDest().getDefiningOp<tensor::EmptyOp>() || !type.hasStaticShape() || type.getNumElements() == 0)
    return {};
  for (tensor::InsertSliceOp insert = first; insert; insert = nextInsertInChain(insert)) {
    auto offset = contiguousPartOffset(insert);
    if (!offset || *offset % kPartAlignment != 0 || !producedByKernel(insert.getSource()) ||
        insert.getSource().getParentBlock() != insert->getBlock())
      return {};
    uint64_t bytes = uint64_t(insert.getSourceType().getNumElements()) * (type.getElementTypeBitWidth() / 8);
    ranges.push_back({*offset, *offset + bytes});
    chain.push_back({insert, *offset});
  }
  if (chain.size() < 2)
    return {};
  llvm::sort(ranges);
  uint64_t covered = 0;
  for (auto [start, end] : ranges) {
    if (start != covered)
      return {}; // a gap or an overlap
    covered = end;
  }
  if (covered != uint64_t(type.getNumElements()) * (type.getElementTypeBitWidth() / 8))
    return {};
  return chain;
}

struct ConcatenateInPlacePass : impl::ConcatenateInPlaceBase<ConcatenateInPlacePass> {
  void runOnOperation() override {
    Builder b(&getContext());
    getOperation().walk([&](tensor::InsertSliceOp first) {
      for (auto [insert, offset] : inPlaceChain(first))
        insert->setAttr(kInPlaceAttr, b.getI64IntegerAttr(int64_t(offset)));
    });
  }
};

} // namespace
} // namespace tessera
