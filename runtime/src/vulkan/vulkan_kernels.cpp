#include "vulkan/vulkan_kernels.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "status.h"

namespace tessera::rt::vk {

KernelSet::~KernelSet() {
  const Api& api = device_.api;
  const VkDevice d = device_.device;
  for (auto k = kernels_.rbegin(); k != kernels_.rend(); ++k) {
    if (k->pipeline != VK_NULL_HANDLE) api.vkDestroyPipeline(d, k->pipeline, nullptr);
    if (k->layout != VK_NULL_HANDLE) api.vkDestroyPipelineLayout(d, k->layout, nullptr);
    if (k->set_layout != VK_NULL_HANDLE) api.vkDestroyDescriptorSetLayout(d, k->set_layout, nullptr);
    if (k->module != VK_NULL_HANDLE) api.vkDestroyShaderModule(d, k->module, nullptr);
  }
  if (cache_ != VK_NULL_HANDLE) api.vkDestroyPipelineCache(d, cache_, nullptr);
}

void KernelSet::openCache(const char* path) {
  std::vector<char>& data = cache_read_;
  if (std::FILE* f = std::fopen(path, "rb")) {
    // A cache is small (kernels of one model); a huge file is not one, and is not read.
    constexpr long kMaxCacheBytes = 256L << 20;
    if (std::fseek(f, 0, SEEK_END) == 0) {
      long size = std::ftell(f);
      if (size > 0 && size <= kMaxCacheBytes && std::fseek(f, 0, SEEK_SET) == 0) {
        data.resize(static_cast<size_t>(size));
        if (std::fread(data.data(), 1, data.size(), f) != data.size()) data.clear();
      }
    }
    std::fclose(f);
  }
  VkPipelineCacheCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  info.initialDataSize = data.size();
  info.pInitialData = data.empty() ? nullptr : data.data();
  if (device_.api.vkCreatePipelineCache(device_.device, &info, nullptr, &cache_) != VK_SUCCESS) {
    cache_ = VK_NULL_HANDLE;
    // Data the driver rejects outright: start empty.
    info.initialDataSize = 0;
    info.pInitialData = nullptr;
    if (device_.api.vkCreatePipelineCache(device_.device, &info, nullptr, &cache_) != VK_SUCCESS) cache_ = VK_NULL_HANDLE;
  }
}

tsr_status* KernelSet::saveCache(const char* path) const {
  const Api& api = device_.api;
  size_t size = 0;
  if (api.vkGetPipelineCacheData(device_.device, cache_, &size, nullptr) != VK_SUCCESS) return nullptr;
  std::vector<char> data(size);
  if (api.vkGetPipelineCacheData(device_.device, cache_, &size, data.data()) != VK_SUCCESS) return nullptr;
  data.resize(size);
  if (data == cache_read_) return nullptr;  // unchanged: a read-only cache file stays usable
  // Written next to the file and renamed over it, so a concurrent reader never sees half a cache.
  const std::string temporary = std::string(path) + ".tmp" + std::to_string(reinterpret_cast<uintptr_t>(this));
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (!f)
    return makeStatus(TSR_STATUS_IO_ERROR, format("Vulkan: cannot write the pipeline cache '%s': %s", path,
                                                  std::strerror(errno)));
  const bool written = std::fwrite(data.data(), 1, size, f) == size;
  if (std::fclose(f) != 0 || !written || std::rename(temporary.c_str(), path) != 0) {
    std::string error = std::strerror(errno);
    std::remove(temporary.c_str());
    return makeStatus(TSR_STATUS_IO_ERROR, format("Vulkan: cannot write the pipeline cache '%s': %s", path,
                                                  error.c_str()));
  }
  return nullptr;
}

tsr_status* KernelSet::checkLimits(const Export& x) const {
  const VkPhysicalDeviceLimits& l = device_.properties.limits;
  const char* dev = device_.properties.deviceName;
  const char* sym = x.symbol.c_str();
  const size_t bindings = x.binding_access.size() + 1;  // and the status word
  auto exceeds = [&](const char* what, unsigned long long need, const char* limit, unsigned long long have) {
    return makeStatus(TSR_STATUS_UNSUPPORTED,
                      format("Vulkan: kernel '%s' needs %llu %s but device '%s' allows %llu (%s)", sym, need, what,
                             dev, have, limit));
  };
  if (bindings > l.maxPerStageDescriptorStorageBuffers)
    return exceeds("storage buffers", bindings, "maxPerStageDescriptorStorageBuffers",
                   l.maxPerStageDescriptorStorageBuffers);
  if (bindings > l.maxDescriptorSetStorageBuffers)
    return exceeds("storage buffers", bindings, "maxDescriptorSetStorageBuffers", l.maxDescriptorSetStorageBuffers);
  if (x.constant_count > kMaxParameterWords || parameterWords(x) > kMaxParameterWords)
    return makeStatus(TSR_STATUS_UNSUPPORTED,
                      format("Vulkan: kernel '%s' takes %llu dispatch parameters, more than the %u the executor passes",
                             sym, static_cast<unsigned long long>(x.constant_count) + x.binding_access.size(),
                             kMaxParameterWords));
  const uint32_t* wg = x.workgroup_size;
  for (int k = 0; k < 3; ++k)
    if (wg[k] > l.maxComputeWorkGroupSize[k])
      return exceeds(k == 0 ? "invocations along x" : k == 1 ? "invocations along y" : "invocations along z", wg[k],
                     "maxComputeWorkGroupSize", l.maxComputeWorkGroupSize[k]);
  const uint64_t invocations = uint64_t{wg[0]} * wg[1] * wg[2];
  if (invocations > l.maxComputeWorkGroupInvocations)
    return exceeds("invocations per workgroup", invocations, "maxComputeWorkGroupInvocations",
                   l.maxComputeWorkGroupInvocations);
  return nullptr;
}

tsr_status* KernelSet::create(const std::vector<const Export*>& exports,
                              const std::vector<const std::vector<uint32_t>*>& words, const char* cache_path) {
  if (cache_path && *cache_path) openCache(cache_path);
  for (const Export* x : exports)
    if (tsr_status* st = checkLimits(*x)) return st;
  kernels_.resize(exports.size());
  for (size_t i = 0; i < exports.size(); ++i)
    if (tsr_status* st = createKernel(*exports[i], *words[i], kernels_[i])) return st;
  if (cache_ != VK_NULL_HANDLE) return saveCache(cache_path);
  return nullptr;
}

tsr_status* KernelSet::createKernel(const Export& x, const std::vector<uint32_t>& words, Kernel& k) {
  const Api& api = device_.api;
  const VkDevice d = device_.device;
  const std::string what = "for kernel '" + x.symbol + "'";
  k.x = &x;
  // A failed vkCreate* leaves its output undefined: clear it so the destructor skips it.
  auto failed = [&](VkResult r, const char* call, auto& handle) {
    handle = VK_NULL_HANDLE;
    return resultStatus(r, std::string(call) + " " + what);
  };

  VkShaderModuleCreateInfo module_info{};
  module_info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  module_info.codeSize = words.size() * sizeof(uint32_t);
  module_info.pCode = words.data();
  VkResult r = api.vkCreateShaderModule(d, &module_info, nullptr, &k.module);
  if (r != VK_SUCCESS) return failed(r, "vkCreateShaderModule", k.module);

  // The dispatch's bindings, then the status word and parameters (kernel_abi.h).
  std::vector<VkDescriptorSetLayoutBinding> bindings(x.binding_access.size() + 1);
  for (size_t i = 0; i < bindings.size(); ++i) {
    bindings[i] = {};
    bindings[i].binding = static_cast<uint32_t>(i);
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo set_info{};
  set_info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  set_info.bindingCount = static_cast<uint32_t>(bindings.size());
  set_info.pBindings = bindings.data();
  r = api.vkCreateDescriptorSetLayout(d, &set_info, nullptr, &k.set_layout);
  if (r != VK_SUCCESS) return failed(r, "vkCreateDescriptorSetLayout", k.set_layout);

  VkPipelineLayoutCreateInfo layout_info{};
  layout_info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &k.set_layout;
  r = api.vkCreatePipelineLayout(d, &layout_info, nullptr, &k.layout);
  if (r != VK_SUCCESS) return failed(r, "vkCreatePipelineLayout", k.layout);

  VkComputePipelineCreateInfo pipeline_info{};
  pipeline_info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  pipeline_info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pipeline_info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipeline_info.stage.module = k.module;
  pipeline_info.stage.pName = x.symbol.c_str();
  pipeline_info.layout = k.layout;
  r = api.vkCreateComputePipelines(d, cache_, 1, &pipeline_info, nullptr, &k.pipeline);
  if (r != VK_SUCCESS) return failed(r, "vkCreateComputePipelines", k.pipeline);

  return nullptr;
}

}  // namespace tessera::rt::vk
