// The compute pipelines of a model's SPIR-V exports (the SPIR-V kernel ABI, kernel_abi.h): per export a shader
// module, a descriptor set layout of one storage buffer per binding and one for the status word and the
// dispatch's parameters, a pipeline layout, and the pipeline (sessions hold the descriptor sets,
// vulkan_session.h).
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_KERNELS_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_KERNELS_H

#include <vector>

#include "model.h"
#include "vulkan/vulkan_device.h"

namespace tessera::rt::vk {

struct Kernel {
  const Export* x = nullptr;  // in the model's schedule
  VkShaderModule module = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
};

/// Parameter words a dispatch of `x` passes after its status word: its constants and, when it has any, the
/// byte length of each binding after them (kernel_abi.h).
inline uint32_t parameterWords(const Export& x) {
  return x.constant_count ? x.constant_count + static_cast<uint32_t>(x.binding_access.size()) : 0;
}
/// The most parameter words an export may take (a forged constant count cannot size the status buffers).
constexpr uint32_t kMaxParameterWords = 4096;

class KernelSet {
public:
  explicit KernelSet(Device& device) : device_(device) {}
  KernelSet(const KernelSet&) = delete;
  KernelSet& operator=(const KernelSet&) = delete;
  ~KernelSet();

  // Checks every export against the device's limits, then creates its pipeline from `words` (per export,
  // the module that holds its entry point). With a `cache_path`, pipelines start from the driver's cache
  // saved there (a file the driver does not recognize is ignored) and the cache is written back after when
  // it changed (a file that cannot be written is then a load error: the caller asked for it).
  tsr_status* create(const std::vector<const Export*>& exports, const std::vector<const std::vector<uint32_t>*>& words,
                     const char* cache_path);

  const Kernel& operator[](size_t i) const { return kernels_[i]; }

private:
  tsr_status* checkLimits(const Export& x) const;
  tsr_status* createKernel(const Export& x, const std::vector<uint32_t>& words, Kernel& k);
  // The pipeline cache, from `path` when it holds one; VK_NULL_HANDLE-free on failure (pipelines are then
  // created without a cache: a cache only saves time).
  void openCache(const char* path);
  tsr_status* saveCache(const char* path) const;

  Device& device_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::vector<char> cache_read_;  // the cache file's bytes as read
  std::vector<Kernel> kernels_;
};

}  // namespace tessera::rt::vk

#endif
