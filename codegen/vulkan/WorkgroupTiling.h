//===- WorkgroupTiling.h - a contraction's operands staged in workgroup memory ---===//
//
// On a discrete GPU an invocation's register block still loads every operand from device memory, and the
// invocations of a workgroup load the same ones: a product's A row for each of its column lanes. With
// workgroup tiles, a workgroup computes a tile of the output (its invocations a register block each) and
// walks the reduction loop in chunks: the workgroup copies each operand's elements of the chunk into
// workgroup memory once, cooperatively, waits at a barrier, and every invocation reads them from there.
// Any reduction loop qualifies whose loads of read-only bindings are computed from the nest's dims, the
// loop and loops nested in it with constant bounds (products, batched products, convolutions).
//
#ifndef TESSERA_CODEGEN_VULKAN_WORKGROUPTILING_H
#define TESSERA_CODEGEN_VULKAN_WORKGROUPTILING_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <optional>
#include <vector>

namespace tessera::vulkan {

/// A workgroup's tile: per nest dim, its invocations along it and the elements each computes (1 and 1 for
/// dims it does not tile): lanes[d] * block[d] elements.
struct WorkgroupTile {
  llvm::SmallVector<int64_t> dims; // the tiled dims, outermost first
  llvm::SmallVector<int64_t> lanes, block;
  int64_t extent(size_t d) const { return lanes[d] * block[d]; }
};

/// Tiles the dims whose elements share loads (the register block's dims, InvocationBlocking.h) with
/// `workgroupSize` invocations of at most `maxAccumulators` elements each; none when no dim shares loads
/// or a tiled dim is shorter than its lanes.
std::optional<WorkgroupTile> chooseWorkgroupTile(llvm::ArrayRef<mlir::scf::ParallelOp> nests,
                                                 llvm::ArrayRef<int64_t> trips, int64_t maxAccumulators,
                                                 int64_t workgroupSize);

/// An operand of the reduction loop held in workgroup memory: for each chunk, every element the tile's
/// invocations load, indexed by [the tile's offset along each tiled dim the load depends on][the chunk's
/// iteration][each nested loop's iteration it depends on, outermost first].
struct StagedLoad {
  mlir::memref::LoadOp load;
  llvm::SmallVector<mlir::Operation *> slice; // the pure ops computing its indices, in program order
  llvm::SmallVector<int64_t> tiledDims;       // nest dims of the tile it depends on
  llvm::SmallVector<mlir::scf::ForOp> innerLoops;
  llvm::SmallVector<int64_t> shape; // of its workgroup buffer
};

/// How one reduction loop of a tile runs in chunks.
struct WorkgroupStaging {
  mlir::scf::ParallelOp nest;
  mlir::scf::ForOp reduction;
  int64_t trip = 0, chunk = 0; // iterations of the loop, and per chunk
  std::vector<StagedLoad> loads;
};

/// Plans the staging of the first reduction loop of `nests` whose operands can be staged, for a tile of
/// `tile[d]` elements along each dim (1 for dims not tiled) and `budgetBytes` of workgroup memory; none
/// when no loop has a staged operand that tiles share or the buffers do not fit.
std::optional<WorkgroupStaging> planWorkgroupStaging(mlir::func::FuncOp func, llvm::ArrayRef<mlir::scf::ParallelOp> nests,
                                                     llvm::ArrayRef<int64_t> tile, int64_t budgetBytes);

/// What a tile's invocation knows where the reduction loop runs.
struct TileInvocation {
  mlir::IRMapping &kernel;                    // the kernel's constants
  llvm::ArrayRef<mlir::Value> firstIv;        // per nest dim, its induction variable at the tile's first element
  llvm::ArrayRef<int64_t> steps;              // per nest dim, its step
  mlir::Value lane;                           // the invocation's index in its workgroup
  int64_t workgroupSize;
  llvm::MutableArrayRef<mlir::IRMapping> copies;          // per element of its block, the nests' mapping
  llvm::ArrayRef<llvm::SmallVector<mlir::Value>> offsets; // per copy, its offset in the tile per nest dim
};

/// Emits the planned loop for a tile at `b`: per chunk, the cooperative copies into `buffers` (one per
/// staged load, in workgroup memory), a barrier, the loop's body for the chunk's iterations jammed over
/// the copies (reading the staged operands from the buffers), and a barrier. Every invocation of the
/// workgroup must reach it (the barriers).
void emitStagedReduction(mlir::OpBuilder &b, WorkgroupStaging &plan, llvm::ArrayRef<mlir::Value> buffers,
                         TileInvocation &invocation);

} // namespace tessera::vulkan

#endif
