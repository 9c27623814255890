//===- CompilerDriver.cpp - ONNX model -> artifact, stage by stage --------===//
//
// import -> graph to linalg -> dispatch creation (math expanded, one variant per target) -> each target
// compiles its own variants and declares their exports -> host schedule passes -> serialization. Nothing
// here knows a target by name: each one comes from the registry (codegen/target/TargetBackend.h).
//
#include "codegen/driver/CompilerDriver.h"

#include "codegen/host/Passes.h"
#include "codegen/driver/StaticHeader.h"
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

/// The variants of `targetName`, in executable order.
static SmallVector<dispatch::VariantOp> variantsOf(ModuleOp module, StringRef targetName) {
  SmallVector<dispatch::VariantOp> variants;
  for (auto exe : module.getOps<dispatch::ExecutableOp>())
    for (auto variant : exe.getBody().front().getOps<dispatch::VariantOp>())
      if (variant.getTarget() == targetName)
        variants.push_back(variant);
  return variants;
}

/// "add, relu": the ONNX nodes an executable computes, from the fused location of a dispatch of it.
static std::string nodeNames(dispatch::ExecutableOp exe) {
  std::string names;
  auto module = exe->getParentOfType<ModuleOp>();
  module.walk([&](dispatch::DispatchOp d) {
    if (d.getExecutable() != exe.getSymName())
      return WalkResult::advance();
    d->getLoc()->walk([&](Location l) {
      if (auto name = dyn_cast<NameLoc>(l))
        names += (names.empty() ? "" : ", ") + name.getName().str();
      return WalkResult::advance();
    });
    return WalkResult::interrupt();
  });
  return names.empty() ? exe.getSymName().str() : names;
}

/// Compiles every variant of `targetName` and declares its exports; returns the compiled variants. With a
/// `fallback` target, a variant that does not compile is erased (the executable keeps its fallback
/// variant) instead of failing the compile, and each compiled variant's fallback sibling is erased.
static FailureOr<SmallVector<dispatch::VariantOp>> compileVariants(ModuleOp module, StringRef targetName,
                                                                   const ConfiguredTarget &target,
                                                                   StringRef fallback, bool nameTarget,
                                                                   const CompileOptions &options) {
  SmallVector<dispatch::VariantOp> variants = variantsOf(module, targetName);
  beginStage(options, EmitStage::TargetText,
             "compiling " + Twine(variants.size()) + (variants.size() == 1 ? " kernel" : " kernels") +
                 (nameTarget ? (" for " + targetName).str() : std::string()));
  SmallVector<dispatch::VariantOp> compiled;
  size_t done = 0;
  for (dispatch::VariantOp variant : variants) {
    auto exe = variant->getParentOfType<dispatch::ExecutableOp>();
    ModuleOp inner = variant.getInnerModule();
    if (!inner)
      return variant.emitOpError("has no kernel module");
    std::string reason;
    LogicalResult result = success();
    {
      // With a fallback, the first error is the placement's reason, not a compile error.
      std::optional<ScopedDiagnosticHandler> capture;
      if (!fallback.empty())
        capture.emplace(module.getContext(), [&](Diagnostic &diag) {
          if (diag.getSeverity() != DiagnosticSeverity::Error)
            return success();
          if (reason.empty())
            reason = diag.str();
          return success();
        });
      result = runPipeline(inner, options, [&](OpPassManager &pm) { target.buildVariantPipeline(pm); });
      if (succeeded(result))
        result = target.declareExports(variant);
    }
    if (failed(result) && fallback.empty())
      return exe.emitOpError("failed to compile for ") << targetName;
    if (failed(result)) {
      variant.erase();
      if (options.placementReport)
        *options.placementReport << exe.getSymName() << ": " << fallback << " (" << nodeNames(exe) << "; "
                                 << targetName << ": " << reason << ")\n";
    } else {
      compiled.push_back(variant);
      if (!fallback.empty())
        for (auto other : llvm::to_vector(exe.getBody().front().getOps<dispatch::VariantOp>()))
          if (other.getTarget() != targetName)
            other.erase();
      if (options.placementReport && !fallback.empty())
        *options.placementReport << exe.getSymName() << ": " << targetName << " (" << nodeNames(exe) << ")\n";
    }
    if (options.progress)
      options.progress->advance(++done, variants.size());
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
  const bool linkStatic = options.emit == EmitStage::Static;
  if (linkStatic && !isStaticModelName(options.staticName))
    return emitError(loc) << "'" << options.staticName
                          << "' cannot name a model in C (--static-name takes letters, digits and '_')";
  auto target = backend->configure(loc, options.targetOptions);
  if (failed(target))
    return failure();
  // The fallback target runs, in the same artifact, what the chosen one cannot.
  TargetBackend *fallbackBackend = nullptr;
  std::unique_ptr<ConfiguredTarget> fallback;
  if (!backend->fallbackTarget().empty()) {
    fallbackBackend = lookupTargetBackend(backend->fallbackTarget());
    if (!fallbackBackend)
      return emitError(loc) << "target '" << options.target << "' needs its fallback target '"
                            << backend->fallbackTarget() << "', which is not built in";
    auto configured = fallbackBackend->configure(loc, options.targetOptions);
    if (failed(configured))
      return failure();
    fallback = std::move(*configured);
    if (linkStatic) // its kernels could not all be linked into one object
      return emitError(loc) << "target '" << options.target
                            << "' cannot be linked into an app (--emit=static needs --target=cpu)";
  }

  beginStage(options, EmitStage::Graph, "importing " + llvm::sys::path::filename(options.inputPath));
  OwningOpRef<ModuleOp> module = onnx::importModelFile(context, options.inputPath);
  if (!module)
    return failure();
  if (options.emit == EmitStage::Graph) {
    output = printOp(*module);
    return success();
  }
  beginStage(options, EmitStage::Linalg, "lowering the graph to linalg");
  auto graphToLinalg = [&](OpPassManager &pm) {
    buildGraphToLinalgPipeline(pm, [&](OpPassManager &nested) { (*target)->buildGraphOptimizationPipeline(nested); });
  };
  if (failed(runPipeline(*module, options, graphToLinalg)))
    return failure();
  if (options.emit == EmitStage::Linalg) {
    output = printOp(*module);
    return success();
  }
  FrontendPipelineOptions frontend;
  frontend.targets = {backend->name().str()};
  frontend.inlineConstantArrays = (*target)->embedsConstantArrays();
  if (fallbackBackend) {
    frontend.targets.push_back(fallbackBackend->name().str());
    frontend.inlineConstantArrays = frontend.inlineConstantArrays && fallback->embedsConstantArrays();
  }
  auto dispatchCreation = [&](OpPassManager &pm) {
    (*target)->buildGlobalOptimizationPipeline(pm);
    buildDispatchCreationPipeline(pm, frontend);
  };
  beginStage(options, EmitStage::Dispatch, "forming dispatches");
  if (failed(runPipeline(*module, options, dispatchCreation)))
    return failure();
  auto configureVariants = [&](StringRef targetName, const ConfiguredTarget &configured) -> LogicalResult {
    for (dispatch::VariantOp variant : variantsOf(*module, targetName))
      if (ModuleOp inner = variant.getInnerModule())
        if (failed(runPipeline(inner, options,
                               [&](OpPassManager &pm) { configured.buildVariantConfigurationPipeline(pm); })))
          return failure();
    return success();
  };
  if (failed(configureVariants(backend->name(), **target)) ||
      (fallbackBackend && failed(configureVariants(fallbackBackend->name(), *fallback))))
    return failure();
  if (options.emit == EmitStage::Dispatch) {
    output = printOp(*module);
    return success();
  }

  auto variants = compileVariants(*module, backend->name(), **target,
                                  fallbackBackend ? fallbackBackend->name() : StringRef(),
                                  /*nameTarget=*/fallbackBackend != nullptr, options);
  if (failed(variants))
    return failure();
  FailureOr<SerializedTarget> code = SerializedTarget{backend->codeSection(), "", ""};
  if (!linkStatic) // a linked model's kernels go into its object instead
    code = (*target)->serialize(loc, *variants, options.emit == EmitStage::TargetText);
  if (failed(code))
    return failure();
  if (options.emit == EmitStage::TargetText) {
    output = std::move(code->text);
    return success();
  }
  std::optional<SerializedTarget> fallbackCode;
  if (fallbackBackend) {
    auto fallbackVariants =
        compileVariants(*module, fallbackBackend->name(), *fallback, "", /*nameTarget=*/true, options);
    if (failed(fallbackVariants))
      return failure();
    if (!fallbackVariants->empty()) {
      auto serializedFallback = fallback->serialize(loc, *fallbackVariants, /*withText=*/false);
      if (failed(serializedFallback))
        return failure();
      fallbackCode = std::move(*serializedFallback);
    }
  }

  beginStage(options, EmitStage::Schedule, "building the host schedule");
  std::vector<std::string> deviceTargets;
  for (TargetBackend *b : {backend, fallbackBackend})
    if (b && b->hasDeviceMemory())
      deviceTargets.push_back(b->name().str());
  if (failed(runPipeline(*module, options,
                         [&](OpPassManager &pm) { host::buildHostSchedulePipeline(pm, deviceTargets); })))
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
  std::vector<codec::SectionBytes> sections = {{TSR_SECTION_METADATA, metadata}, {TSR_SECTION_SCHEDULE, schedule}};
  if (!linkStatic)
    sections.push_back({code->sectionKind, code->code});
  sections.push_back({TSR_SECTION_WEIGHTS, serialized->weights});
  if (fallbackCode) {
    fallback->describeContainer(info);
    sections.push_back({fallbackCode->sectionKind, fallbackCode->code});
  }
  std::string sources; // sections refer to their bytes: it must outlive writeContainer
  if (options.recordSources) {
    sources = codec::encodeSources(serialized->sources);
    sections.push_back({TSR_SECTION_SOURCES, sources});
  }
  output = codec::writeContainer(info, sections);
  if (linkStatic) {
    beginStage(options, EmitStage::Static, "compiling the kernels into an object");
    auto object = (*target)->serializeStatic(loc, *variants, options.staticName, output);
    if (failed(object))
      return failure();
    if (options.staticHeader)
      *options.staticHeader = staticHeader(options.staticName, options.inputPath, serialized->metadata, info);
    output = std::move(*object);
  }
  return success();
}

} // namespace tessera
