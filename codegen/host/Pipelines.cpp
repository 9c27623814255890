//===- Pipelines.cpp - the host schedule pipeline -------------------------===//
#include "codegen/host/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace tessera::host {

void buildHostSchedulePipeline(OpPassManager &pm, ArrayRef<std::string> deviceTargets) {
  pm.addPass(createLowerShapes());
  pm.addPass(createAssignBuffers());
  // Identical host computations (a dim needed by several bindings) become one SHAPE step.
  pm.addPass(createCSEPass());
  pm.addPass(createPlanArena());
  pm.addPass(createEmitSteps());
  if (!deviceTargets.empty()) {
    InsertTransfersOptions transfers;
    transfers.deviceTargets = llvm::to_vector(deviceTargets);
    pm.addPass(createInsertTransfers(transfers));
  }
  pm.addPass(createCSEPass()); // workgroup counts reuse the literals already there
}

void registerHostPasses() {
  registerHostGenPasses();
  PassPipelineRegistration<>("tessera-host-schedule-pipeline",
                             "Lower the host function of dispatches to a tsched.program",
                             [](OpPassManager &pm) { buildHostSchedulePipeline(pm); });
}

} // namespace tessera::host
