//===- Pipelines.cpp - named pass pipelines and registration --------------===//
#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace tessera {

void buildGraphToLinalgPipeline(OpPassManager &pm, llvm::function_ref<void(OpPassManager &)> graphOptimizations) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFoldBatchNormIntoConv());
  pm.addPass(createRecognizeLayerNorm());
  if (graphOptimizations)
    graphOptimizations(pm);
  pm.addPass(createConvertGraphToLinalg());
  pm.addPass(createCheckDeclaredShapes());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createFoldTransposesIntoContractions());
}

void buildDispatchCreationPipeline(OpPassManager &pm, const FrontendPipelineOptions &options) {
  // Elementwise chains whose intermediate has one user (SiLU) become one generic, so they join their
  // producer's kernel as one epilogue.
  pm.addPass(createFuseElementwiseOps({/*intoElementwiseOnly=*/true}));
  // Concatenations whose parts their kernels can write in place stay out of the kernels.
  pm.addNestedPass<func::FuncOp>(createConcatenateInPlace());
  FormDispatchRegionsOptions regions;
  regions.inlineConstantArrays = options.inlineConstantArrays;
  pm.addNestedPass<func::FuncOp>(createFormDispatchRegions(regions));
  OutlineDispatchRegionsOptions outline;
  outline.targets.assign(options.targets.begin(), options.targets.end());
  pm.addPass(createOutlineDispatchRegions(outline));
  pm.addPass(createDeduplicateExecutables());
  // Math expansion belongs to no target: every variant gets the same polynomials.
  pm.addPass(createExpandMath());
  pm.addPass(createCanonicalizerPass());
}

void registerAllTesseraPasses() {
  registerTesseraPasses(); // generated per-pass registration
  PassPipelineRegistration<>("tessera-graph-to-linalg-pipeline",
                             "Canonicalize tgraph and lower it to linalg on tensors",
                             [](OpPassManager &pm) { buildGraphToLinalgPipeline(pm); });
  struct DispatchCreationOptions : PassPipelineOptions<DispatchCreationOptions> {
    ListOption<std::string> targets{*this, "targets", llvm::cl::desc("Targets to create a variant for")};
  };
  PassPipelineRegistration<DispatchCreationOptions>(
      "tessera-dispatch-creation-pipeline", "Form, outline and deduplicate dispatch regions; expand math",
      [](OpPassManager &pm, const DispatchCreationOptions &options) {
        FrontendPipelineOptions frontend;
        frontend.targets.assign(options.targets.begin(), options.targets.end());
        buildDispatchCreationPipeline(pm, frontend);
      });
}

} // namespace tessera
