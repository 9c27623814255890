//===- Passes.h - Tessera CPU codegen passes --------------------*- C++ -*-===//
#ifndef TESSERA_CODEGEN_CPU_PASSES_H
#define TESSERA_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace tessera::cpu {

#define GEN_PASS_DECL
#include "codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cpu/Passes.h.inc"

/// Attribute names shared by the kernel passes and the schedule builder.
inline constexpr llvm::StringLiteral kWorkgroupCountAttr = "tessera.workgroup_count";
/// Shapes of a kernel's bindings (inputs then outputs; dynamic dims as ShapedType::kDynamic).
inline constexpr llvm::StringLiteral kBindingShapesAttr = "tessera.binding_shapes";

/// Bytes per element of each binding (DenseI64ArrayAttr, scalars left out), set by bufferization.
inline constexpr llvm::StringLiteral kBindingElementBytesAttr = "tessera.binding_element_bytes";
/// TSR_ACCESS_* of each binding (DenseI32ArrayAttr), set by bufferization.
inline constexpr llvm::StringLiteral kBindingAccessAttr = "tessera.binding_access";
/// Bytes each binding of an ABI kernel was compiled for, 0 where run-time dims decide (DenseI64ArrayAttr on
/// the exported wrapper; the artifact's export signature).
inline constexpr llvm::StringLiteral kBindingBytesAttr = "tessera.binding_bytes";
/// Number of dispatch constants an ABI kernel reads (I64 attribute on the exported wrapper).
inline constexpr llvm::StringLiteral kConstantCountAttr = "tessera.constant_count";
/// How the host computes a grid of run-time size (DenseI64ArrayAttr on the kernel, then on its exported
/// wrapper; `tdisp.export`'s run_time_grid: [I, W, S, c0, c1, ...]). The kernel's workgroup count is 0.
inline constexpr llvm::StringLiteral kRunTimeGridAttr = "tessera.run_time_grid";
/// Bytes of worker scratch a kernel's temporaries take (I64 attribute on the kernel, then on its exported
/// wrapper; `tdisp.export`'s scratch_bytes). The kernel's last argument is that scratch, a memref<Nxi8>.
inline constexpr llvm::StringLiteral kScratchBytesAttr = "tessera.scratch_bytes";

/// Loop iterations a workgroup of a loops kernel should have at least (a few microseconds): waking
/// another thread for less costs more than it saves.
inline constexpr int64_t kMinIterationsPerWorkgroup = int64_t(1) << 15;

/// Whether `user` is a 2-D NCHW convolution or depthwise convolution reading `v` as its image (input 0).
bool isConvolutionInput(mlir::Operation *user, mlir::Value v);

struct CpuKernelPipelineOptions {
  /// Call the microkernels (ukernels/*.c) for the contractions they cover; they exist for x86-64.
  bool ukernels = true;
  /// Widest vector registers of the CPU (128, 256 or 512 bits).
  int64_t vectorBits = 512;
};

/// The passes that put a tensor kernel in the form it is tiled in and choose its lowering configuration
/// (`tdisp.lowering_config`): the start of the kernel pipeline, also run when dispatches form.
void buildCpuKernelConfigurationPipeline(mlir::OpPassManager &pm, const CpuKernelPipelineOptions &options);

/// Tensor kernel module -> LLVM dialect module exporting ABI-conforming kernels.
void buildCpuKernelPipeline(mlir::OpPassManager &pm, const CpuKernelPipelineOptions &options);

/// Registers the passes and the named pipeline `tessera-cpu-kernel-pipeline`.
void registerCpuCodegenPasses();

} // namespace tessera::cpu

#endif
