//===- CompilerDriver.cpp - ONNX model -> artifact, stage by stage --------===//
#include "codegen/driver/CompilerDriver.h"

#include "codegen/common/ScheduleBuilder.h"
#include "codegen/cpu/ObjectEmitter.h"
#include "codegen/cpu/Passes.h"
#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "frontend/onnx/Importer.h"
#include "passes/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace tessera {

void registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<graph::GraphDialect, dispatch::DispatchDialect>();
}

static std::string printModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
  module.print(os, flags);
  return text;
}

static LogicalResult runPipeline(ModuleOp module, const CompileOptions &options,
                                 const std::function<void(OpPassManager &)> &build) {
  PassManager pm(module->getContext(), ModuleOp::getOperationName());
  if (options.configurePassManager && failed(options.configurePassManager(pm)))
    return failure();
  build(pm);
  return pm.run(module);
}

LogicalResult compile(MLIRContext &context, const CompileOptions &options, std::string &output) {
  Location loc = FileLineColLoc::get(&context, options.inputPath, 0, 0);
  if (options.target != "cpu")
    return emitError(loc) << "unsupported target '" << options.target << "' (available: cpu)";
  OwningOpRef<ModuleOp> module = onnx::importModelFile(context, options.inputPath);
  if (!module)
    return failure();
  if (options.emit == EmitStage::Graph) {
    output = printModule(*module);
    return success();
  }
  if (failed(runPipeline(*module, options, buildGraphToLinalgPipeline)))
    return failure();
  if (options.emit == EmitStage::Linalg) {
    output = printModule(*module);
    return success();
  }
  FrontendPipelineOptions frontend;
  frontend.targets = {options.target};
  if (failed(runPipeline(*module, options, [&](OpPassManager &pm) { buildDispatchCreationPipeline(pm, frontend); })))
    return failure();
  if (options.emit == EmitStage::Dispatch) {
    output = printModule(*module);
    return success();
  }

  auto target = cpu::resolveCpuTarget(loc, options.targetTriple, options.cpu);
  if (failed(target))
    return failure();
  SmallVector<ModuleOp> kernelModules;
  for (auto exe : module->getOps<dispatch::ExecutableOp>()) {
    for (auto variant : exe.getBody().front().getOps<dispatch::VariantOp>()) {
      ModuleOp inner = variant.getInnerModule();
      if (!inner)
        return variant.emitOpError("has no kernel module");
      StringRef name = exe.getSymName();
      if (failed(runPipeline(inner, options, cpu::buildCpuKernelPipeline)))
        return exe.emitOpError("failed to compile for cpu");
      auto kernel = inner.lookupSymbol<LLVM::LLVMFuncOp>(name);
      if (!kernel || !kernel->hasAttr(cpu::kWorkgroupCountAttr))
        return exe.emitOpError("kernel '") << name << "' was not produced";
      variant->setAttr("kernel", StringAttr::get(&context, name));
      variant->setAttr("workgroup_count", kernel->getAttr(cpu::kWorkgroupCountAttr));
      kernelModules.push_back(inner);
    }
  }
  std::string llvmIR;
  auto code = cpu::emitSharedObject(loc, kernelModules, *target,
                                    options.emit == EmitStage::LLVMIR ? &llvmIR : nullptr);
  if (failed(code))
    return failure();
  if (options.emit == EmitStage::LLVMIR) {
    output = std::move(llvmIR);
    return success();
  }
  auto main = module->lookupSymbol<func::FuncOp>("main");
  ArtifactContents contents;
  contents.targetTriple = target->triple;
  contents.targetCpu = target->cpu;
  contents.requiredCpuFeatures = target->requiredFeatures;
  contents.cpuCode = std::move(*code);
  if (!main || failed(buildSchedule(*module, main, contents)))
    return failure();
  output = writeArtifact(contents);
  return success();
}

} // namespace tessera
