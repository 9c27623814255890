//===- OutlineDispatchRegions.cpp - regions -> executables + dispatches ---===//
#include "passes/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace tessera {
#define GEN_PASS_DEF_OUTLINEDISPATCHREGIONS
#include "passes/Passes.h.inc"

namespace {

/// A readable executable name: the index plus the op that dominates the region's work.
std::string executableName(dispatch::RegionOp region, unsigned index) {
  std::string root = "copy";
  for (Operation &op : region.getBody().front()) {
    if (isa<linalg::LinalgOp>(op) && !isa<linalg::FillOp>(op)) {
      root = op.getName().stripDialect().str();
      if (!isa<linalg::GenericOp>(op))
        break;
    } else if (isa<tensor::PadOp, tensor::InsertSliceOp, tensor::ExtractSliceOp>(op) && root == "copy") {
      root = op.getName().stripDialect().str();
    }
  }
  std::replace(root.begin(), root.end(), '.', '_');
  return "dispatch_" + std::to_string(index) + "_" + root;
}

struct OutlineDispatchRegionsPass
    : tessera::impl::OutlineDispatchRegionsBase<OutlineDispatchRegionsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::string> targetList(targets.begin(), targets.end());
    if (targetList.empty())
      targetList.push_back("cpu");
    SmallVector<dispatch::RegionOp> regions;
    module.walk([&](dispatch::RegionOp r) { regions.push_back(r); });
    OpBuilder b(module.getContext());
    unsigned index = 0;
    for (dispatch::RegionOp region : regions) {
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(region.getBody(), captured);
      std::string name = executableName(region, index++);

      b.setInsertionPoint(region->getParentOfType<func::FuncOp>());
      auto exe = dispatch::ExecutableOp::create(b, region.getLoc(), name);
      exe.getBody().push_back(new Block());
      b.setInsertionPointToEnd(&exe.getBody().front());
      dispatch::ExecutableEndOp::create(b, region.getLoc());
      for (const std::string &target : targetList) {
        b.setInsertionPoint(exe.getBody().front().getTerminator());
        auto variant = dispatch::VariantOp::create(b, region.getLoc(), target, target);
        variant.getBody().push_back(new Block());
        b.setInsertionPointToEnd(&variant.getBody().front());
        dispatch::ExecutableEndOp::create(b, region.getLoc());
        b.setInsertionPoint(variant.getBody().front().getTerminator());
        auto inner = ModuleOp::create(b, region.getLoc());
        b.setInsertionPointToEnd(inner.getBody());
        SmallVector<Type> argTypes;
        for (Value v : captured)
          argTypes.push_back(v.getType());
        auto fn = func::FuncOp::create(b, region.getLoc(), name,
                                       b.getFunctionType(argTypes, region.getResultTypes()));
        Block *entry = fn.addEntryBlock();
        IRMapping mapping;
        for (auto [v, arg] : llvm::zip(captured, entry->getArguments()))
          mapping.map(v, arg);
        b.setInsertionPointToEnd(entry);
        for (Operation &op : region.getBody().front()) {
          if (auto ret = dyn_cast<dispatch::ReturnOp>(op)) {
            SmallVector<Value> values;
            for (Value v : ret.getValues())
              values.push_back(mapping.lookup(v));
            func::ReturnOp::create(b, ret.getLoc(), values);
          } else {
            b.clone(op, mapping);
          }
        }
      }
      b.setInsertionPoint(region);
      auto dispatchOp = dispatch::DispatchOp::create(b, region.getLoc(), region.getResultTypes(),
                                                     name, captured.getArrayRef());
      region.replaceAllUsesWith(dispatchOp.getResults());
      region.erase();
    }
  }
};
} // namespace
} // namespace tessera
