//===- CompilerDriver.cpp - ONNX model -> artifact, stage by stage --------===//
//
// import -> graph to linalg -> dispatch creation (math expanded, one variant per target) -> each target
// compiles its own variants and declares their exports -> host schedule passes -> serialization. Nothing
// here knows a target by name: each one comes from the registry (codegen/target/TargetBackend.h).
//
#include "codegen/driver/CompilerDriver.h"

#include "codegen/host/Passes.h"
#include "codegen/host/SerializeSchedule.h"
#include "dialects/Dispatch/IR/DispatchOps.h"
#include "dialects/Graph/IR/GraphOps.h"
#include "dialects/Schedule/IR/ScheduleOps.h"
#include "frontend/onnx/Importer.h"
#include "passes/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace tessera {

void registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<graph::GraphDialect, dispatch::DispatchDialect, schedule::ScheduleDialect>();
}

static std::string printOp(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
  op->print(os, flags);
  os << "\n";
  return text;
}

static LogicalResult runPipeline(Operation *op, const CompileOptions &options,
                                 const std::function<void(OpPassManager &)> &build) {
  PassManager pm(op->getContext(), op->getName().getStringRef());
  if (options.configurePassManager && failed(options.configurePassManager(pm)))
    return failure();
  build(pm);
  return pm.run(op);
}

static void beginStage(const CompileOptions &options, EmitStage stage, const Twine &what) {
  if (options.progress)
    options.progress->beginStage(stage, what.str());
}

/// Compiles every variant of `target` and declares its exports; returns the compiled variants.
static FailureOr<SmallVector<dispatch::VariantOp>> compileVariants(ModuleOp module, StringRef targetName,
                                                                   const ConfiguredTarget &target,
                                                                   const CompileOptions &options) {
  SmallVector<dispatch::VariantOp> variants;
  for (auto exe : module.getOps<dispatch::ExecutableOp>())
    for (auto variant : exe.getBody().front().getOps<dispatch::VariantOp>())
      if (variant.getTarget() == targetName)
        variants.push_back(variant);
  beginStage(options, EmitStage::TargetText,
             "compiling " + Twine(variants.size()) + (variants.size() == 1 ? " kernel" : " kernels"));
  SmallVector<dispatch::VariantOp> compiled;
  for (dispatch::VariantOp variant : variants) {
    ModuleOp inner = variant.getInnerModule();
    if (!inner)
      return variant.emitOpError("has no kernel module");
    if (failed(runPipeline(inner, options, [&](OpPassManager &pm) { target.buildVariantPipeline(pm); })))
      return variant->getParentOfType<dispatch::ExecutableOp>().emitOpError("failed to compile for ") << targetName;
    if (failed(target.declareExports(variant)))
      return failure();
    compiled.push_back(variant);
    if (options.progress)
      options.progress->advance(compiled.size(), variants.size());
  }
  return compiled;
}

LogicalResult compile(MLIRContext &context, const CompileOptions &options, std::string &output) {
  Location loc = FileLineColLoc::get(&context, options.inputPath, 0, 0);
  registerAllTargetBackends();
  TargetBackend *backend = lookupTargetBackend(options.target);
  if (!backend)
    return emitError(loc) << "unsupported target '" << options.target << "' (available: " << registeredTargetNames()
                          << ")";
  if (options.emit == EmitStage::TargetText && backend->textStageName().empty())
    return emitError(loc) << "target '" << options.target << "' has no text stage to emit";
  auto target = backend->configure(loc, options.targetOptions);
  if (failed(target))
    return failure();

  beginStage(options, EmitStage::Graph, "importing " + llvm::sys::path::filename(options.inputPath));
  OwningOpRef<ModuleOp> module = onnx::importModelFile(context, options.inputPath);
  if (!module)
    return failure();
  if (options.emit == EmitStage::Graph) {
    output = printOp(*module);
    return success();
  }
  beginStage(options, EmitStage::Linalg, "lowering the graph to linalg");
  if (failed(runPipeline(*module, options, buildGraphToLinalgPipeline)))
    return failure();
  if (options.emit == EmitStage::Linalg) {
    output = printOp(*module);
    return success();
  }
  FrontendPipelineOptions frontend;
  frontend.targets = {backend->name().str()};
  auto dispatchCreation = [&](OpPassManager &pm) {
    (*target)->buildGlobalOptimizationPipeline(pm);
    buildDispatchCreationPipeline(pm, frontend);
  };
  beginStage(options, EmitStage::Dispatch, "forming dispatches");
  if (failed(runPipeline(*module, options, dispatchCreation)))
    return failure();
  if (options.emit == EmitStage::Dispatch) {
    output = printOp(*module);
    return success();
  }

  auto variants = compileVariants(*module, backend->name(), **target, options);
  if (failed(variants))
    return failure();
  auto code = (*target)->serialize(loc, *variants, options.emit == EmitStage::TargetText);
  if (failed(code))
    return failure();
  if (options.emit == EmitStage::TargetText) {
    output = std::move(code->text);
    return success();
  }

  beginStage(options, EmitStage::Schedule, "building the host schedule");
  if (failed(runPipeline(*module, options, host::buildHostSchedulePipeline)))
    return failure();
  auto programs = llvm::to_vector(module->getOps<schedule::ProgramOp>());
  if (programs.size() != 1)
    return emitError(loc) << "expected one host program, found " << programs.size();
  if (options.emit == EmitStage::Schedule) {
    output = printOp(programs.front());
    return success();
  }
  beginStage(options, EmitStage::Artifact, "serializing the artifact");
  auto serialized = host::serializeSchedule(*module, programs.front());
  if (failed(serialized))
    return failure();
  std::string metadata = codec::encodeMetadata(serialized->metadata);
  std::string schedule = codec::encodeSchedule(serialized->schedule);
  codec::ContainerInfo info;
  (*target)->describeContainer(info);
  std::vector<codec::SectionBytes> sections = {{TSR_SECTION_METADATA, metadata},
                                               {TSR_SECTION_SCHEDULE, schedule},
                                               {code->sectionKind, code->code},
                                               {TSR_SECTION_WEIGHTS, serialized->weights}};
  std::string sources; // sections refer to their bytes: it must outlive writeContainer
  if (options.recordSources) {
    sources = codec::encodeSources(serialized->sources);
    sections.push_back({TSR_SECTION_SOURCES, sources});
  }
  output = codec::writeContainer(info, sections);
  return success();
}

} // namespace tessera
