//===- CollapseContiguousLoops.cpp - merge loops that walk contiguous memory ---===//
//
// An elementwise kernel over a 1x672x14x14 tensor lowers to four loops whose innermost runs 14 times:
// too short for 16-lane vectors, and the vectorizer's remainder handling dominates. Where every operand
// lays two adjacent loops out contiguously (the outer stride is the inner extent times the inner
// stride, or the operand does not depend on either loop), the loops merge into one; a workgroup's slice
// of that kernel becomes a single loop of tens of thousands of iterations. Runs on bufferized kernels,
// where the strides of each workgroup's subview are known. A broadcast operand's unit dims (indexed by
// constant 0, as a per-channel scale 1xCx1x1 is) are dropped from it first, so they do not keep the
// loops over them apart.
//
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_COLLAPSECONTIGUOUSLOOPS
#include "passes/Passes.h.inc"

namespace {

/// How `map`'s results group when its loops are grouped as `loops` (each result a loop dim).
std::optional<SmallVector<ReassociationIndices>> operandGroups(AffineMap map,
                                                               ArrayRef<ReassociationIndices> loops) {
  SmallVector<unsigned> groupOf(map.getNumDims());
  for (auto [g, group] : llvm::enumerate(loops))
    for (int64_t d : group)
      groupOf[d] = g;
  SmallVector<ReassociationIndices> result;
  std::optional<unsigned> previous;
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim)
      return std::nullopt;
    unsigned g = groupOf[dim.getPosition()];
    if (previous && *previous == g)
      result.back().push_back(i);
    else
      result.push_back({static_cast<int64_t>(i)});
    previous = g;
  }
  return result;
}

/// Whether grouping `op`'s loops as `loops` keeps every operand a plain strided view.
bool collapsible(linalg::LinalgOp op, ArrayRef<ReassociationIndices> loops) {
  // A loop indexing one operand twice (a diagonal) has no single place in a collapsed operand.
  if (!llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) { return m.isProjectedPermutation(); }))
    return false;
  if (!linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), loops))
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      return false;
    if (type.getRank() == 0)
      continue;
    auto groups = operandGroups(op.getMatchingIndexingMap(&operand), loops);
    if (!groups || !memref::CollapseShapeOp::isGuaranteedCollapsible(type, *groups))
      return false;
  }
  return true;
}

/// The coarsest grouping of consecutive loops of one iterator type that keeps every operand strided.
SmallVector<ReassociationIndices> loopGroups(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < op.getNumLoops(); ++d)
    groups.push_back({d});
  for (size_t g = 0; g + 1 < groups.size();) {
    if (iterators[groups[g].back()] != iterators[groups[g + 1].front()]) {
      ++g;
      continue;
    }
    SmallVector<ReassociationIndices> merged(groups.begin(), groups.end());
    llvm::append_range(merged[g], merged[g + 1]);
    merged.erase(merged.begin() + g + 1);
    if (collapsible(op, merged))
      groups = std::move(merged);
    else
      ++g;
  }
  return groups;
}

/// Drops the unit dims that `op` indexes with a constant 0 from its input operands (a 1xCx1x1 scale read
/// as (n, c, 0, 0) becomes a C-element operand read as (c)), folding each into a neighbouring dim.
void dropBroadcastUnitDims(linalg::GenericOp op, RewriterBase &rewriter) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool changed = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(input->get().getType());
    AffineMap map = maps[input->getOperandNumber()];
    if (!type || type.getRank() == 0)
      continue;
    SmallVector<AffineExpr> kept;
    SmallVector<ReassociationIndices> groups;
    bool dropped = false, pending = false; // pending: unit dims before the first kept result
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      auto constant = dyn_cast<AffineConstantExpr>(expr);
      if (constant && constant.getValue() == 0 && type.getDimSize(i) == 1) {
        dropped = true;
        if (groups.empty()) {
          groups.push_back({});
          pending = true;
        }
        groups.back().push_back(i);
        continue;
      }
      if (groups.empty() || !pending)
        groups.push_back({});
      pending = false;
      groups.back().push_back(i);
      kept.push_back(expr);
    }
    if (!dropped)
      continue;
    if (kept.empty())
      groups.clear(); // every dim is a unit one: a rank-0 operand
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups))
      continue;
    rewriter.setInsertionPoint(op);
    Value collapsed = memref::CollapseShapeOp::create(rewriter, op.getLoc(), input->get(), groups);
    rewriter.modifyOpInPlace(op, [&] { input->set(collapsed); });
    maps[input->getOperandNumber()] = AffineMap::get(map.getNumDims(), 0, kept, op.getContext());
    changed = true;
  }
  if (changed)
    rewriter.modifyOpInPlace(op, [&] { op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps)); });
}

struct CollapseContiguousLoopsPass : impl::CollapseContiguousLoopsBase<CollapseContiguousLoopsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (isa<linalg::GenericOp, linalg::CopyOp>(op.getOperation()) && op.hasPureBufferSemantics() &&
          op.getNumLoops() > 1)
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
        dropBroadcastUnitDims(generic, rewriter);
      SmallVector<ReassociationIndices> groups = loopGroups(op);
      if (groups.size() == op.getNumLoops())
        continue;
      SmallVector<ReassociationIndices> folded;
      for (ReassociationIndices &group : groups)
        if (group.size() > 1)
          folded.push_back(group);
      rewriter.setInsertionPoint(op);
      if (succeeded(linalg::collapseOpIterationDims(op, folded, rewriter)))
        rewriter.eraseOp(op);
    }
  }
};
} // namespace
} // namespace tessera
