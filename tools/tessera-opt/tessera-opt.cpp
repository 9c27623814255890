//===- tessera-opt.cpp - run Tessera and upstream passes on .mlir files ---===//
#include "codegen/cpu/Passes.h"
#include "codegen/host/Passes.h"
#include "codegen/vulkan/Passes.h"
#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Schedule/IR/ScheduleOps.h"
#include "passes/Passes.h"
#include "tools/common/HelpOptions.h"
#include "tools/common/ToolVersion.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"

using namespace llvm;

static cl::extrahelp exitStatusHelp("\nexit status: 0 success, 1 error (bad flag, invalid IR, failed pass or "
                                    "failed verification of expected diagnostics)\n");

int main(int argc, char **argv) {
  // Before MLIR registers its flags and passes, which --help lists as mlir-opt's does.
  tessera::moveUnrelatedOptionsToHelpHidden({});
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << tessera::toolVersionText("tessera-opt") << "LLVM: " << LLVM_VERSION_STRING << "\n";
  });
  mlir::registerAllPasses();
  tessera::registerAllTesseraPasses();
  tessera::cpu::registerCpuCodegenPasses();
  tessera::vulkan::registerVulkanCodegenPasses();
  tessera::host::registerHostPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<tessera::graph::GraphDialect, tessera::dispatch::DispatchDialect,
                  tessera::schedule::ScheduleDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv,
      "Tessera modular optimizer driver\n\n"
      "  Tessera's own passes and pipelines are the ones named tessera-*; they are listed with the upstream\n"
      "  MLIR passes under --help's 'Passes:'.\n",
      registry));
}
