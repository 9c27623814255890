//===- EmitKernelABI.cpp - wrap kernels in the fixed CPU kernel ABI -------===//
//
// Kernels are lowered with the bare-pointer memref convention: `impl(ptr binding..., i64 wg_id)`.
// The exported symbol has the one fixed signature of kernel_abi.h and reads its arguments from the
// dispatch / workgroup state structs, so the ABI never depends on tensor rank or count.
//
#include "codegen/cpu/Passes.h"

#include "runtime/include/tessera/kernel_abi.h"

#include <cstddef>

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_EMITKERNELABI
#include "codegen/cpu/Passes.h.inc"

namespace {

struct EmitKernelABIPass : impl::EmitKernelABIBase<EmitKernelABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64), i8 = IntegerType::get(ctx, 8);
    SmallVector<LLVM::LLVMFuncOp> kernels;
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
      if (fn->hasAttr(kWorkgroupCountAttr) && !fn.isExternal())
        kernels.push_back(fn);
    for (LLVM::LLVMFuncOp impl : kernels) {
      std::string name = impl.getSymName().str();
      impl.setSymName(name + "_impl");
      impl.setLinkage(LLVM::Linkage::Internal);
      impl.setAlwaysInline(true);
      auto implType = impl.getFunctionType();
      unsigned numBindings = implType.getNumParams() - 1;
      for (unsigned i = 0; i < numBindings; ++i)
        if (!isa<LLVM::LLVMPointerType>(implType.getParamType(i)))
          return (void)(impl.emitOpError("expected bare-pointer buffer arguments"), signalPassFailure());

      OpBuilder b(impl);
      b.setInsertionPointAfter(impl);
      Location loc = impl.getLoc();
      auto fnType = LLVM::LLVMFunctionType::get(i32, {ptrType, ptrType, ptrType});
      auto wrapper = LLVM::LLVMFuncOp::create(b, loc, name, fnType);
      wrapper->setAttr(kWorkgroupCountAttr, impl->getAttr(kWorkgroupCountAttr));
      Block *entry = wrapper.addEntryBlock(b);
      b.setInsertionPointToStart(entry);
      Value dispatchState = entry->getArgument(1), workgroupState = entry->getArgument(2);
      auto fieldPtr = [&](Value base, size_t offset) -> Value {
        return LLVM::GEPOp::create(b, loc, ptrType, i8, base, ArrayRef<LLVM::GEPArg>{(int32_t)offset});
      };
      Value bindings = LLVM::LoadOp::create(b, loc, ptrType, fieldPtr(dispatchState, offsetof(tsr_dispatch_state, bindings)));
      SmallVector<Value> args;
      for (unsigned i = 0; i < numBindings; ++i) {
        Value slot = LLVM::GEPOp::create(b, loc, ptrType, ptrType, bindings, ArrayRef<LLVM::GEPArg>{(int32_t)i});
        args.push_back(LLVM::LoadOp::create(b, loc, ptrType, slot));
      }
      Value id = LLVM::LoadOp::create(b, loc, i32, fieldPtr(workgroupState, offsetof(tsr_workgroup_state, workgroup_id)));
      args.push_back(LLVM::ZExtOp::create(b, loc, i64, id));
      LLVM::CallOp::create(b, loc, impl, args);
      Value zero = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
      LLVM::ReturnOp::create(b, loc, zero);
    }
  }
};
} // namespace
} // namespace tessera::cpu
