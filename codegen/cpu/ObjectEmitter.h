//===- ObjectEmitter.h - LLVM dialect kernels -> shared object --*- C++ -*-===//
#ifndef TESSERA_CODEGEN_CPU_OBJECTEMITTER_H
#define TESSERA_CODEGEN_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace tessera::cpu {

/// Prefix of the microkernel functions kernels may call (ukernels/*.c).
inline constexpr llvm::StringLiteral kUkernelPrefix = "tsr_ukernel_";

/// The resolved CPU target: recorded in the artifact, checked by the loader.
struct CpuTarget {
  std::string triple;
  std::string cpu;
  std::string features;          // LLVM feature string
  uint64_t requiredFeatures = 0; // TSR_CPU_* bits
};

/// Resolves `triple` / `cpu` ("" = host); `cpu == "host"` also means the host.
mlir::FailureOr<CpuTarget> resolveCpuTarget(mlir::Location loc, llvm::StringRef triple,
                                            llvm::StringRef cpu);

/// Translates the LLVM-dialect kernel modules into one optimized (O3) object and links it in-process
/// with lld into a shared object; returns its bytes. `llvmIR`, if given, receives the optimized IR.
mlir::FailureOr<std::string> emitSharedObject(mlir::Location loc,
                                              llvm::ArrayRef<mlir::ModuleOp> kernelModules,
                                              const CpuTarget &target,
                                              std::string *llvmIR = nullptr);

/// A model to link into an app (`--emit=static`): `name` (a C identifier) names its descriptor, `NAME_model`
/// (a tsr_static_model), `artifact` is the artifact without a CPU_CODE section, and `exports` the schedule's
/// export symbols, each the kernel function of that name.
struct StaticModel {
  std::string name;
  llvm::StringRef artifact;
  std::vector<std::string> exports;
};

/// The same kernels as a relocatable object for static linking: every function and global is local to it
/// but `NAME_model` (and the hidden `NAME_artifact`, the artifact's bytes, assembled from a file with
/// `.incbin` so they never become LLVM IR constants).
mlir::FailureOr<std::string> emitStaticObject(mlir::Location loc, llvm::ArrayRef<mlir::ModuleOp> kernelModules,
                                              const CpuTarget &target, const StaticModel &model);

} // namespace tessera::cpu

#endif
