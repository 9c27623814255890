//===- LowerKernelErrors.cpp - tdisp.error_if -> the kernel's return code ---===//
//
// Value errors (an index outside its dim) are only known inside a kernel. Each `tdisp.error_if` folds
// its code into a flag that the kernel returns; EmitKernelABI passes the value on to the runtime, which
// fails the run with the error's name. The kernel finishes its workgroup meanwhile (its code keeps
// memory accesses in bounds on its own), so no early exit is needed.
//
#include "codegen/cpu/Passes.h"

#include "dialects/Dispatch/IR/DispatchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_LOWERKERNELERRORS
#include "codegen/cpu/Passes.h.inc"

namespace {

LogicalResult lowerErrors(func::FuncOp func) {
  SmallVector<dispatch::ErrorIfOp> errors;
  func.walk([&](dispatch::ErrorIfOp op) { errors.push_back(op); });
  if (errors.empty())
    return success();
  if (func.getNumResults() != 0 || !func->hasAttr(kWorkgroupCountAttr))
    return func.emitOpError("reports kernel errors but is not a kernel without results");
  auto b = OpBuilder::atBlockBegin(&func.getBody().front());
  Location loc = func.getLoc();
  Type i32 = b.getI32Type();
  Value flag = memref::AllocaOp::create(b, loc, MemRefType::get({}, i32));
  memref::StoreOp::create(b, loc, arith::ConstantIntOp::create(b, loc, i32, 0), flag);
  for (dispatch::ErrorIfOp error : errors) {
    b.setInsertionPoint(error);
    Value code = arith::ConstantIntOp::create(b, error.getLoc(), i32, static_cast<int64_t>(error.getError()));
    Value current = memref::LoadOp::create(b, error.getLoc(), flag);
    Value next = arith::SelectOp::create(b, error.getLoc(), error.getCondition(), code, current);
    memref::StoreOp::create(b, error.getLoc(), next, flag);
    error.erase();
  }
  func.walk([&](func::ReturnOp ret) {
    b.setInsertionPoint(ret);
    Value code = memref::LoadOp::create(b, ret.getLoc(), flag);
    func::ReturnOp::create(b, ret.getLoc(), code);
    ret.erase();
  });
  func.setFunctionType(b.getFunctionType(func.getArgumentTypes(), {i32}));
  return success();
}

struct LowerKernelErrorsPass : impl::LowerKernelErrorsBase<LowerKernelErrorsPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isDeclaration() && failed(lowerErrors(func)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace tessera::cpu
