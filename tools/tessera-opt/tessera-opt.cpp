//===- tessera-opt.cpp - run Tessera and upstream passes on .mlir files ---===//
#include "codegen/cpu/Passes.h"
#include "codegen/host/Passes.h"
#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Schedule/IR/ScheduleOps.h"
#include "passes/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  tessera::registerAllTesseraPasses();
  tessera::cpu::registerCpuCodegenPasses();
  tessera::host::registerHostPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<tessera::graph::GraphDialect, tessera::dispatch::DispatchDialect,
                  tessera::schedule::ScheduleDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera modular optimizer driver\n", registry));
}
