//===- VerifyWorkgroupWrites.cpp - workgroups must write disjoint slices --===//
//
// Workgroups of one dispatch run concurrently. After bufferization each workgroup should write only
// its slice of an output (through a subview indexed by the workgroup id). If a kernel still writes a
// whole output binding (bufferization had to copy), running it from several workgroups at once
// would race, so the kernel falls back to a single workgroup -- when its body does not depend on the
// workgroup id. One that does computes only its own slice: a single workgroup would leave the others'
// unwritten, so that is a compile error, never a silently wrong result.
//
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace tessera::cpu {
#define GEN_PASS_DEF_VERIFYWORKGROUPWRITES
#include "codegen/cpu/Passes.h.inc"

namespace {
struct VerifyWorkgroupWritesPass : impl::VerifyWorkgroupWritesBase<VerifyWorkgroupWritesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      auto count = func->getAttrOfType<IntegerAttr>(kWorkgroupCountAttr);
      if (func.isDeclaration() || !count || count.getInt() == 1) // 0: a grid of run-time size
        continue;
      bool wholeWrite = false;
      func.walk([&](MemoryEffectOpInterface op) {
        SmallVector<MemoryEffects::EffectInstance> effects;
        op.getEffects(effects);
        for (auto &effect : effects)
          if (isa<MemoryEffects::Write>(effect.getEffect()) && effect.getValue() &&
              isa<BlockArgument>(effect.getValue()) &&
              cast<BlockArgument>(effect.getValue()).getOwner()->getParentOp() == func)
            wholeWrite = true;
      });
      if (!wholeWrite)
        continue;
      BlockArgument id = func.getArguments().back(); // the workgroup id (tessera-cpu-bufferize-kernels)
      if (!id.getType().isIndex() || !id.use_empty()) {
        func.emitOpError("writes a whole output binding from each of its workgroups, which compute slices "
                         "of it: they would race (internal error: bufferization had to copy a result)");
        return signalPassFailure();
      }
      func->setAttr(kWorkgroupCountAttr, IntegerAttr::get(count.getType(), 1));
      func->removeAttr(kRunTimeGridAttr);
    }
  }
};
} // namespace
} // namespace tessera::cpu
