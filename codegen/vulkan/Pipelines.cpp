//===- Pipelines.cpp - the Vulkan kernel pipeline and its profiles ---------===//
#include "codegen/vulkan/Passes.h"
#include "passes/Passes.h"

#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/MathToSPIRV/MathToSPIRVPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using tessera::createFuseElementwiseOps;
using tessera::createReuseInputAsDestination;

namespace tessera::vulkan {

ArrayRef<VulkanProfile> vulkanProfiles() {
  // SPIR-V 1.3 is what Vulkan 1.1 consumes. Resource limits are Vulkan's guaranteed minimums.
  static const VulkanProfile profiles[] = {
      {"baseline", "Vulkan 1.1 core: 32-bit types only (no Int64, Float64, Float16 or 8/16-bit storage)",
       "#spirv.target_env<#spirv.vce<v1.3, [Shader], [SPV_KHR_storage_buffer_storage_class]>, api=Vulkan, "
       "#spirv.resource_limits<max_compute_workgroup_invocations = 128, "
       "max_compute_workgroup_size = [128, 128, 64]>>"},
      {"extended",
       "Vulkan 1.1 with Int64, Float64, Float16, Int8/Int16 and 8/16-bit storage buffers (desktop GPUs, lavapipe)",
       "#spirv.target_env<#spirv.vce<v1.3, [Shader, Int64, Float64, Float16, Int8, Int16, "
       "StorageBuffer8BitAccess, StorageBuffer16BitAccess], [SPV_KHR_storage_buffer_storage_class, "
       "SPV_KHR_8bit_storage, SPV_KHR_16bit_storage]>, api=Vulkan, "
       "#spirv.resource_limits<max_compute_workgroup_invocations = 128, "
       "max_compute_workgroup_size = [128, 128, 64]>>"},
      // 16 KiB is the workgroup memory every Vulkan device has (maxComputeSharedMemorySize).
      {"discrete",
       "extended's types, with products and convolutions tiled through workgroup memory (discrete GPUs)",
       "#spirv.target_env<#spirv.vce<v1.3, [Shader, Int64, Float64, Float16, Int8, Int16, "
       "StorageBuffer8BitAccess, StorageBuffer16BitAccess], [SPV_KHR_storage_buffer_storage_class, "
       "SPV_KHR_8bit_storage, SPV_KHR_16bit_storage]>, api=Vulkan, "
       "#spirv.resource_limits<max_compute_shared_memory_size = 16384, max_compute_workgroup_invocations = 128, "
       "max_compute_workgroup_size = [128, 128, 64]>>",
       /*workgroupMemoryBytes=*/16384},
  };
  return profiles;
}

void buildVulkanKernelPipeline(OpPassManager &pm, const VulkanKernelPipelineOptions &options) {
  pm.addPass(createFuseElementwiseOps());
  pm.addPass(createLowerPadsToGenerics());
  pm.addPass(createLinalgGeneralizeNamedOpsPass());
  pm.addPass(createFuseIndexOnlyProducers());
  // Splat constants become scalars in the bodies that read them (no constant buffer in the kernel).
  pm.addPass(createLinalgElementwiseOpFusionPass());
  // Epilogues update their producer's result in place: no temporary between a contraction and its bias.
  pm.addPass(createReuseInputAsDestination());
  pm.addPass(createOutputOrderLoops());
  pm.addPass(createSplatInsertsAsFills());
  pm.addPass(createReadOnlyInputs());
  pm.addPass(createEqualDims());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Results become output bindings, written in place (allocations of results are hoisted).
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.hoistDynamicAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCopiesToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // Slices of bindings become offsets in the loads and stores that read them.
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  // Run-time dims and scalars are dispatch parameters; bindings are checked against them at entry.
  pm.addPass(createDimsFromConstants());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLowerKernelErrors());
  MapToInvocationsOptions map;
  map.workgroupSize = options.workgroupSize;
  map.targetEnv = options.targetEnv;
  map.maxAccumulators = options.maxAccumulators;
  map.workgroupMemoryBytes = options.workgroupMemoryBytes;
  pm.addPass(createMapToInvocations(map));
  pm.addPass(createCanonicalizerPass());
  // A block's copies load what they share once, and keep their accumulators in registers.
  pm.addPass(createPromoteAccumulators());
  pm.addPass(createCSEPass());
  // Each element goes from the fill through the contraction to the epilogue in registers.
  pm.addPass(createForwardStores());
  pm.addPass(createClampBindingAccesses());
  // The clamps read the dims and lengths the kernel's entry already read: each parameter is loaded once.
  pm.addPass(createCSEPass());
  pm.addPass(createRoundDivisionsCorrectly());
  // On each kernel module: its target environment says which float widths the profile has (f64 floor).
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertMathToSPIRVPass());
  pm.addPass(createConvertGPUToSPIRVPass());
  OpPassManager &spirvModule = pm.nest<spirv::ModuleOp>();
  spirvModule.addPass(spirv::createSPIRVLowerABIAttributesPass());
  spirvModule.addPass(spirv::createSPIRVUpdateVCEPass());
}

void registerVulkanCodegenPasses() {
  registerVulkanCodegenGenPasses();
  PassPipelineRegistration<>("tessera-vulkan-kernel-pipeline",
                             "Lower a tensor kernel module to SPIR-V for the baseline Vulkan profile",
                             [](OpPassManager &pm) {
                               VulkanKernelPipelineOptions options;
                               options.targetEnv = vulkanProfiles().front().targetEnv;
                               buildVulkanKernelPipeline(pm, options);
                             });
}

} // namespace tessera::vulkan
