//===- TargetBackend.h - what a target contributes to the compiler -*- C++ -*-===//
//
// A target plugs into the compiler here and nowhere else: it names itself, declares its options, builds
// the pipeline that compiles its `tdisp.variant`s, declares the entry points each compiled variant
// exports, and serializes its variants into one artifact code section (whose kind tells the runtime
// which executor runs it). The driver, the host schedule passes and the serializer only talk to this
// interface, so no target name appears outside the target's own files.
//
#ifndef TESSERA_CODEGEN_TARGET_TARGETBACKEND_H
#define TESSERA_CODEGEN_TARGET_TARGETBACKEND_H

#include "dialects/Dispatch/IR/DispatchOps.h"
#include "runtime/codec/artifact_codec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <string>

namespace tessera {

/// One option a target accepts, e.g. `--cpu=NAME`. Tools turn each into a command-line flag.
struct TargetOptionInfo {
  std::string name;
  std::string description;
};

/// Values of target options by name ("" when not given).
using TargetOptionValues = llvm::StringMap<std::string>;

/// What serializing a target's variants produces.
struct SerializedTarget {
  uint32_t sectionKind = 0; // TSR_SECTION_*
  std::string code;         // the section's bytes
  std::string text;         // the target's readable form, when requested (e.g. LLVM IR)
};

/// A target configured for one compile (options resolved); used by one thread at a time.
class ConfiguredTarget {
public:
  virtual ~ConfiguredTarget();

  /// Whole-model passes on tgraph, before it is lowered to linalg: the layouts this target's kernels
  /// prefer (channels-last depthwise convolutions, say). Nothing by default.
  virtual void buildGraphOptimizationPipeline(mlir::OpPassManager &pm) const {}

  /// Whole-model passes on linalg tensors, before dispatch regions form: the op forms and weight layouts
  /// this target's kernels want (Winograd filters, say). Nothing by default.
  virtual void buildGlobalOptimizationPipeline(mlir::OpPassManager &pm) const {}

  /// Whether kernels can hold constant arrays (small tensors cloned into dispatch regions); otherwise they
  /// stay host weights, bound like any other.
  virtual bool embedsConstantArrays() const { return true; }

  /// Passes on the inner module of each variant of this target once dispatches have formed, before
  /// `--emit=dispatch` prints them: the lowering configuration the variant pipeline then follows (the
  /// CPU target's `tdisp.lowering_config`). Nothing by default.
  virtual void buildVariantConfigurationPipeline(mlir::OpPassManager &pm) const {}

  /// Passes that compile the inner module of one variant of this target.
  virtual void buildVariantPipeline(mlir::OpPassManager &pm) const = 0;

  /// After the pipeline: adds the `tdisp.export` ops of the compiled `variant`.
  virtual mlir::LogicalResult declareExports(dispatch::VariantOp variant) const = 0;

  /// Serializes every compiled variant of this target into one code section. `withText` asks for the
  /// target's readable form too (`--emit=` of a target stage).
  virtual mlir::FailureOr<SerializedTarget> serialize(mlir::Location loc,
                                                      llvm::ArrayRef<dispatch::VariantOp> variants,
                                                      bool withText) const = 0;

  /// Compiles every variant, with `artifact` (the artifact without this target's code section), into one
  /// relocatable object that defines the model as `NAME_model` (a tsr_static_model) for an app to link
  /// (`--emit=static`). Targets that cannot refuse.
  virtual mlir::FailureOr<std::string> serializeStatic(mlir::Location loc, llvm::ArrayRef<dispatch::VariantOp> variants,
                                                       llvm::StringRef name, llvm::StringRef artifact) const;
  /// Fills the container header fields this target owns (e.g. the CPU triple and features).
  virtual void describeContainer(codec::ContainerInfo &info) const {}
};

/// A registered target: its name, options and code section, and a factory for configured instances.
class TargetBackend {
public:
  virtual ~TargetBackend();

  /// The name `--target=` and `tdisp.variant target(...)` use.
  virtual llvm::StringRef name() const = 0;
  virtual llvm::StringRef description() const = 0;
  /// The artifact section that holds this target's code.
  virtual uint32_t codeSection() const = 0;
  /// Whether this target's kernels work on memory of their own (a device's): the schedule then moves the
  /// bytes they share with host steps by TRANSFER steps.
  virtual bool hasDeviceMemory() const { return false; }
  virtual std::vector<TargetOptionInfo> options() const { return {}; }
  /// Name of the stage `--emit=` shows for this target's code ("llvm-ir"), or "" if none.
  virtual llvm::StringRef textStageName() const { return ""; }
  /// The target that runs, in the same artifact, the kernels this one cannot compile ("" if none: then
  /// such a kernel is a compile error).
  virtual llvm::StringRef fallbackTarget() const { return ""; }

  /// Validates and resolves option values once per compile (e.g. the host CPU); errors go to `loc`.
  virtual mlir::FailureOr<std::unique_ptr<ConfiguredTarget>> configure(mlir::Location loc,
                                                                      const TargetOptionValues &values) const = 0;
};

/// Registers a backend (once per name; later registrations of the same name are ignored).
void registerTargetBackend(std::unique_ptr<TargetBackend> backend);
/// The backend named `name`, or null.
TargetBackend *lookupTargetBackend(llvm::StringRef name);
/// Every registered backend, in name order.
std::vector<TargetBackend *> registeredTargetBackends();
/// "cpu, vulkan": the names of the registered backends, for messages and help.
std::string registeredTargetNames();

/// Registers every backend built into this compiler.
void registerAllTargetBackends();

} // namespace tessera

#endif
