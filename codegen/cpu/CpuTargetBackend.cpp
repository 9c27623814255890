//===- CpuTargetBackend.cpp - the CPU target: LLVM kernels in a shared object --===//
//
// Variants with target("cpu") are tiled into workgroups, bufferized and lowered to LLVM with the fixed
// kernel ABI (kernel_abi.h); every CPU variant of a model goes into one shared object, linked in-process,
// stored in the CPU_CODE section. The resolved triple, CPU and required features go into the container
// header, where the runtime's CPU executor checks them before mapping any code.
//
#include "codegen/cpu/CpuTargetBackend.h"

#include "codegen/cpu/ObjectEmitter.h"
#include "codegen/cpu/Passes.h"
#include "passes/Passes.h"
#include "codegen/target/TargetBackend.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace tessera::cpu {
namespace {

constexpr llvm::StringLiteral kTargetName = "cpu";

class ConfiguredCpuTarget : public ConfiguredTarget {
public:
  explicit ConfiguredCpuTarget(CpuTarget target) : target(std::move(target)) {}

  void buildGraphOptimizationPipeline(OpPassManager &pm) const override {
    if (hasUkernels()) // channels-last needs the depthwise and matmul microkernels
      pm.addPass(tessera::createChooseConvolutionLayout());
  }

  void buildGlobalOptimizationPipeline(OpPassManager &pm) const override {
    if (!hasUkernels())
      return;
    pm.addPass(createWinogradConvolutions()); // only the microkernels implement the op
    pm.addPass(createPackMatmulWeights());    // nor this one
    pm.addPass(createCanonicalizerPass());     // the paddings it absorbed
  }

  void buildVariantConfigurationPipeline(OpPassManager &pm) const override {
    buildCpuKernelConfigurationPipeline(pm, pipelineOptions());
  }

  void buildVariantPipeline(OpPassManager &pm) const override { buildCpuKernelPipeline(pm, pipelineOptions()); }

  LogicalResult declareExports(dispatch::VariantOp variant) const override {
    auto exe = variant->getParentOfType<dispatch::ExecutableOp>();
    ModuleOp inner = variant.getInnerModule();
    StringRef name = exe.getSymName();
    auto kernel = inner ? inner.lookupSymbol<LLVM::LLVMFuncOp>(name) : LLVM::LLVMFuncOp();
    if (!kernel || !kernel->hasAttr(kWorkgroupCountAttr) || !kernel->hasAttr(kConstantCountAttr))
      return exe.emitOpError("kernel '") << name << "' was not produced";
    auto access = kernel->getAttrOfType<DenseI32ArrayAttr>(kBindingAccessAttr);
    if (!access)
      return exe.emitOpError("kernel '") << name << "' does not declare how it uses its bindings";
    int64_t count = cast<IntegerAttr>(kernel->getAttr(kWorkgroupCountAttr)).getInt();
    OpBuilder b(variant.getContext());
    b.setInsertionPoint(variant.getBody().front().getTerminator());
    int64_t constants = cast<IntegerAttr>(kernel->getAttr(kConstantCountAttr)).getInt();
    auto bytes = kernel->getAttrOfType<DenseI64ArrayAttr>(kBindingBytesAttr);
    dispatch::ExportOp::create(b, variant.getLoc(), name, ArrayRef<int64_t>{count, 1, 1}, ArrayRef<int64_t>{1, 1, 1},
                               access.asArrayRef(), bytes, static_cast<uint64_t>(constants),
                               kernel->getAttrOfType<DenseI64ArrayAttr>(kRunTimeGridAttr),
                               kernel->getAttrOfType<IntegerAttr>(kScratchBytesAttr));
    return success();
  }

  FailureOr<SerializedTarget> serialize(Location loc, ArrayRef<dispatch::VariantOp> variants,
                                        bool withText) const override {
    SmallVector<ModuleOp> modules;
    for (dispatch::VariantOp variant : variants)
      modules.push_back(variant.getInnerModule());
    SerializedTarget out;
    out.sectionKind = TSR_SECTION_CPU_CODE;
    auto code = emitSharedObject(loc, modules, target, withText ? &out.text : nullptr);
    if (failed(code))
      return failure();
    out.code = std::move(*code);
    return out;
  }

  FailureOr<std::string> serializeStatic(Location loc, ArrayRef<dispatch::VariantOp> variants, StringRef name,
                                         StringRef artifact) const override {
    SmallVector<ModuleOp> modules;
    StaticModel model{name.str(), artifact, {}};
    for (dispatch::VariantOp variant : variants) {
      modules.push_back(variant.getInnerModule());
      for (auto entry : variant.getBody().front().getOps<dispatch::ExportOp>())
        model.exports.push_back(entry.getSymName().str());
    }
    return emitStaticObject(loc, modules, target, model);
  }

  void describeContainer(codec::ContainerInfo &info) const override {
    info.target_triple = target.triple;
    info.target_cpu = target.cpu;
    info.required_cpu_features = target.requiredFeatures;
  }

private:
  bool hasUkernels() const { return llvm::Triple(target.triple).getArch() == llvm::Triple::x86_64; }

  CpuKernelPipelineOptions pipelineOptions() const {
    CpuKernelPipelineOptions options;
    options.ukernels = hasUkernels();
    options.vectorBits = target.requiredFeatures & TSR_CPU_AVX512F ? 512
                         : target.requiredFeatures & TSR_CPU_AVX  ? 256
                                                                  : 128;
    return options;
  }

  CpuTarget target;
};

class CpuTargetBackend : public TargetBackend {
public:
  StringRef name() const override { return kTargetName; }
  StringRef description() const override { return "native CPU kernels through LLVM, in a shared object"; }
  uint32_t codeSection() const override { return TSR_SECTION_CPU_CODE; }
  StringRef textStageName() const override { return "llvm-ir"; }
  std::vector<TargetOptionInfo> options() const override {
    return {{"target-triple", "LLVM target triple of CPU code (default: host)"},
            {"cpu", "CPU to compile for (default: host, with its features)"}};
  }
  FailureOr<std::unique_ptr<ConfiguredTarget>> configure(Location loc,
                                                        const TargetOptionValues &values) const override {
    auto target = resolveCpuTarget(loc, values.lookup("target-triple"), values.lookup("cpu"));
    if (failed(target))
      return failure();
    return std::unique_ptr<ConfiguredTarget>(std::make_unique<ConfiguredCpuTarget>(std::move(*target)));
  }
};

} // namespace

void registerCpuTargetBackend() { registerTargetBackend(std::make_unique<CpuTargetBackend>()); }

} // namespace tessera::cpu
