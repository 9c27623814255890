//===- DistributeToWorkgroups.cpp - tile kernels into workgroups ----------===//
//
// A kernel's workgroups partition its final op along one parallel loop; every producer in the kernel
// is fused into the tile so each workgroup computes its slice of the result independently. The
// runtime runs workgroups in any order and concurrently, the same model as a Vulkan dispatch.
//
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_DISTRIBUTETOWORKGROUPS
#include "codegen/cpu/Passes.h.inc"

namespace {

/// Tiles `func`'s result op; returns the number of workgroups (1 when the kernel stays whole).
int64_t distribute(func::FuncOp func, int64_t maxWorkgroups) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (ret.getNumOperands() != 1)
    return 1;
  auto op = ret.getOperand(0).getDefiningOp<TilingInterface>();
  if (!op || !isa<linalg::LinalgOp>(op.getOperation()))
    return 1;
  IRRewriter rewriter(func.getContext());
  rewriter.setInsertionPoint(op);
  SmallVector<utils::IteratorType> iterators = op.getLoopIteratorTypes();
  SmallVector<Range> domain = op.getIterationDomain(rewriter);
  // Empty iteration spaces have nothing to split (and tiling them would divide by zero).
  for (const Range &range : domain)
    if (auto size = getConstantIntValue(range.size); size && *size == 0)
      return 1;
  int64_t dim = -1, size = 0;
  for (auto [i, it] : llvm::enumerate(iterators)) {
    auto ub = getConstantIntValue(domain[i].size);
    if (it == utils::IteratorType::parallel && ub && *ub > 1) {
      dim = i;
      size = *ub;
      break;
    }
  }
  if (dim < 0)
    return 1;
  int64_t workgroups = std::min(size, maxWorkgroups);
  int64_t tile = (size + workgroups - 1) / workgroups;
  workgroups = (size + tile - 1) / tile;
  SmallVector<OpFoldResult> tileSizes(iterators.size(), rewriter.getIndexAttr(0));
  tileSizes[dim] = rewriter.getIndexAttr(tile);
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(tileSizes).setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  auto result = scf::tileConsumerAndFuseProducersUsingSCF(rewriter, op, options);
  if (failed(result))
    return 1;
  for (OpResult r : op->getResults())
    if (Value replacement = result->replacements.lookup(r))
      rewriter.replaceAllUsesWith(r, replacement);
  return workgroups;
}

struct DistributeToWorkgroupsPass
    : impl::DistributeToWorkgroupsBase<DistributeToWorkgroupsPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      int64_t count = distribute(func, maxWorkgroups);
      func->setAttr(kWorkgroupCountAttr, IntegerAttr::get(IntegerType::get(&getContext(), 64), count));
    }
  }
};
} // namespace
} // namespace tessera::cpu
