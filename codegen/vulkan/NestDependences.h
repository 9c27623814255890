//===- NestDependences.h - when two parallel loop nests can run fused -------===//
//
// A device kernel runs its loop nests element by element in one grid: the second nest's body right after
// the first's, per iteration, with no barrier between workgroups. That computes what running the nests one
// after the other does only when, wherever one nest writes a buffer the other touches, both touch just the
// element of the current iteration. This is the check, on the nests' loads and stores.
//
#ifndef TESSERA_CODEGEN_VULKAN_NESTDEPENDENCES_H
#define TESSERA_CODEGEN_VULKAN_NESTDEPENDENCES_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/MapVector.h"

#include <optional>

namespace tessera::vulkan {

/// An index operand as a loop nest sees it: the nest's k-th induction variable, or a value defined
/// outside the nest. Two accesses with equal keys in two nests of equal bounds touch the same element.
struct IndexKey {
  int64_t iv = -1;
  mlir::Value outside;
  bool operator==(const IndexKey &o) const { return iv == o.iv && outside == o.outside; }
};

/// The index keys of one access; none when an index is computed inside the nest (the element it touches is
/// not known without more analysis).
using AccessKeys = std::optional<llvm::SmallVector<IndexKey>>;

/// Every load and store of a nest, by buffer.
struct NestAccesses {
  llvm::MapVector<mlir::Value, llvm::SmallVector<AccessKeys>> reads, writes;
};

NestAccesses accessesOf(mlir::scf::ParallelOp nest);

/// Whether `later` (a nest over the same iteration space) may run fused after `earlier`, element by element.
bool fusableElementwise(const NestAccesses &earlier, const NestAccesses &later);

} // namespace tessera::vulkan

#endif
