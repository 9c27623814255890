//===- OutlineDispatchRegions.cpp - regions -> executables + dispatches ---===//
#include "passes/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
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
    if (isa<dispatch::WinogradConv2DOp, dispatch::PackedMatmulOp, linalg::AggregatedOpInterface>(op)) {
      root = op.getName().stripDialect().str();
      break;
    }
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

bool isInside(Value v, dispatch::RegionOp region) {
  return region.getBody().isAncestor(v.getParentRegion());
}

FailureOr<Value> hoistIndex(OpBuilder &b, Value v, dispatch::RegionOp region);

/// Dim `dim` of `tensor`, computed before `region` even when `tensor` is produced inside it: the
/// producer's reified result shape is hoisted (kernels compute their result sizes from their inputs).
FailureOr<Value> hoistDim(OpBuilder &b, Value tensor, int64_t dim, dispatch::RegionOp region) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (!type.isDynamicDim(dim))
    return (Value)arith::ConstantIndexOp::create(b, region.getLoc(), type.getDimSize(dim));
  if (!isInside(tensor, region))
    return (Value)tensor::DimOp::create(b, region.getLoc(), tensor, dim);
  auto result = cast<OpResult>(tensor);
  Operation *producer = result.getOwner();
  OpBuilder inner(producer);
  ReifiedRankedShapedTypeDims reified;
  if (failed(reifyResultShapes(inner, producer, reified)))
    return producer->emitOpError("cannot compute its result shape on the host");
  OpFoldResult size = reified[result.getResultNumber()][dim];
  if (auto attr = dyn_cast<Attribute>(size))
    return (Value)arith::ConstantIndexOp::create(b, region.getLoc(), cast<IntegerAttr>(attr).getInt());
  return hoistIndex(b, cast<Value>(size), region);
}

/// An index value computed inside `region`, recomputed before it.
FailureOr<Value> hoistIndex(OpBuilder &b, Value v, dispatch::RegionOp region) {
  if (!isInside(v, region))
    return v;
  Operation *def = v.getDefiningOp();
  if (auto dim = dyn_cast_or_null<tensor::DimOp>(def)) {
    auto index = dim.getConstantIndex();
    if (!index)
      return dim.emitOpError("needs a constant dim index");
    return hoistDim(b, dim.getSource(), *index, region);
  }
  if (def && (isa<arith::ArithDialect, affine::AffineDialect>(def->getDialect())) &&
      def->getNumRegions() == 0 && def->getNumResults() == 1) {
    IRMapping mapping;
    for (Value operand : def->getOperands()) {
      auto hoisted = hoistIndex(b, operand, region);
      if (failed(hoisted))
        return failure();
      mapping.map(operand, *hoisted);
    }
    return b.clone(*def, mapping)->getResult(0);
  }
  return emitError(v.getLoc()) << "cannot compute a dynamic dim of a dispatch on the host";
}

struct OutlineDispatchRegionsPass
    : tessera::impl::OutlineDispatchRegionsBase<OutlineDispatchRegionsPass> {
  /// Where a dispatch comes from: the locations (ONNX node names) of everything its region computes, in
  /// program order, so profiles and messages can name the nodes fused into it. Constants, empty tensors
  /// and fills only initialize (and CSE may have merged them across nodes): they name no node.
  static Location computedLoc(dispatch::RegionOp region) {
    SmallVector<Location> locs;
    for (Operation &op : region.getBody().front())
      if (!op.hasTrait<OpTrait::ConstantLike>() &&
          !isa<tensor::EmptyOp, linalg::FillOp, dispatch::ReturnOp>(op))
        locs.push_back(op.getLoc());
    return locs.empty() ? region.getLoc() : FusedLoc::get(region.getContext(), locs);
  }

  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::string> targetList(targets.begin(), targets.end());
    if (targetList.empty()) {
      module.emitError("tessera-outline-dispatch-regions needs at least one target (targets=NAME,...)");
      return signalPassFailure();
    }
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
      SmallVector<Value> resultDims;
      auto ret = cast<dispatch::ReturnOp>(region.getBody().front().getTerminator());
      for (Value v : ret.getValues()) {
        auto type = cast<RankedTensorType>(v.getType());
        for (int64_t d = 0; d < type.getRank(); ++d) {
          if (!type.isDynamicDim(d))
            continue;
          auto dim = hoistDim(b, v, d, region);
          if (failed(dim))
            return signalPassFailure();
          resultDims.push_back(*dim);
        }
      }
      auto dispatchOp = dispatch::DispatchOp::create(b, computedLoc(region), region.getResultTypes(),
                                                     name, captured.getArrayRef(), resultDims);
      region.replaceAllUsesWith(dispatchOp.getResults());
      region.erase();
    }
  }
};
} // namespace
} // namespace tessera
