//===- ClampBindingAccesses.cpp - kernels of run-time shape stay inside their bindings ---===//
//
// A kernel whose dims come from dispatch parameters (DimsFromConstants) trusts the schedule that computed them,
// and a forged artifact controls the schedule. Every access of such a kernel is clamped into its binding: a
// binding of static shape per index, a binding of run-time shape as a row-major offset clamped to the
// elements its length (the parameter after the dispatch's constants) holds. The binding of run-time
// shape becomes 1-D on the way: SPIR-V storage buffers take offsets, and MLIR lowers loads of n-D memrefs
// only with static strides. The entry check (DimsFromConstants) reports the mismatch; the clamps keep
// memory safe meanwhile.
//
#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/SPIRV/Transforms/SPIRVConversion.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_CLAMPBINDINGACCESSES
#include "codegen/vulkan/Passes.h.inc"

namespace {

/// The indices of a load or store of a binding.
SmallVector<Value> indicesOf(Operation *access) {
  if (auto load = dyn_cast<memref::LoadOp>(access))
    return load.getIndices();
  return cast<memref::StoreOp>(access).getIndices();
}


/// Replaces the load or store `access` by one of `memref` at `indices`.
void reaccess(OpBuilder &b, Operation *access, Value memref, ValueRange indices) {
  b.setInsertionPoint(access);
  if (auto load = dyn_cast<memref::LoadOp>(access)) {
    load.replaceAllUsesWith(memref::LoadOp::create(b, load.getLoc(), memref, indices).getResult());
  } else {
    auto store = cast<memref::StoreOp>(access);
    memref::StoreOp::create(b, store.getLoc(), store.getValueToStore(), memref, indices);
  }
  access->erase();
}

LogicalResult clampAccesses(gpu::GPUFuncOp kernel) {
  auto constantsAttr = kernel->getAttrOfType<IntegerAttr>(kDispatchConstantsAttr);
  if (!constantsAttr)
    return success();
  auto access = kernel->getAttrOfType<DenseI32ArrayAttr>(kBindingAccessAttr);
  Block &entry = kernel.getBody().front();
  if (!access || access.size() > static_cast<int64_t>(entry.getNumArguments()))
    return kernel.emitOpError("lacks the access of its bindings");
  // The dispatch's bindings, then the status binding holding the parameters.
  if (access.size() + 1 != static_cast<int64_t>(entry.getNumArguments()))
    return kernel.emitOpError("lacks the status binding its dispatch parameters are in");
  ArrayRef<BlockArgument> bindings = entry.getArguments().take_front(access.size());
  Value status = entry.getArguments().back();
  int64_t constants = constantsAttr.getInt();
  Location loc = kernel.getLoc();
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  auto index = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  auto parameter = [&](int64_t k) -> Value { return loadDispatchParameter(b, loc, status, k); };
  int64_t nextDim = 0;
  for (auto [i, binding] : llvm::enumerate(bindings)) {
    auto type = dyn_cast<MemRefType>(binding.getType());
    if (!type)
      return kernel.emitOpError("binding ") << i << " is not a memref";
    SmallVector<Operation *> accesses(binding.getUsers());
    for (Operation *access : accesses)
      if (!isa<memref::LoadOp, memref::StoreOp>(access))
        return access->emitOpError("uses a binding of a kernel with run-time dims in a way that cannot be clamped");
    b.setInsertionPointToStart(&entry);
    if (type.hasStaticShape()) {
      for (Operation *access : accesses) {
        OpBuilder at(access);
        SmallVector<Value> clamped;
        for (auto [idx, size] : llvm::zip(indicesOf(access), type.getShape())) {
          Value last = arith::ConstantIndexOp::create(at, loc, std::max<int64_t>(size, 1) - 1);
          clamped.push_back(arith::MinUIOp::create(at, loc, idx, last));
        }
        reaccess(at, access, binding, clamped);
      }
      continue;
    }
    // Row-major strides: the outermost dim bounds no stride, so it is not read.
    SmallVector<Value> dims;
    for (auto [d, size] : llvm::enumerate(type.getShape())) {
      if (!ShapedType::isDynamic(size)) {
        dims.push_back(index(size));
        continue;
      }
      int64_t k = nextDim++;
      dims.push_back(d == 0 ? Value() : parameter(k));
    }
    Value length = parameter(constants + static_cast<int64_t>(i));
    Value elements = arith::DivUIOp::create(b, loc, length, index(storedBytes(type.getElementType())));
    Value last = arith::SubIOp::create(b, loc, arith::MaxUIOp::create(b, loc, elements, index(1)), index(1));
    SmallVector<Value> strides(dims.size(), index(1));
    for (int64_t d = static_cast<int64_t>(dims.size()) - 2; d >= 0; --d)
      strides[d] = d + 2 == static_cast<int64_t>(dims.size())
                       ? dims[d + 1]
                       : Value(arith::MulIOp::create(b, loc, strides[d + 1], dims[d + 1]));
    BlockArgument(binding).setType(MemRefType::get({ShapedType::kDynamic}, type.getElementType(),
                                                   MemRefLayoutAttrInterface(), type.getMemorySpace()));
    for (Operation *access : accesses) {
      OpBuilder at(access);
      Value offset = arith::ConstantIndexOp::create(at, loc, 0);
      for (auto [idx, stride] : llvm::zip(indicesOf(access), strides))
        offset = arith::AddIOp::create(at, loc, offset, arith::MulIOp::create(at, loc, idx, stride));
      reaccess(at, access, binding, ValueRange{arith::MinUIOp::create(at, loc, offset, last).getResult()});
    }
  }
  kernel.setFunctionType(FunctionType::get(kernel.getContext(), entry.getArgumentTypes(), {}));
  return success();
}

struct ClampBindingAccessesPass : impl::ClampBindingAccessesBase<ClampBindingAccessesPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](gpu::GPUFuncOp kernel) {
      return failed(clampAccesses(kernel)) ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
} // namespace tessera::vulkan
