//===- DistributeToWorkgroups.cpp - tile kernels into workgroups ----------===//
//
// A kernel's workgroups partition its final op as its lowering configuration says (the tiles chosen by
// SelectLoweringStrategy); every producer in the kernel is fused into the tile so each workgroup
// computes its slice of the result independently. The runtime runs workgroups in any order and
// concurrently, the same model as a Vulkan dispatch.
//
#include "codegen/cpu/Passes.h"

#include "dialects/Dispatch/IR/DispatchOps.h"

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

/// Tiles `func`'s result op by `config`; returns the number of workgroups (1 when the kernel stays whole).
FailureOr<int64_t> distribute(func::FuncOp func, dispatch::LoweringConfigAttr config) {
  if (config.getWorkgroups() == 1)
    return 1;
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  auto op = ret.getNumOperands() == 1 ? ret.getOperand(0).getDefiningOp<TilingInterface>() : TilingInterface();
  if (!op)
    return func.emitOpError("has ") << config.getWorkgroups()
                                    << " workgroups in its lowering configuration but no single result op to tile";
  IRRewriter rewriter(func.getContext());
  rewriter.setInsertionPoint(op);
  SmallVector<Range> domain = op.getIterationDomain(rewriter);
  ArrayRef<int64_t> tiles = config.getTiles();
  if (tiles.size() != domain.size())
    return op.emitOpError("has ") << domain.size() << " loops but its kernel's lowering configuration tiles "
                                  << tiles.size();
  int64_t workgroups = 1;
  SmallVector<OpFoldResult> tileSizes;
  for (auto [range, tile] : llvm::zip(domain, tiles)) {
    tileSizes.push_back(rewriter.getIndexAttr(tile));
    if (tile == 0)
      continue;
    std::optional<int64_t> size = getConstantIntValue(range.size);
    if (!size)
      return op.emitOpError("is tiled along a loop of dynamic size by its lowering configuration");
    workgroups *= llvm::divideCeilSigned(*size, tile);
  }
  if (workgroups != config.getWorkgroups())
    return op.emitOpError("is tiled into ") << workgroups << " workgroups, but its lowering configuration says "
                                            << config.getWorkgroups();
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(tileSizes).setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  auto result = scf::tileConsumerAndFuseProducersUsingSCF(rewriter, op, options);
  if (failed(result))
    return 1; // the kernel runs whole
  for (OpResult r : op->getResults())
    if (Value replacement = result->replacements.lookup(r))
      rewriter.replaceAllUsesWith(r, replacement);
  // The untiled op is erased here, not left to dead-code elimination: a body that may fail
  // (tdisp.error_if, a gather's index check) has effects, so it would survive and every workgroup
  // would compute the whole result again into a temporary. The tiles check every element it checked.
  if (op->use_empty())
    rewriter.eraseOp(op);
  return workgroups;
}

struct DistributeToWorkgroupsPass
    : impl::DistributeToWorkgroupsBase<DistributeToWorkgroupsPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      auto config = func->getAttrOfType<dispatch::LoweringConfigAttr>(dispatch::kLoweringConfigAttr);
      if (!config) {
        func.emitOpError("has no lowering configuration (tessera-cpu-select-lowering-strategy chooses one)");
        return signalPassFailure();
      }
      FailureOr<int64_t> count = distribute(func, config);
      if (failed(count))
        return signalPassFailure();
      func->setAttr(kWorkgroupCountAttr, IntegerAttr::get(IntegerType::get(&getContext(), 64), *count));
    }
  }
};
} // namespace
} // namespace tessera::cpu
