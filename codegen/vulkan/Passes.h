//===- Passes.h - Tessera Vulkan codegen passes -----------------*- C++ -*-===//
#ifndef TESSERA_CODEGEN_VULKAN_PASSES_H
#define TESSERA_CODEGEN_VULKAN_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <string>

namespace tessera::vulkan {

#define GEN_PASS_DECL
#include "codegen/vulkan/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/vulkan/Passes.h.inc"

/// Grid of a kernel (I64 attribute on the gpu.func): workgroups along x.
inline constexpr llvm::StringLiteral kWorkgroupCountAttr = "tessera.workgroup_count";
/// Invocations per workgroup along x (I64 attribute on the gpu.func).
inline constexpr llvm::StringLiteral kWorkgroupSizeAttr = "tessera.workgroup_size";
/// The argument index at which bufferization appends a kernel's results as output bindings (I64 attribute on
/// a kernel with results, ReadOnlyInputs): a binding from there on that no op touches (an empty output) is
/// still one the dispatch writes.
inline constexpr llvm::StringLiteral kFirstResultBindingAttr = "tessera.first_result_binding";
/// Unit attribute on a kernel whose last argument is the status word (not a dispatch binding).
inline constexpr llvm::StringLiteral kStatusBindingAttr = "tessera.status_binding";
/// TSR_ACCESS_* of each binding (DenseI32ArrayAttr on the gpu.func).
inline constexpr llvm::StringLiteral kBindingAccessAttr = "tessera.binding_access";
/// Bytes of each binding, 0 where run-time dims decide (DenseI64ArrayAttr on the gpu.func).
inline constexpr llvm::StringLiteral kBindingBytesAttr = "tessera.binding_bytes";
/// Constants the dispatch passes (the dynamic dims of the bindings, then the scalars; I64 attribute on a
/// kernel that reads them from its dispatch parameters, which continue with one byte length per binding).
inline constexpr llvm::StringLiteral kDispatchConstantsAttr = "tessera.dispatch_constants";
/// Per dispatch constant, the first constant of its class of equal dims (DenseI64ArrayAttr on a tensor
/// kernel, EqualDims; DimsFromConstants reads it).
inline constexpr llvm::StringLiteral kEqualDimsAttr = "tessera.equal_dims";
/// How the host computes a run-time grid (DenseI64ArrayAttr on the gpu.func: the export's run_time_grid).
inline constexpr llvm::StringLiteral kRunTimeGridAttr = "tessera.run_time_grid";
/// Elements each invocation computes along each dim of the kernel's iteration space (DenseI64ArrayAttr on
/// the gpu.func; absent when one).
inline constexpr llvm::StringLiteral kInvocationBlockAttr = "tessera.invocation_block";

/// Elements of a workgroup's tile per dim of the kernel's iteration space (DenseI64ArrayAttr on the
/// gpu.func; absent without workgroup tiles).
inline constexpr llvm::StringLiteral kWorkgroupTileAttr = "tessera.workgroup_tile";

/// Dispatch parameter `k` (a constant, or a binding's byte length after the constants: kernel_abi.h) as an
/// index, loaded from the kernel's status binding `status` where it follows the status word.
inline mlir::Value loadDispatchParameter(mlir::OpBuilder &b, mlir::Location loc, mlir::Value status, int64_t k) {
  mlir::Value at = mlir::arith::ConstantIndexOp::create(b, loc, 1 + k);
  mlir::Value word = mlir::memref::LoadOp::create(b, loc, status, mlir::ValueRange{at});
  return mlir::arith::IndexCastUIOp::create(b, loc, b.getIndexType(), word);
}

/// Bytes a binding stores per element of `element` (booleans are bytes).
inline int64_t storedBytes(mlir::Type element) {
  return std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
}

/// A named set of device capabilities kernels are compiled for.
struct VulkanProfile {
  const char *name;
  const char *description;
  const char *targetEnv; // #spirv.target_env
  /// Workgroup memory a tile's staged operands may use; 0 for register blocks only (CPU-like devices,
  /// where workgroup memory is ordinary memory and its barriers cost more than they save).
  int64_t workgroupMemoryBytes = 0;
};
/// Every profile, baseline first.
llvm::ArrayRef<VulkanProfile> vulkanProfiles();

struct VulkanKernelPipelineOptions {
  std::string targetEnv; // the profile's #spirv.target_env
  int64_t workgroupSize = 64;
  int64_t maxAccumulators = 16; // the most output elements one invocation computes
  int64_t workgroupMemoryBytes = 0; // VulkanProfile::workgroupMemoryBytes
};

/// Tensor kernel module -> a module holding one spirv.module per kernel.
void buildVulkanKernelPipeline(mlir::OpPassManager &pm, const VulkanKernelPipelineOptions &options);

/// Registers the passes and the named pipeline `tessera-vulkan-kernel-pipeline` (baseline profile).
void registerVulkanCodegenPasses();

} // namespace tessera::vulkan

#endif
