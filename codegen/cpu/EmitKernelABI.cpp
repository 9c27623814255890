//===- EmitKernelABI.cpp - wrap kernels in the fixed CPU kernel ABI -------===//
//
// Kernels are lowered with MLIR's memref descriptors: `impl(desc binding..., i64 wg_id[, desc scratch])`,
// where each descriptor is (allocated ptr, aligned ptr, offset, sizes..., strides...) and the scratch is
// the worker's region (tsr_workgroup_state), which must hold the kernel's `tessera.scratch_bytes`. The
// exported symbol has the
// one fixed signature of kernel_abi.h: it rebuilds every descriptor from the binding's base pointer,
// its static dims and the dispatch constants (the dynamic dims, binding order then dim order), with
// dense row-major strides. So the ABI never depends on tensor rank or count, and after inlining LLVM
// folds the static parts away. Before touching any binding the wrapper checks the dispatch against what
// the kernel was compiled for (binding and constant counts, each binding's length, the workgroup id
// inside the grid) and returns TSR_KERNEL_ERROR_DISPATCH_MISMATCH otherwise: a forged schedule that
// passes the loader's checks still cannot make the kernel read or write outside its bindings.
//
#include "codegen/cpu/Passes.h"

#include "runtime/include/tessera/kernel_abi.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/MathExtras.h"

#include <cstddef>

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_EMITKERNELABI
#include "codegen/cpu/Passes.h.inc"

namespace {

struct EmitKernelABIPass : impl::EmitKernelABIBase<EmitKernelABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> kernels;
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
      if (fn->hasAttr(kWorkgroupCountAttr) && !fn.isExternal())
        kernels.push_back(fn);
    for (LLVM::LLVMFuncOp impl : kernels)
      if (failed(wrap(impl)))
        return signalPassFailure();
  }

  LogicalResult wrap(LLVM::LLVMFuncOp impl) {
    MLIRContext *ctx = &getContext();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64), i8 = IntegerType::get(ctx, 8);
    auto shapes = impl->getAttrOfType<ArrayAttr>(kBindingShapesAttr);
    if (!shapes)
      return impl.emitOpError("has no binding shapes");
    unsigned expected = 1, numDynamicDims = 0;
    for (Attribute shape : shapes) {
      auto dims = dyn_cast<DenseI64ArrayAttr>(shape);
      expected += dims ? 3 + 2 * dims.size() : 1;
      if (dims)
        numDynamicDims += llvm::count_if(dims.asArrayRef(), ShapedType::isDynamic);
    }
    // A kernel with temporaries in scratch (tessera-cpu-place-temporaries-in-scratch) takes one more
    // descriptor, of a memref<Nxi8>: (allocated ptr, aligned ptr, offset, size, stride).
    auto scratchBytes = impl->getAttrOfType<IntegerAttr>(kScratchBytesAttr);
    if (scratchBytes)
      expected += 5;
    if (impl.getFunctionType().getNumParams() != expected)
      return impl.emitOpError("expected ") << expected << " descriptor parameters";

    std::string name = impl.getSymName().str();
    impl.setSymName(name + "_impl");
    impl.setLinkage(LLVM::Linkage::Internal);
    impl.setAlwaysInline(true);

    OpBuilder b(impl);
    b.setInsertionPointAfter(impl);
    Location loc = impl.getLoc();
    auto fnType = LLVM::LLVMFunctionType::get(i32, {ptrType, ptrType, ptrType});
    auto wrapper = LLVM::LLVMFuncOp::create(b, loc, name, fnType);
    wrapper->setAttr(kWorkgroupCountAttr, impl->getAttr(kWorkgroupCountAttr));
    if (Attribute grid = impl->getAttr(kRunTimeGridAttr))
      wrapper->setAttr(kRunTimeGridAttr, grid);
    if (Attribute access = impl->getAttr(kBindingAccessAttr))
      wrapper->setAttr(kBindingAccessAttr, access);
    if (scratchBytes)
      wrapper->setAttr(kScratchBytesAttr, scratchBytes);
    unsigned numScalars = llvm::count_if(shapes, [](Attribute a) { return !isa<DenseI64ArrayAttr>(a); });
    int64_t numBindings = shapes.size() - numScalars, numConstants = numDynamicDims + numScalars;
    wrapper->setAttr(kConstantCountAttr, b.getI64IntegerAttr(numConstants));
    auto elementBytes = impl->getAttrOfType<DenseI64ArrayAttr>(kBindingElementBytesAttr);
    auto workgroups = impl->getAttrOfType<IntegerAttr>(kWorkgroupCountAttr);
    if (!elementBytes || (int64_t)elementBytes.size() != numBindings || !workgroups)
      return impl.emitOpError("has no binding element sizes or workgroup count");
    SmallVector<int64_t> staticBytes; // the signature's lengths: 0 where a dim is dynamic
    for (Attribute shape : shapes)
      if (auto dims = dyn_cast<DenseI64ArrayAttr>(shape)) {
        int64_t bytes = elementBytes[staticBytes.size()];
        for (int64_t d : dims.asArrayRef())
          if (ShapedType::isDynamic(d) || llvm::MulOverflow(bytes, d, bytes))
            bytes = 0;
        staticBytes.push_back(bytes);
      }
    wrapper->setAttr(kBindingBytesAttr, b.getDenseI64ArrayAttr(staticBytes));
    Block *entry = wrapper.addEntryBlock(b);
    Block *body = wrapper.addBlock(), *call = wrapper.addBlock(), *mismatch = wrapper.addBlock();
    b.setInsertionPointToStart(mismatch);
    LLVM::ReturnOp::create(b, loc, LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(TSR_KERNEL_ERROR_DISPATCH_MISMATCH)).getResult());
    b.setInsertionPointToStart(entry);
    Value dispatchState = entry->getArgument(1), workgroupState = entry->getArgument(2);
    auto fieldPtr = [&](Value base, size_t offset) -> Value {
      return LLVM::GEPOp::create(b, loc, ptrType, i8, base, ArrayRef<LLVM::GEPArg>{(int32_t)offset});
    };
    auto constant = [&](int64_t v) -> Value {
      return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
    };
    auto constant32 = [&](int64_t v) -> Value {
      return LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(v));
    };
    auto all = [&](Value a, Value c) -> Value { return LLVM::AndOp::create(b, loc, a, c); };
    auto load32 = [&](Value base, size_t offset) -> Value {
      return LLVM::LoadOp::create(b, loc, i32, fieldPtr(base, offset));
    };
    // Counts and the workgroup id first: they say how much of the dispatch state may be read.
    Value ok = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                    load32(dispatchState, offsetof(tsr_dispatch_state, binding_count)),
                                    constant32(numBindings));
    ok = all(ok, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::uge,
                                      load32(dispatchState, offsetof(tsr_dispatch_state, constant_count)),
                                      constant32(numConstants)));
    Value id = load32(workgroupState, offsetof(tsr_workgroup_state, workgroup_id));
    // A grid of run-time size (count 0) has no bound here: the kernel skips workgroups past its loop.
    if (workgroups.getInt() != 0)
      ok = all(ok, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ult, id, constant32(workgroups.getInt())));
    for (int k = 1; k < 3; ++k)
      ok = all(ok, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                        load32(workgroupState, offsetof(tsr_workgroup_state, workgroup_id) + 4 * k),
                                        constant32(0)));
    // The worker's scratch must hold the kernel's temporaries (the session sizes it from the artifact).
    constexpr size_t scratchField = offsetof(tsr_workgroup_state, scratch);
    constexpr size_t scratchSizeField = offsetof(tsr_workgroup_state, scratch_size);
    if (scratchBytes)
      ok = all(ok, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::uge,
                                        LLVM::LoadOp::create(b, loc, i64, fieldPtr(workgroupState, scratchSizeField)),
                                        constant(scratchBytes.getInt())));
    LLVM::CondBrOp::create(b, loc, ok, body, mismatch);

    b.setInsertionPointToStart(body);
    Value bindings = LLVM::LoadOp::create(b, loc, ptrType, fieldPtr(dispatchState, offsetof(tsr_dispatch_state, bindings)));
    Value lengths = LLVM::LoadOp::create(b, loc, ptrType, fieldPtr(dispatchState, offsetof(tsr_dispatch_state, binding_lengths)));
    Value constants = LLVM::LoadOp::create(b, loc, ptrType, fieldPtr(dispatchState, offsetof(tsr_dispatch_state, constants)));
    auto loadConstant = [&](int32_t index) -> Value {
      Value c = LLVM::GEPOp::create(b, loc, ptrType, i32, constants, ArrayRef<LLVM::GEPArg>{index});
      return LLVM::ZExtOp::create(b, loc, i64, LLVM::LoadOp::create(b, loc, i32, c));
    };
    // A binding's bytes, in i128 capped at 2^64 after each product (dims are u32, so no step overflows):
    // the static part folds to one constant.
    auto i128 = IntegerType::get(ctx, 128);
    Value cap = LLVM::ConstantOp::create(b, loc, i128, b.getIntegerAttr(i128, APInt::getOneBitSet(128, 64)));
    Value lengthsOk = LLVM::ConstantOp::create(b, loc, b.getI1Type(), b.getBoolAttr(true));
    SmallVector<Value> args;
    int32_t nextConstant = 0, nextScalar = numDynamicDims, nextBinding = 0;
    for (Attribute shapeAttr : shapes) {
      if (!isa<DenseI64ArrayAttr>(shapeAttr)) { // a scalar: constants after the dynamic dims
        args.push_back(loadConstant(nextScalar++));
        continue;
      }
      ArrayRef<int64_t> shape = cast<DenseI64ArrayAttr>(shapeAttr).asArrayRef();
      int32_t binding = nextBinding++;
      Value slot = LLVM::GEPOp::create(b, loc, ptrType, ptrType, bindings, ArrayRef<LLVM::GEPArg>{binding});
      Value base = LLVM::LoadOp::create(b, loc, ptrType, slot);
      SmallVector<Value> sizes;
      Value bytes = LLVM::ConstantOp::create(b, loc, i128, b.getIntegerAttr(i128, elementBytes[binding]));
      for (int64_t dim : shape) {
        sizes.push_back(ShapedType::isDynamic(dim) ? loadConstant(nextConstant++) : constant(dim));
        bytes = LLVM::MulOp::create(b, loc, bytes, LLVM::ZExtOp::create(b, loc, i128, sizes.back()));
        Value over = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ugt, bytes, cap);
        bytes = LLVM::SelectOp::create(b, loc, over, cap, bytes);
      }
      Value lengthSlot = LLVM::GEPOp::create(b, loc, ptrType, i64, lengths, ArrayRef<LLVM::GEPArg>{binding});
      Value length = LLVM::ZExtOp::create(b, loc, i128, LLVM::LoadOp::create(b, loc, i64, lengthSlot));
      lengthsOk = all(lengthsOk, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::uge, length, bytes));
      SmallVector<Value> strides(shape.size());
      Value stride = constant(1);
      for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
        strides[d] = stride;
        stride = LLVM::MulOp::create(b, loc, stride, sizes[d]);
      }
      args.append({base, base, constant(0)});
      args.append(sizes.begin(), sizes.end());
      args.append(strides.begin(), strides.end());
    }
    args.push_back(LLVM::ZExtOp::create(b, loc, i64, id));
    if (scratchBytes) {
      Value scratch = LLVM::LoadOp::create(b, loc, ptrType, fieldPtr(workgroupState, scratchField));
      args.append({scratch, scratch, constant(0), constant(scratchBytes.getInt()), constant(1)});
    }
    LLVM::CondBrOp::create(b, loc, lengthsOk, call, mismatch);

    b.setInsertionPointToStart(call);
    auto callOp = LLVM::CallOp::create(b, loc, impl, args);
    // A kernel that can fail on values (LowerKernelErrors) returns its error code; others always succeed.
    Value code = callOp.getNumResults() == 1
                     ? callOp.getResult()
                     : LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0)).getResult();
    LLVM::ReturnOp::create(b, loc, code);
    return success();
  }
};
} // namespace
} // namespace tessera::cpu
