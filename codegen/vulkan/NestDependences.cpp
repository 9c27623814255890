//===- NestDependences.cpp - when two parallel loop nests can run fused ------===//
#include "codegen/vulkan/NestDependences.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace tessera::vulkan {

NestAccesses accessesOf(scf::ParallelOp nest) {
  NestAccesses out;
  auto keys = [&](ValueRange indices) -> AccessKeys {
    SmallVector<IndexKey> k;
    for (Value v : indices) {
      auto arg = dyn_cast<BlockArgument>(v);
      if (arg && arg.getOwner() == nest.getBody())
        k.push_back({(int64_t)arg.getArgNumber(), Value()});
      else if (!nest->isAncestor(v.getParentRegion()->getParentOp()))
        k.push_back({-1, v});
      else
        return std::nullopt;
    }
    return k;
  };
  nest.walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op))
      out.reads[load.getMemRef()].push_back(keys(load.getIndices()));
    else if (auto store = dyn_cast<memref::StoreOp>(op))
      out.writes[store.getMemRef()].push_back(keys(store.getIndices()));
  });
  return out;
}

bool fusableElementwise(const NestAccesses &earlier, const NestAccesses &later) {
  // Writes `a` of one nest against accesses `b` of the other: no conflict if either is empty.
  auto sameElement = [](ArrayRef<AccessKeys> a, ArrayRef<AccessKeys> b) {
    if (a.empty() || b.empty())
      return true;
    auto isFirst = [&](const AccessKeys &k) { return k && *k == *a.front(); };
    return a.front() && llvm::all_of(a, isFirst) && llvm::all_of(b, isFirst);
  };
  auto touched = [](const NestAccesses &n, Value buffer) {
    SmallVector<AccessKeys> all;
    if (auto it = n.reads.find(buffer); it != n.reads.end())
      all.append(it->second.begin(), it->second.end());
    if (auto it = n.writes.find(buffer); it != n.writes.end())
      all.append(it->second.begin(), it->second.end());
    return all;
  };
  for (auto &[buffer, writes] : earlier.writes)
    if (!sameElement(writes, touched(later, buffer)))
      return false;
  for (auto &[buffer, writes] : later.writes)
    if (!sameElement(writes, touched(earlier, buffer)))
      return false;
  return true;
}

} // namespace tessera::vulkan
