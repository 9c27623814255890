//===- LowerKernelErrors.cpp - tdisp.error_if -> a store to the status binding ---===//
//
// A device kernel has no return value: a failed run-time check (an index outside its dim) stores its
// TSR_KERNEL_ERROR_* code into a status word the executor binds after the dispatch's own bindings,
// zeroes before the dispatch and reads after it (kernel_abi.h). The kernel finishes meanwhile: its
// accesses stay in bounds on their own (indices are clamped). The dispatch's parameters (its constants
// and binding lengths, DimsFromConstants' index arguments) follow the status word in the same binding,
// so a kernel that reads them declares it too.
//
#include "codegen/vulkan/Passes.h"
#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace tessera::vulkan {
#define GEN_PASS_DEF_LOWERKERNELERRORS
#include "codegen/vulkan/Passes.h.inc"

namespace {

void lowerErrors(func::FuncOp func) {
  SmallVector<dispatch::ErrorIfOp> errors;
  func.walk([&](dispatch::ErrorIfOp op) { errors.push_back(op); });
  Block &entry = func.getBody().front();
  int64_t parameters = llvm::count_if(entry.getArgumentTypes(), [](Type t) { return t.isIndex(); });
  if (errors.empty() && parameters == 0)
    return;
  OpBuilder b(func.getContext());
  Type i32 = b.getI32Type();
  Value status = entry.addArgument(MemRefType::get({1 + parameters}, i32), func.getLoc());
  func.setFunctionType(b.getFunctionType(entry.getArgumentTypes(), func.getResultTypes()));
  func->setAttr(kStatusBindingAttr, b.getUnitAttr());
  for (dispatch::ErrorIfOp error : errors) {
    b.setInsertionPoint(error);
    Location loc = error.getLoc();
    auto failed = scf::IfOp::create(b, loc, error.getCondition(), /*withElseRegion=*/false);
    b.setInsertionPointToStart(&failed.getThenRegion().front());
    Value code = arith::ConstantIntOp::create(b, loc, i32, static_cast<int64_t>(error.getError()));
    memref::StoreOp::create(b, loc, code, status, ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
    error.erase();
  }
}

struct LowerKernelErrorsPass : impl::LowerKernelErrorsBase<LowerKernelErrorsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isDeclaration())
        lowerErrors(func);
  }
};

} // namespace
} // namespace tessera::vulkan
