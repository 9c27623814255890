//===- tessera-compile.cpp - compile an ONNX model ahead of time ----------===//
#include "Progress.h"
#include "codegen/driver/CompilerDriver.h"
#include "codegen/driver/StaticHeader.h"
#include "codegen/vulkan/Passes.h"
#include "tools/common/HelpOptions.h"
#include "tools/common/ToolVersion.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

#include <deque>
#include <memory>
#include <set>

using namespace llvm;

static cl::OptionCategory category("tessera-compile options");
static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout; text stages only), or the "
                                                    "directory --emit=static writes NAME.o and NAME.h into"),
                                       cl::value_desc("path"), cl::init("-"), cl::cat(category));
static cl::opt<std::string> target("target", cl::desc("Target backend (set from the registry at startup)"),
                                   cl::init("cpu"), cl::cat(category));
static cl::opt<bool> stripSources(
    "strip-sources",
    cl::desc("Leave the ONNX node names of each step out of the artifact (they name nodes in run-time errors, "
             "--info and profiles)"),
    cl::init(false), cl::cat(category));
static cl::opt<tessera::EmitStage> emit(
    "emit", cl::desc("Stop after this stage"), cl::init(tessera::EmitStage::Artifact),
    cl::values(clEnumValN(tessera::EmitStage::Graph, "graph", "imported tgraph dialect"),
               clEnumValN(tessera::EmitStage::Linalg, "linalg", "linalg on tensors"),
               clEnumValN(tessera::EmitStage::Dispatch, "dispatch", "executables and host dispatches"),
               clEnumValN(tessera::EmitStage::TargetText, "llvm-ir", "the target's code as text (optimized LLVM IR)"),
               clEnumValN(tessera::EmitStage::TargetText, "spirv", "the Vulkan target's kernels as text (SPIR-V dialect)"),
               clEnumValN(tessera::EmitStage::Schedule, "schedule", "the host schedule (tsched.program)"),
               clEnumValN(tessera::EmitStage::Artifact, "artifact", "the loadable artifact (default)"),
               clEnumValN(tessera::EmitStage::Static, "static",
                          "an object file and a C header for linking the model into an app (CPU target): "
                          "-o DIR writes DIR/NAME.o and DIR/NAME.h")),
    cl::cat(category));
static cl::opt<std::string> staticName(
    "static-name",
    cl::desc("With --emit=static: the C name of the model (NAME.o defines NAME_model); default: the model "
             "file's name, made a C identifier"),
    cl::value_desc("NAME"), cl::cat(category));

static cl::opt<bool> reportPlacement(
    "report-placement",
    cl::desc("Print the target each kernel runs on, with the ONNX nodes it computes (and why a kernel falls "
             "back to the CPU), on stdout (stderr when the output is stdout)"),
    cl::init(false), cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("Print no progress, even on a terminal (overrides --progress)"),
                           cl::init(false), cl::cat(category));
static cl::opt<bool> progressLines(
    "progress",
    cl::desc("Print each stage on its own line on stderr, also when stderr is not a terminal (on a terminal, "
             "progress otherwise rewrites one line)"),
    cl::init(false), cl::cat(category));
static cl::extrahelp exitStatusHelp(
    "\nexit status: 0 success, 1 compile error (diagnostics printed on stderr), 2 usage error (bad flag or "
    "argument, output file that cannot be written)\n");

/// One flag per option of every registered target (e.g. the CPU target's --cpu and --target-triple).
/// cl::opt keeps references to its name and description, so they live in `storage`.
static std::vector<std::unique_ptr<cl::opt<std::string>>> registerTargetOptions(std::deque<std::string> &storage) {
  std::vector<std::unique_ptr<cl::opt<std::string>>> flags;
  std::set<std::string> seen;
  for (tessera::TargetBackend *backend : tessera::registeredTargetBackends())
    for (const tessera::TargetOptionInfo &info : backend->options()) {
      if (!seen.insert(info.name).second)
        continue;
      const std::string &name = storage.emplace_back(info.name);
      const std::string &desc = storage.emplace_back(info.description + " [" + backend->name().str() + " target]");
      flags.push_back(std::make_unique<cl::opt<std::string>>(StringRef(name), cl::desc(desc), cl::cat(category)));
    }
  return flags;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << tessera::toolVersionText("tessera-compile") << "LLVM: " << LLVM_VERSION_STRING << "\n";
  });
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  tessera::registerAllTargetBackends();
  std::deque<std::string> flagStrings;
  auto targetFlags = registerTargetOptions(flagStrings);
  // `--target=list` needs no model: answer it before the positional argument is required.
  for (int i = 1; i < argc; ++i)
    if (StringRef(argv[i]) == "--target=list" || StringRef(argv[i]) == "-target=list") {
      for (tessera::TargetBackend *backend : tessera::registeredTargetBackends())
        outs() << backend->name() << "\t" << backend->description() << "\n";
      return 0;
    } else if (StringRef(argv[i]) == "--vulkan-profiles=list" || StringRef(argv[i]) == "-vulkan-profiles=list") {
      for (const tessera::vulkan::VulkanProfile &profile : tessera::vulkan::vulkanProfiles())
        outs() << profile.name << "\t" << profile.description << "\n";
      return 0;
    }
  std::string targetHelp = "Target backend, one of: " + tessera::registeredTargetNames() +
                           " (default cpu; --target=list describes them)";
  target.setDescription(targetHelp);
  // MLIR's IR printing and timing flags, registered above, are hidden too: they stay usable.
  tessera::moveUnrelatedOptionsToHelpHidden({&category});
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "tessera-compile: compile an ONNX model into a Tessera artifact\n\n"
                                   "  tessera-compile model.onnx --target=cpu -o model.tsr\n"
                                   "  tessera-compile model.onnx --emit=dispatch -o -\n",
                                   &errs()))
    return 2; // usage error
  if (emit == tessera::EmitStage::Artifact && outputPath == "-") {
    errs() << "tessera-compile: error: an artifact needs an output file (-o model.tsr)\n";
    return 2;
  }
  if (emit == tessera::EmitStage::Static && outputPath == "-") {
    errs() << "tessera-compile: error: --emit=static needs an output directory (-o DIR)\n";
    return 2;
  }
  if (!staticName.empty() && emit != tessera::EmitStage::Static) {
    errs() << "tessera-compile: error: --static-name needs --emit=static\n";
    return 2;
  }
  mlir::DialectRegistry registry;
  tessera::registerCompilerDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  mlir::DefaultTimingManager timing;
  mlir::applyDefaultTimingManagerCLOptions(timing);
  tessera::CompileOptions options;
  options.inputPath = inputPath;
  options.target = target;
  options.emit = emit;
  options.recordSources = !stripSources;
  std::string header;
  options.staticName = staticName.empty() ? tessera::defaultStaticModelName(inputPath) : staticName.getValue();
  options.staticHeader = &header;
  if (reportPlacement)
    options.placementReport = outputPath == "-" ? &errs() : &outs();
  for (auto &flag : targetFlags)
    options.targetOptions[flag->ArgStr] = flag->getValue();
  // With --mlir-timing every pass manager reports into one tree, printed at exit.
  mlir::TimingScope rootScope = timing.getRootScope();
  options.configurePassManager = [&](mlir::PassManager &pm) -> mlir::LogicalResult {
    if (mlir::failed(mlir::applyPassManagerCLOptions(pm)))
      return mlir::failure();
    if (timing.isEnabled())
      pm.enableTiming(rootScope);
    return mlir::success();
  };

  tessera::StderrProgress progress(tessera::StderrProgress::chooseMode(quiet, progressLines), emit);
  options.progress = &progress;

  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &diag) {
    if (diag.getSeverity() != mlir::DiagnosticSeverity::Error)
      return mlir::success();
    progress.endLine();
    // Locations are "node name"(model file); messages already name the node, op type and opset.
    mlir::Location loc = diag.getLocation();
    if (auto name = dyn_cast<mlir::NameLoc>(loc))
      loc = name.getChildLoc();
    if (auto file = dyn_cast<mlir::FileLineColLoc>(loc))
      errs() << file.getFilename().getValue() << ": ";
    errs() << "error: " << diag.str() << "\n";
    for (auto &note : diag.getNotes())
      errs() << "  note: " << note.str() << "\n";
    return mlir::success();
  });

  // In-process lld resets every cl::opt when it links, so read the flags before compiling.
  std::string outputFile = outputPath;
  std::string output;
  if (mlir::failed(tessera::compile(context, options, output)))
    return 1;
  progress.clear();
  std::vector<std::pair<std::string, const std::string *>> files = {{outputFile, &output}};
  if (emit == tessera::EmitStage::Static) {
    if (std::error_code ec = sys::fs::create_directories(outputFile)) {
      errs() << "tessera-compile: error: cannot create directory '" << outputFile << "': " << ec.message() << "\n";
      return 2;
    }
    auto inDir = [&](StringRef extension) {
      SmallString<256> file(outputFile);
      llvm::sys::path::append(file, options.staticName + extension);
      return file.str().str();
    };
    files = {{inDir(".o"), &output}, {inDir(".h"), &header}};
  }
  for (auto &[path, bytes] : files) {
    std::string error;
    auto file = mlir::openOutputFile(path, &error);
    if (!file) {
      errs() << "tessera-compile: error: " << error << "\n";
      return 2;
    }
    file->os() << *bytes;
    file->keep();
  }
  return 0;
}
