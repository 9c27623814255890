//===- CompilerDriver.h - ONNX model -> artifact, stage by stage -*- C++ -*-===//
#ifndef TESSERA_CODEGEN_DRIVER_COMPILERDRIVER_H
#define TESSERA_CODEGEN_DRIVER_COMPILERDRIVER_H

#include "codegen/target/TargetBackend.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <functional>
#include <string>

namespace tessera {

/// Where compilation stops. `TargetText` is the target's readable code (LLVM IR for the CPU); `Static` is the
/// artifact as an object file to link into an app, with a header declaring it.
enum class EmitStage { Graph, Linalg, Dispatch, TargetText, Schedule, Artifact, Static };

/// Told as compilation moves on, so a tool can show where it is; the default does nothing.
class CompileProgress {
public:
  virtual ~CompileProgress() = default;
  /// The work that ends with `stage`'s result begins; `what` says what it does ("importing model.onnx").
  virtual void beginStage(EmitStage stage, llvm::StringRef what) {}
  /// `done` of the current stage's `total` items (the kernels being compiled) are finished.
  virtual void advance(size_t done, size_t total) {}
};

struct CompileOptions {
  std::string inputPath;
  std::string target; // a registered target backend
  EmitStage emit = EmitStage::Artifact;
  /// Record the ONNX nodes each step computes (the artifact's SOURCES section), which run-time errors,
  /// `--info` and profiles name.
  bool recordSources = true;
  /// Option values of the target backends (`TargetBackend::options()`), by option name.
  TargetOptionValues targetOptions;
  /// Applied to every pass manager the driver creates (timing, IR printing, crash reproducers).
  std::function<mlir::LogicalResult(mlir::PassManager &)> configurePassManager;
  /// Where progress goes; none when null.
  CompileProgress *progress = nullptr;
  /// When set, receives one line per kernel: the target it was placed on and the ONNX nodes it computes,
  /// with the reason when a kernel falls back from the chosen target.
  llvm::raw_ostream *placementReport = nullptr;
  /// For EmitStage::Static: the C identifier that names the model in the object and the header
  /// (`NAME_model`), and where the header's text goes.
  std::string staticName;
  std::string *staticHeader = nullptr;
};

/// Registers every dialect and interface the compiler needs.
void registerCompilerDialects(mlir::DialectRegistry &registry);

/// Runs the compiler up to `options.emit`; `output` receives the text of that stage, the artifact bytes or
/// (EmitStage::Static) the object's bytes. Errors are emitted as diagnostics on `context`.
mlir::LogicalResult compile(mlir::MLIRContext &context, const CompileOptions &options,
                            std::string &output);

} // namespace tessera

#endif
