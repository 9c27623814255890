//===- PromoteAccumulators.cpp - keep a reduction's accumulators in registers ===//
//
// A contraction lowered to loops loads and stores its output element at every step of its reduction loops.
// A device cannot keep that element in a register by itself (a storage buffer store is visible to other
// invocations), so each step paid two memory accesses besides its operands. Where a loop touches a buffer
// only at indices fixed for the whole loop, the element is loaded once before it, carried as an iter_arg,
// and stored once after it. Innermost loops first, so a loop nest's accumulators rise to its outermost loop.
//
#include "codegen/vulkan/ElementIndices.h"
#include "codegen/vulkan/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_PROMOTEACCUMULATORS
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// Whether `v` is computed from which invocation runs it. A loop with such bounds (the grid-stride loop)
/// spreads its iterations over invocations: an element carried across it would be written back by
/// invocations that never ran the iteration that updates it.
bool variesByInvocation(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return false;
  if (isa<gpu::ThreadIdOp, gpu::BlockIdOp, gpu::GlobalIdOp, gpu::LaneIdOp, gpu::SubgroupIdOp>(def))
    return true;
  return llvm::any_of(def->getOperands(), variesByInvocation);
}

/// The loads and stores of one element of a buffer, in program order.
struct Element {
  Value memref;
  SmallVector<Value> indices;
  SmallVector<Operation *> accesses;
};

/// The elements of `loop` that can live in registers across it: every access to their buffer in the loop
/// is a load or store in the loop's own block at indices defined outside it, the buffer is stored to, and
/// its elements are provably distinct. Nothing else in the loop may touch memory, and every invocation runs
/// all of the loop's iterations. (An element a loop does not change is written back unchanged: each
/// belongs to the one invocation computing it.)
SmallVector<Element> promotableElements(scf::ForOp loop) {
  if (variesByInvocation(loop.getLowerBound()) || variesByInvocation(loop.getUpperBound()) ||
      variesByInvocation(loop.getStep()))
    return {};
  llvm::MapVector<Value, SmallVector<Operation *>> byBuffer;
  bool otherEffects = false;
  loop.getBody()->walk([&](Operation *op) {
    if (isa<memref::LoadOp, memref::StoreOp>(op))
      byBuffer[isa<memref::LoadOp>(op) ? cast<memref::LoadOp>(op).getMemRef()
                                       : cast<memref::StoreOp>(op).getMemRef()]
          .push_back(op);
    // A workgroup barrier orders what invocations share; the promoted elements are each one invocation's own.
    else if (!isa<gpu::BarrierOp>(op) && !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>() &&
             !isMemoryEffectFree(op))
      otherEffects = true;
  });
  SmallVector<Element> elements;
  if (otherEffects)
    return elements;
  for (auto &[memref, accesses] : byBuffer) {
    if (!llvm::any_of(accesses, [](Operation *op) { return isa<memref::StoreOp>(op); }))
      continue;
    // Workgroup memory is shared by the workgroup's invocations (the barriers order it): never promoted.
    if (cast<MemRefType>(memref.getType()).getMemorySpace())
      continue;
    SmallVector<Element> found;
    bool promotable = true;
    for (Operation *op : accesses) {
      ValueRange indices = isa<memref::LoadOp>(op) ? cast<memref::LoadOp>(op).getIndices()
                                                   : cast<memref::StoreOp>(op).getIndices();
      if (op->getBlock() != loop.getBody() ||
          !llvm::all_of(indices, [&](Value v) { return loop.isDefinedOutsideOfLoop(v); })) {
        promotable = false;
        break;
      }
      auto same = llvm::find_if(found, [&](Element &e) { return llvm::equal(e.indices, indices); });
      if (same != found.end()) {
        same->accesses.push_back(op);
        continue;
      }
      if (!llvm::all_of(found, [&](Element &e) { return provablyDistinct(e.indices, indices); })) {
        promotable = false;
        break;
      }
      found.push_back({memref, SmallVector<Value>(indices), {op}});
    }
    if (promotable)
      elements.append(found.begin(), found.end());
  }
  return elements;
}

void promote(scf::ForOp loop, ArrayRef<Element> elements) {
  IRRewriter rewriter(loop.getContext());
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> initial;
  for (const Element &e : elements)
    initial.push_back(memref::LoadOp::create(rewriter, loop.getLoc(), e.memref, e.indices));
  unsigned firstNew = loop.getNumResults();
  auto yields = [&](OpBuilder &, Location, ArrayRef<BlockArgument> carried) {
    SmallVector<Value> current(carried.begin(), carried.end());
    for (auto [i, e] : llvm::enumerate(elements))
      for (Operation *op : e.accesses) {
        if (auto load = dyn_cast<memref::LoadOp>(op))
          load.getResult().replaceAllUsesWith(current[i]);
        else
          current[i] = cast<memref::StoreOp>(op).getValueToStore();
        op->erase();
      }
    return current;
  };
  auto replaced = loop.replaceWithAdditionalYields(rewriter, initial, /*replaceInitOperandUsesInLoop=*/false, yields);
  auto newLoop = cast<scf::ForOp>(replaced->getOperation());
  rewriter.setInsertionPointAfter(newLoop);
  for (auto [i, e] : llvm::enumerate(elements))
    memref::StoreOp::create(rewriter, newLoop.getLoc(), newLoop.getResult(firstNew + i), e.memref, e.indices);
}

struct PromoteAccumulatorsPass : impl::PromoteAccumulatorsBase<PromoteAccumulatorsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); }); // innermost first
    for (scf::ForOp loop : loops)
      if (SmallVector<Element> elements = promotableElements(loop); !elements.empty())
        promote(loop, elements);
  }
};

} // namespace
} // namespace tessera::vulkan
