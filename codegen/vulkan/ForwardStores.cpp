//===- ForwardStores.cpp - reuse what a kernel stored instead of loading it back -===//
//
// A dispatch's fused nests hand each element to the next through its output buffer: the fill stores zero, the
// contraction loads it back, stores its sum, the epilogue loads that back and stores the result. A device
// cannot see that those loads return what this invocation just stored, so each element paid two loads and
// two stores more than it needs. Within a block, a load of an element stored (or loaded) earlier with nothing
// in between that may write it takes that value, and a store overwritten before anything may read it is
// dropped. Elements are compared by their index values (ElementIndices.h).
//
#include "codegen/vulkan/ElementIndices.h"
#include "codegen/vulkan/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_FORWARDSTORES
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// An element's value known at the current point of the block, and the store that wrote it if nothing may
/// have read that store since.
struct Known {
  Value memref;
  SmallVector<Value> indices;
  Value value;
  memref::StoreOp unreadStore;
};

class BlockForwarder {
public:
  void run(Block &block) {
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto load = dyn_cast<memref::LoadOp>(op))
        visitLoad(load);
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        visitStore(store);
      else if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op))
        visitOther(op);
    }
  }

private:
  Known *find(Value memref, ValueRange indices) {
    for (Known &k : known)
      if (k.memref == memref && llvm::equal(k.indices, indices))
        return &k;
    return nullptr;
  }

  void visitLoad(memref::LoadOp load) {
    if (Known *k = find(load.getMemRef(), load.getIndices())) {
      load.getResult().replaceAllUsesWith(k->value);
      load.erase();
      return;
    }
    // Stores this load may read are no longer dead when overwritten.
    for (Known &k : known)
      if (k.memref == load.getMemRef() && !provablyDistinct(k.indices, load.getIndices()))
        k.unreadStore = nullptr;
    known.push_back({load.getMemRef(), SmallVector<Value>(load.getIndices()), load.getResult(), nullptr});
  }

  void visitStore(memref::StoreOp store) {
    Value memref = store.getMemRef();
    if (Known *same = find(memref, store.getIndices()); same && same->unreadStore)
      same->unreadStore.erase();
    // What is known of elements this store may overwrite is stale.
    llvm::erase_if(known, [&](Known &k) {
      return k.memref == memref && !provablyDistinct(k.indices, store.getIndices());
    });
    known.push_back({memref, SmallVector<Value>(store.getIndices()), store.getValueToStore(), store});
  }

  /// A loop or branch (or any other op that touches memory): what it loads makes earlier stores live, what it
  /// stores makes knowledge stale; anything else it does to memory forgets everything.
  void visitOther(Operation &op) {
    DenseSet<Value> read, written;
    bool opaque = false;
    op.walk([&](Operation *inner) {
      if (auto load = dyn_cast<memref::LoadOp>(inner))
        read.insert(load.getMemRef());
      else if (auto store = dyn_cast<memref::StoreOp>(inner))
        written.insert(store.getMemRef());
      else if (!inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>() && !isMemoryEffectFree(inner))
        opaque = true;
    });
    if (opaque) {
      known.clear();
      return;
    }
    for (Known &k : known)
      if (read.contains(k.memref))
        k.unreadStore = nullptr;
    llvm::erase_if(known, [&](Known &k) { return written.contains(k.memref); });
  }

  SmallVector<Known> known;
};

struct ForwardStoresPass : impl::ForwardStoresBase<ForwardStoresPass> {
  void runOnOperation() override {
    getOperation()->walk([](Block *block) { BlockForwarder().run(*block); });
  }
};

} // namespace
} // namespace tessera::vulkan
