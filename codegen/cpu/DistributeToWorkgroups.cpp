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

/// Where `func`'s dispatch constants come from (the kernel ABI's layout): the dynamic dims of the
/// bindings (tensor arguments, then results) in binding and dim order, then the index arguments in order.
struct DispatchConstants {
  func::FuncOp func;

  static int64_t dynamicDims(Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped ? static_cast<int64_t>(llvm::count_if(shaped.getShape(), ShapedType::isDynamic)) : 0;
  }

  std::optional<unsigned> argumentNumber(Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != &func.getBody().front())
      return std::nullopt;
    return arg.getArgNumber();
  }

  /// The constant holding `size`, an index value of the kernel.
  std::optional<int64_t> of(Value size) {
    FunctionType type = func.getFunctionType();
    if (std::optional<unsigned> n = argumentNumber(size); n && size.getType().isIndex()) {
      int64_t index = 0;
      for (Type t : llvm::concat<const Type>(type.getInputs(), type.getResults()))
        index += dynamicDims(t);
      for (unsigned i = 0; i < *n; ++i)
        index += type.getInput(i).isIndex();
      return index;
    }
    auto dim = size.getDefiningOp<tensor::DimOp>();
    std::optional<int64_t> d = dim ? dim.getConstantIndex() : std::nullopt;
    return d ? ofDim(dim.getSource(), *d) : std::nullopt;
  }

  /// The constant holding dim `d` of `tensor`: an argument's, or followed through a tensor.empty's sizes
  /// and destination-style ops' destinations.
  std::optional<int64_t> ofDim(Value tensor, int64_t d) {
    auto type = cast<ShapedType>(tensor.getType());
    if (d < 0 || d >= type.getRank() || !type.isDynamicDim(d))
      return std::nullopt;
    if (std::optional<unsigned> n = argumentNumber(tensor)) {
      int64_t index = 0;
      for (unsigned i = 0; i < *n; ++i)
        index += dynamicDims(func.getFunctionType().getInput(i));
      return index + llvm::count_if(type.getShape().take_front(d), ShapedType::isDynamic);
    }
    if (auto empty = tensor.getDefiningOp<tensor::EmptyOp>())
      return of(empty.getDynamicSize(d));
    if (auto dps = tensor.getDefiningOp<DestinationStyleOpInterface>())
      return ofDim(dps.getTiedOpOperand(cast<OpResult>(tensor))->get(), d);
    return std::nullopt;
  }
};

/// For a loop split at run time (a `?` tile): the tile, computed in the kernel from its loop sizes the
/// way the host computes the grid (the export's run_time_grid), and that formula. Nullopt when a size
/// does not come from a dispatch constant (the kernel then runs whole).
std::optional<std::pair<Value, SmallVector<int64_t>>> runTimeTile(OpBuilder &b, Location loc, func::FuncOp func,
                                                                   ArrayRef<Range> domain, unsigned split,
                                                                   int64_t maxWorkgroups) {
  SmallVector<int64_t> grid{kMinIterationsPerWorkgroup, maxWorkgroups, 1, 0};
  Value work = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [i, range] : llvm::enumerate(domain)) {
    if (std::optional<int64_t> size = getConstantIntValue(range.size)) {
      grid[2] *= std::max<int64_t>(*size, 1);
      continue;
    }
    std::optional<int64_t> constant = DispatchConstants{func}.of(cast<Value>(range.size));
    if (!constant)
      return std::nullopt;
    if (i == split)
      grid[3] = *constant;
    else
      grid.push_back(*constant);
    work = arith::MulIOp::create(b, loc, work, cast<Value>(range.size));
  }
  // w = clamp(ceil(S * work / I), 1, W); tile = max(ceil(size / w), 1). The host's grid: ceil(size / tile).
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  work = arith::MulIOp::create(b, loc, work, index(grid[2]));
  Value wanted = arith::CeilDivUIOp::create(b, loc, work, index(grid[0]));
  wanted = arith::MinUIOp::create(b, loc, arith::MaxUIOp::create(b, loc, wanted, index(1)), index(maxWorkgroups));
  Value tile = arith::CeilDivUIOp::create(b, loc, cast<Value>(domain[split].size), wanted);
  return std::make_pair(arith::MaxUIOp::create(b, loc, tile, index(1)).getResult(), grid);
}

/// Tiles `func`'s result op by `config`; returns the number of workgroups (1 when the kernel stays whole,
/// 0 when the kernel's run-time dims decide it).
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
  for (auto [i, range, tile] : llvm::enumerate(domain, tiles)) {
    if (ShapedType::isDynamic(tile)) {
      auto computed = runTimeTile(rewriter, op.getLoc(), func, domain, i, config.getWorkgroups());
      if (!computed)
        return 1; // a size the host cannot see: the kernel runs whole
      tileSizes.push_back(computed->first);
      func->setAttr(kRunTimeGridAttr, rewriter.getDenseI64ArrayAttr(computed->second));
      workgroups = 0;
      continue;
    }
    tileSizes.push_back(rewriter.getIndexAttr(tile));
    if (tile == 0)
      continue;
    std::optional<int64_t> size = getConstantIntValue(range.size);
    if (!size)
      return op.emitOpError("is tiled along a loop of dynamic size by its lowering configuration");
    workgroups *= llvm::divideCeilSigned(*size, tile);
  }
  if (workgroups != 0 && workgroups != config.getWorkgroups())
    return op.emitOpError("is tiled into ") << workgroups << " workgroups, but its lowering configuration says "
                                            << config.getWorkgroups();
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(tileSizes).setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  auto result = scf::tileConsumerAndFuseProducersUsingSCF(rewriter, op, options);
  if (failed(result)) {
    func->removeAttr(kRunTimeGridAttr);
    return 1; // the kernel runs whole
  }
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
