//===- Passes.h - host schedule passes --------------------------*- C++ -*-===//
#ifndef TESSERA_CODEGEN_HOST_PASSES_H
#define TESSERA_CODEGEN_HOST_PASSES_H

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Schedule/IR/ScheduleOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace tessera::host {

#define GEN_PASS_DECL
#include "codegen/host/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/host/Passes.h.inc"

/// The compiled variant a dispatch bound by tessera-host-emit-steps (`@exe::@variant::@export`) runs, or an
/// error on `d` when it is not bound or names no variant.
mlir::FailureOr<dispatch::VariantOp> boundVariant(schedule::DispatchOp d, mlir::SymbolTable &symbols);

/// Alignment of every arena slice (and of the arena itself), in bytes.
inline constexpr uint64_t kArenaAlignment = 64;

/// Host function of dispatches (with compiled executables) -> `tsched.program`, ready to serialize.
/// Dispatches of `deviceTargets` work on device memory: transfers move bytes they share with host steps.
void buildHostSchedulePipeline(mlir::OpPassManager &pm, llvm::ArrayRef<std::string> deviceTargets = {});

/// Registers the passes and the named pipeline `tessera-host-schedule-pipeline`.
void registerHostPasses();

} // namespace tessera::host

#endif
