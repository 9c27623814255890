//===- VulkanTargetBackend.cpp - the Vulkan target: SPIR-V compute shaders ---===//
//
// Variants with target("vulkan") are bufferized, mapped to invocations and converted to one spirv.module
// per kernel for the chosen capability profile; the SPIRV section holds each module's binary under its
// entry point name. What a kernel cannot do on the device (the mapping or the profile refuses it) is
// placed on the CPU, the fallback target, inside the same artifact.
//
#include "codegen/vulkan/VulkanTargetBackend.h"

#include "codegen/target/TargetBackend.h"
#include "codegen/vulkan/Passes.h"
#include "passes/Passes.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Target/SPIRV/Serialization.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace tessera::vulkan {
namespace {

constexpr llvm::StringLiteral kTargetName = "vulkan";

const VulkanProfile *lookupProfile(StringRef name) {
  for (const VulkanProfile &p : vulkanProfiles())
    if (name == p.name)
      return &p;
  return nullptr;
}

std::string profileNames() {
  std::string names;
  for (const VulkanProfile &p : vulkanProfiles())
    names += (names.empty() ? "" : ", ") + std::string(p.name);
  return names;
}

class ConfiguredVulkanTarget : public ConfiguredTarget {
public:
  explicit ConfiguredVulkanTarget(const VulkanProfile &profile) : profile(profile) {}

  // SPIR-V kernels cannot index a constant array; small constants are bound as weights instead.
  bool embedsConstantArrays() const override { return false; }

  // A kernel holds no temporaries: a softmax's max, exponentials, sum and division form four dispatches.
  void buildGlobalOptimizationPipeline(OpPassManager &pm) const override {
    pm.addPass(tessera::createDecomposeAggregateOps());
  }

  void buildVariantPipeline(OpPassManager &pm) const override {
    VulkanKernelPipelineOptions options;
    options.targetEnv = profile.targetEnv;
    options.workgroupMemoryBytes = profile.workgroupMemoryBytes;
    buildVulkanKernelPipeline(pm, options);
  }

  LogicalResult declareExports(dispatch::VariantOp variant) const override {
    auto exe = variant->getParentOfType<dispatch::ExecutableOp>();
    StringRef name = exe.getSymName();
    ModuleOp inner = variant.getInnerModule();
    auto modules = inner ? llvm::to_vector(inner.getOps<spirv::ModuleOp>()) : SmallVector<spirv::ModuleOp>();
    if (modules.size() != 1)
      return exe.emitOpError("expected one SPIR-V module for kernel '") << name << "', found " << modules.size();
    // The mapping pass put the launch facts on the kernel; the SPIR-V function keeps them.
    spirv::FuncOp kernel = modules[0].lookupSymbol<spirv::FuncOp>(name);
    if (!kernel)
      return exe.emitOpError("SPIR-V kernel '") << name << "' was not produced";
    auto count = kernel->getAttrOfType<IntegerAttr>(kWorkgroupCountAttr);
    auto size = kernel->getAttrOfType<IntegerAttr>(kWorkgroupSizeAttr);
    auto access = kernel->getAttrOfType<DenseI32ArrayAttr>(kBindingAccessAttr);
    if (!count || !size || !access)
      return exe.emitOpError("SPIR-V kernel '") << name << "' lacks its launch attributes";
    OpBuilder b(variant.getContext());
    b.setInsertionPoint(variant.getBody().front().getTerminator());
    auto bytes = kernel->getAttrOfType<DenseI64ArrayAttr>(kBindingBytesAttr);
    auto constants = kernel->getAttrOfType<IntegerAttr>(kDispatchConstantsAttr);
    dispatch::ExportOp::create(b, variant.getLoc(), name, ArrayRef<int64_t>{count.getInt(), 1, 1},
                               ArrayRef<int64_t>{size.getInt(), 1, 1}, access.asArrayRef(), bytes,
                               uint64_t(constants ? constants.getInt() : 0),
                               kernel->getAttrOfType<DenseI64ArrayAttr>(kRunTimeGridAttr),
                               /*scratch_bytes=*/nullptr);
    return success();
  }

  FailureOr<SerializedTarget> serialize(Location loc, ArrayRef<dispatch::VariantOp> variants,
                                        bool withText) const override {
    std::vector<codec::SpirvModule> modules;
    SerializedTarget out;
    out.sectionKind = TSR_SECTION_SPIRV;
    llvm::raw_string_ostream text(out.text);
    for (dispatch::VariantOp variant : variants) {
      StringRef name = variant->getParentOfType<dispatch::ExecutableOp>().getSymName();
      for (auto module : variant.getInnerModule().getOps<spirv::ModuleOp>()) {
        SmallVector<uint32_t> words;
        if (failed(spirv::serialize(module, words)))
          return emitError(loc) << "cannot serialize the SPIR-V of kernel '" << name << "'";
        modules.push_back({name.str(), std::vector<uint32_t>(words.begin(), words.end())});
        if (withText)
          text << module << "\n";
      }
    }
    out.code = codec::encodeSpirvSection(modules);
    return out;
  }

private:
  const VulkanProfile &profile;
};

class VulkanTargetBackend : public TargetBackend {
public:
  StringRef name() const override { return kTargetName; }
  StringRef description() const override {
    return "SPIR-V compute shaders for Vulkan devices (kernels the device cannot run stay on the CPU)";
  }
  uint32_t codeSection() const override { return TSR_SECTION_SPIRV; }
  bool hasDeviceMemory() const override { return true; }
  StringRef textStageName() const override { return "spirv"; }
  StringRef fallbackTarget() const override { return "cpu"; }
  std::vector<TargetOptionInfo> options() const override {
    return {{"vulkan-profiles", "Capability profile kernels are compiled for: " + profileNames() +
                                    " (default baseline; --vulkan-profiles=list describes them)"}};
  }
  FailureOr<std::unique_ptr<ConfiguredTarget>> configure(Location loc,
                                                        const TargetOptionValues &values) const override {
    std::string name = values.lookup("vulkan-profiles");
    if (name.find(',') != std::string::npos)
      return emitError(loc) << "--vulkan-profiles: one profile per artifact for now (got '" << name << "')";
    const VulkanProfile *profile = lookupProfile(name.empty() ? StringRef("baseline") : StringRef(name));
    if (!profile)
      return emitError(loc) << "unknown Vulkan profile '" << name << "' (available: " << profileNames() << ")";
    return std::unique_ptr<ConfiguredTarget>(std::make_unique<ConfiguredVulkanTarget>(*profile));
  }
};

} // namespace

void registerVulkanTargetBackend() { registerTargetBackend(std::make_unique<VulkanTargetBackend>()); }

} // namespace tessera::vulkan
