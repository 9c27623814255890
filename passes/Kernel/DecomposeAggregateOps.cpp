//===- DecomposeAggregateOps.cpp - aggregate ops -> reductions and generics ----===//
//
// Aggregate ops (linalg.softmax, tdisp.layer_norm) become the ops of their decomposition: row
// statistics (a max and a sum of exponentials; a mean and a variance) and the elementwise pass that
// uses them. Where this runs decides the kernels: after workgroup distribution, every op works on one
// workgroup's rows. Chunked first, every op works on rows that fit in L1.
//
#include "passes/Passes.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_DECOMPOSEAGGREGATEOPS
#include "passes/Passes.h.inc"

namespace {

/// Input bytes of a chunk: a chunk's rows stay in L1 (32-48 KiB) while its statistics and its result
/// are computed, with room for the result.
constexpr int64_t kChunkBytes = 16 * 1024;
/// What a row dim of run-time size counts for.
constexpr int64_t kAssumedRowElements = 256;

/// Tile sizes that cut `op`'s rows (its parallel loops) into chunks of about kChunkBytes of input, or
/// nothing when one chunk would hold them all. Rows are counted from the innermost parallel loop out:
/// a loop that fits whole in what is left of the chunk is not cut, the first that does not is cut to
/// fit, and the loops outside it go one at a time.
std::optional<SmallVector<int64_t>> chunkTiles(TilingInterface op) {
  SmallVector<utils::IteratorType> iterators = op.getLoopIteratorTypes();
  // Softmax and layer normalization iterate over their result's dims: its type gives the loop sizes
  // without building them in the IR.
  auto result = op->getNumResults() == 1 ? dyn_cast<ShapedType>(op->getResult(0).getType()) : ShapedType();
  if (!result || result.getRank() != static_cast<int64_t>(iterators.size()) ||
      !result.getElementType().isIntOrFloat())
    return std::nullopt;
  ArrayRef<int64_t> sizes = result.getShape();
  int64_t rowBytes = result.getElementTypeBitWidth() / 8;
  for (auto [it, size] : llvm::zip(iterators, sizes))
    if (it == utils::IteratorType::reduction)
      rowBytes *= ShapedType::isDynamic(size) ? kAssumedRowElements : size;
  int64_t rows = std::max<int64_t>(kChunkBytes / std::max<int64_t>(rowBytes, 1), 1);
  SmallVector<int64_t> tiles(sizes.size(), 0);
  bool cut = false;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    if (iterators[d] != utils::IteratorType::parallel)
      continue;
    if (cut) {
      tiles[d] = 1;
    } else if (!ShapedType::isDynamic(sizes[d]) && sizes[d] <= rows) {
      rows /= std::max<int64_t>(sizes[d], 1);
    } else {
      tiles[d] = rows;
      cut = true;
    }
  }
  if (!cut)
    return std::nullopt;
  return tiles;
}

/// `op` tiled into a loop over chunks of its rows; the op inside the loop, or `op` itself when it is
/// not worth cutting (or cannot be).
Operation *chunk(IRRewriter &rewriter, Operation *op) {
  auto tileable = dyn_cast<TilingInterface>(op);
  if (!tileable)
    return op;
  std::optional<SmallVector<int64_t>> tiles = chunkTiles(tileable);
  if (!tiles)
    return op;
  rewriter.setInsertionPoint(op);
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), *tiles))
      .setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(rewriter, tileable, options);
  if (failed(tiled) || tiled->tiledOps.size() != 1)
    return op;
  rewriter.replaceOp(op, tiled->replacements);
  return tiled->tiledOps.front();
}

struct DecomposeAggregateOpsPass : impl::DecomposeAggregateOpsBase<DecomposeAggregateOpsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<Operation *> aggregates;
    getOperation().walk([&](linalg::AggregatedOpInterface op) { aggregates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (Operation *op : aggregates) {
      if (chunkRows)
        op = chunk(rewriter, op);
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> results = cast<linalg::AggregatedOpInterface>(op).decomposeOperation(rewriter);
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
