//===- Pipelines.cpp - the CPU kernel pipeline ----------------------------===//
#include "codegen/cpu/Passes.h"
#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using tessera::createCollapseContiguousLoops;
using tessera::createDecomposeAggregateOps;
using tessera::createFuseElementwiseOps;
using tessera::createReuseInputAsDestination;

namespace tessera::cpu {

void buildCpuKernelConfigurationPipeline(OpPassManager &pm, const CpuKernelPipelineOptions &options) {
  pm.addPass(createFuseElementwiseOps());
  // Convolution inputs before distribution (the pad is then not tiled with the convolution); result pads
  // after it (a padding kernel splits as a tensor.pad, by channels).
  pm.addPass(createDecomposeResultPads({/*convolutionInputs=*/options.ukernels, /*resultPads=*/false}));
  SelectLoweringStrategyOptions strategy;
  strategy.vectorBits = options.vectorBits;
  strategy.ukernels = options.ukernels;
  pm.addPass(createSelectLoweringStrategy(strategy));
}

void buildCpuKernelPipeline(OpPassManager &pm, const CpuKernelPipelineOptions &options) {
  // A no-op on kernels configured when dispatches formed (each pass finds nothing left to do).
  buildCpuKernelConfigurationPipeline(pm, options);
  pm.addPass(createDistributeToWorkgroups());
  // Softmax and layer normalization are tiled by whole rows, then cut into chunks of rows that fit in L1
  // and decomposed: each chunk's statistics and result are computed while its rows are in cache. A
  // softmax's exponential gets the polynomial the dispatch pipeline gave every other one.
  pm.addPass(createDecomposeAggregateOps({/*chunkRows=*/true}));
  pm.addPass(tessera::createExpandMath());
  // Tiling guards a pad's share against an empty source (an scf.if that static sizes fold away): the
  // share's pad must feed the workgroup's insert directly to be decomposed.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createDecomposeResultPads({/*convolutionInputs=*/false, /*resultPads=*/true}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createReuseInputAsDestination());
  pm.addPass(createBufferizeKernels());
  // Bufferization leaves copies of a buffer onto itself (identical subviews): CSE makes them
  // literally identical and canonicalization erases them. They would race between workgroups.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createVerifyWorkgroupWrites());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createCanonicalizerPass());
  if (options.ukernels)
    pm.addPass(createLowerContractionsToUkernels());
  // After the microkernels took over the padded copies they make dead, so those get no scratch.
  pm.addPass(createPlaceTemporariesInScratch());
  pm.addPass(createCollapseContiguousLoops());
  pm.addPass(createReassociateReductions());
  pm.addPass(createVectorizableLoopOrder());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createKeepInnerLoopsRolled());
  pm.addPass(createLowerKernelErrors());
  pm.addPass(createConvertMathToFuncs()); // integer powers as generated functions
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  // LLVM intrinsics where they exist (copysign, fabs, floor, ...), libm calls for the rest.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createEmitKernelABI());
}

void registerCpuCodegenPasses() {
  registerCpuCodegenGenPasses();
  PassPipelineRegistration<>("tessera-cpu-kernel-pipeline",
                             "Lower a tensor kernel module to LLVM with the Tessera kernel ABI",
                             [](OpPassManager &pm) { buildCpuKernelPipeline(pm, {}); });
}

} // namespace tessera::cpu
