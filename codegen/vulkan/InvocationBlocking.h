//===- InvocationBlocking.h - several elements per device invocation --------===//
//
// A contraction computed one element per invocation loads both operands for every multiply-add. When each
// invocation computes a block of Ra x Rb elements instead, the copies share every load whose indices do not
// depend on a blocked dim (a matmul's A row across its columns, its B column across its rows): Ra + Rb loads
// per step instead of 2 Ra Rb, with the accumulators in registers (PromoteAccumulators). This chooses the
// block from the nests' loads and clones the copies' bodies jammed, so loads they share sit side by side.
//
#ifndef TESSERA_CODEGEN_VULKAN_INVOCATIONBLOCKING_H
#define TESSERA_CODEGEN_VULKAN_INVOCATIONBLOCKING_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace tessera::vulkan {

/// Trip count assumed for a dim whose trip count the dispatch passes, when counting the blocks left.
inline constexpr int64_t kAssumedRunTimeTrips = 256;

/// Elements per invocation along each dim of the nests' common iteration space (`trips` iterations per
/// dim, ShapedType::kDynamic for a run-time trip count: never blocked, counted as kAssumedRunTimeTrips),
/// 1 where a dim is not blocked; all ones when no block saves loads. At most two dims are blocked,
/// at most `maxAccumulators` elements in all, leaving at least `minInvocations` whole blocks. A block need
/// not divide its dims: the last elements (trips % factor) are computed one per invocation, and counted so.
/// Only loads inside reduction loops (run once per multiply-add) are counted; a buffer the loop stores to
/// is an accumulator, kept in registers, not counted.
llvm::SmallVector<int64_t> chooseInvocationBlock(llvm::ArrayRef<mlir::scf::ParallelOp> nests,
                                                 llvm::ArrayRef<int64_t> trips, int64_t maxAccumulators,
                                                 int64_t minInvocations);

/// Clones `ops` once per mapping in `copies` (each maps the nests' induction variables to one element of
/// the block). A loop without results whose bounds are the same in every copy is created once, holding the
/// copies' bodies (recursively): unroll-and-jam. Legal because the copies are distinct iterations of
/// parallel nests, which touch no element another iteration writes.
void cloneJammed(mlir::OpBuilder &b, llvm::ArrayRef<mlir::Operation *> ops,
                 llvm::MutableArrayRef<mlir::IRMapping> copies);

} // namespace tessera::vulkan

#endif
