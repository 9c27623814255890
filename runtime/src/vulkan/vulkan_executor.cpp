#include "vulkan/vulkan_executor.h"

#include <cstdlib>

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "status.h"
#include "vulkan/spirv_scan.h"
#include "vulkan/vulkan_buffers.h"
#include "vulkan/vulkan_kernels.h"
#include "vulkan/vulkan_weights.h"

namespace tessera::rt {
namespace {

using vk::resultStatus;

// A dispatch still running after this is reported rather than waited for forever.
constexpr uint64_t kDispatchTimeoutNs = 60ull * 1000 * 1000 * 1000;
// The range bound for a zero-length binding (Vulkan has no empty buffers or ranges).
constexpr VkDeviceSize kEmptyBindingRange = 16;

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

class VulkanExecutor final : public Executor {
public:
  vk::Device device;  // first: destroyed last
  vk::KernelSet kernels{device};
  std::vector<size_t> first_kernel;  // per executable of the schedule: its export 0 in `kernels`
  VkCommandPool command_pool = VK_NULL_HANDLE;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  // The model's constant data, and the ranges of it that dispatches read, on the device since load.
  const uint8_t* weights_base = nullptr;
  uint64_t weights_size = 0;
  vk::WeightBuffers weights{device};

  // The device work of one dispatch at a time: the buffers, the command buffer, the fence and the descriptor
  // sets are shared by every session of the model.
  mutable std::mutex mutex;
  mutable vk::BufferPool buffers{device};
  mutable std::string broken;  // once set, why this executor cannot dispatch any more

  ~VulkanExecutor() override {
    if (device.device == VK_NULL_HANDLE) return;
    const vk::Api& api = device.api;
    api.vkDeviceWaitIdle(device.device);
    if (fence != VK_NULL_HANDLE) api.vkDestroyFence(device.device, fence, nullptr);
    if (command_pool != VK_NULL_HANDLE) api.vkDestroyCommandPool(device.device, command_pool, nullptr);
  }

  tsr_status* createCommands();
  tsr_status* dispatch(const Dispatch& d, const HostThreads& threads) const override;

private:
  tsr_status* run(const Dispatch& d, const vk::Kernel& k) const;
  tsr_status* record(const Dispatch& d, const vk::Kernel& k) const;
  bool findWeights(const Dispatch& d, const vk::Kernel& k, uint32_t j, VkDescriptorBufferInfo& info) const;
};

tsr_status* VulkanExecutor::createCommands() {
  const vk::Api& api = device.api;
  VkCommandPoolCreateInfo pool_info{};
  pool_info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = device.queue_family;
  VkResult r = api.vkCreateCommandPool(device.device, &pool_info, nullptr, &command_pool);
  if (r != VK_SUCCESS) {
    command_pool = VK_NULL_HANDLE;
    return resultStatus(r, "vkCreateCommandPool");
  }
  VkCommandBufferAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  alloc.commandPool = command_pool;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  r = api.vkAllocateCommandBuffers(device.device, &alloc, &commands);
  if (r != VK_SUCCESS) return resultStatus(r, "vkAllocateCommandBuffers");
  VkFenceCreateInfo fence_info{};
  fence_info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  r = api.vkCreateFence(device.device, &fence_info, nullptr, &fence);
  if (r != VK_SUCCESS) {
    fence = VK_NULL_HANDLE;
    return resultStatus(r, "vkCreateFence");
  }
  return nullptr;
}

tsr_status* VulkanExecutor::dispatch(const Dispatch& d, const HostThreads&) const {
  const vk::Kernel& k = kernels[first_kernel[d.executable] + d.export_index];
  std::lock_guard<std::mutex> lock(mutex);
  if (!broken.empty())
    return makeStatus(TSR_STATUS_KERNEL_FAILED, format("step %zu (kernel '%s'): this model's Vulkan device is "
                                                       "unusable after an earlier failure: %s",
                                                       d.step, k.x->symbol.c_str(), broken.c_str()));
  tsr_status* st = run(d, k);
  if (!st) st = device.validationErrors(format("step %zu (kernel '%s')", d.step, k.x->symbol.c_str()));
  return st;
}

// Binds buffers, records and submits the dispatch, waits for it and copies the written bindings back.
tsr_status* VulkanExecutor::run(const Dispatch& d, const vk::Kernel& k) const {
  const vk::Api& api = device.api;
  const VkPhysicalDeviceLimits& limits = device.properties.limits;
  const char* symbol = k.x->symbol.c_str();
  for (int i = 0; i < 3; ++i)
    if (d.workgroup_count[i] > limits.maxComputeWorkGroupCount[i])
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("step %zu (kernel '%s'): workgroup count [%u,%u,%u] exceeds maxComputeWorkGroupCount "
                               "[%u,%u,%u] of device '%s'",
                               d.step, symbol, d.workgroup_count[0], d.workgroup_count[1], d.workgroup_count[2],
                               limits.maxComputeWorkGroupCount[0], limits.maxComputeWorkGroupCount[1],
                               limits.maxComputeWorkGroupCount[2], device.properties.deviceName));

  std::vector<const vk::DeviceBuffer*> slots(d.binding_count);  // null for weights bound in place
  std::vector<VkDescriptorBufferInfo> infos(d.binding_count);
  std::vector<VkWriteDescriptorSet> writes(d.binding_count);
  for (uint32_t j = 0; j < d.binding_count; ++j) {
    const uint64_t length = d.binding_lengths[j];
    if (length > limits.maxStorageBufferRange)
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("step %zu (kernel '%s'): binding %u is %llu bytes, more than maxStorageBufferRange "
                               "(%u bytes) of device '%s'",
                               d.step, symbol, j, ull(length), limits.maxStorageBufferRange,
                               device.properties.deviceName));
    const VkDeviceSize range = length ? length : kEmptyBindingRange;
    if (!findWeights(d, k, j, infos[j])) {
      if (tsr_status* st = buffers.slot(j, range, slots[j])) return st;
      // Every binding is copied in, written ones too: a kernel need not write every byte of its output.
      if (length) std::memcpy(slots[j]->mapped, d.bindings[j], length);
      infos[j] = {slots[j]->buffer, 0, range};
    }
    writes[j] = {};
    writes[j].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    writes[j].dstSet = k.set;
    writes[j].dstBinding = j;
    writes[j].descriptorCount = 1;
    writes[j].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[j].pBufferInfo = &infos[j];
  }
  // The status word after the bindings: zero, set by a kernel whose run-time check fails (kernel_abi.h).
  const vk::DeviceBuffer* status = nullptr;
  if (tsr_status* st = buffers.slot(d.binding_count, kEmptyBindingRange, status)) return st;
  std::memset(status->mapped, 0, sizeof(uint32_t));
  VkDescriptorBufferInfo status_info{status->buffer, 0, kEmptyBindingRange};
  VkWriteDescriptorSet status_write{};
  status_write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
  status_write.dstSet = k.set;
  status_write.dstBinding = d.binding_count;
  status_write.descriptorCount = 1;
  status_write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  status_write.pBufferInfo = &status_info;
  writes.push_back(status_write);
  // The previous dispatch has completed (its fence was waited for), so its set may be rewritten.
  api.vkUpdateDescriptorSets(device.device, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
  if (tsr_status* st = record(d, k)) return st;

  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  VkResult r = api.vkQueueSubmit(device.queue, 1, &submit, fence);
  if (r != VK_SUCCESS) {
    if (r == VK_ERROR_DEVICE_LOST) broken = "VK_ERROR_DEVICE_LOST";
    return resultStatus(r, format("vkQueueSubmit (step %zu, kernel '%s')", d.step, symbol));
  }
  r = api.vkWaitForFences(device.device, 1, &fence, VK_TRUE, kDispatchTimeoutNs);
  if (r == VK_TIMEOUT) {
    broken = "a dispatch timed out";
    return makeStatus(TSR_STATUS_KERNEL_FAILED,
                      format("Vulkan dispatch timed out: step %zu (kernel '%s') did not finish within %llu s",
                             d.step, symbol, ull(kDispatchTimeoutNs / 1000000000)));
  }
  if (r != VK_SUCCESS) {
    broken = vk::resultName(r) + " while waiting for a dispatch";
    return resultStatus(r, format("vkWaitForFences (step %zu, kernel '%s')", d.step, symbol));
  }
  r = api.vkResetFences(device.device, 1, &fence);
  if (r != VK_SUCCESS) {
    broken = vk::resultName(r) + " from vkResetFences";
    return resultStatus(r, "vkResetFences");
  }
  for (uint32_t j = 0; j < d.binding_count; ++j)
    if ((k.x->binding_access[j] & TSR_ACCESS_WRITE) && d.binding_lengths[j])
      std::memcpy(d.bindings[j], slots[j]->mapped, d.binding_lengths[j]);
  uint32_t code = 0;
  std::memcpy(&code, status->mapped, sizeof(code));
  if (const char* why = kernelValueError(code))  // the inputs' values
    return makeStatus(TSR_STATUS_INVALID_ARGUMENT, format("step %zu: %s (kernel '%s')", d.step, why, symbol));
  if (code != 0)
    return makeStatus(TSR_STATUS_KERNEL_FAILED,
                      format("step %zu: kernel '%s' reported error %u", d.step, symbol, code));
  return nullptr;
}

// Binding `j` of `d` as weights already on the device, if it is one: read-only, in the model's constant data.
bool VulkanExecutor::findWeights(const Dispatch& d, const vk::Kernel& k, uint32_t j, VkDescriptorBufferInfo& info) const {
  const uint64_t length = d.binding_lengths[j];
  const auto* p = static_cast<const uint8_t*>(d.bindings[j]);
  if (!length || (k.x->binding_access[j] & TSR_ACCESS_WRITE) || !weights_base || p < weights_base ||
      p - weights_base > static_cast<std::ptrdiff_t>(weights_size))
    return false;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize at = 0;
  if (!weights.find(static_cast<uint64_t>(p - weights_base), length, buffer, at)) return false;
  info = {buffer, at, length};
  return true;
}

tsr_status* VulkanExecutor::record(const Dispatch& d, const vk::Kernel& k) const {
  const vk::Api& api = device.api;
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  VkResult r = api.vkBeginCommandBuffer(commands, &begin);  // implicitly resets the previous recording
  if (r != VK_SUCCESS) return resultStatus(r, "vkBeginCommandBuffer");
  api.vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
  if (k.set != VK_NULL_HANDLE)
    api.vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout, 0, 1, &k.set, 0, nullptr);
  if (d.constant_count)
    api.vkCmdPushConstants(commands, k.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, d.constant_count * 4u, d.constants);
  api.vkCmdDispatch(commands, d.workgroup_count[0], d.workgroup_count[1], d.workgroup_count[2]);
  // The fence orders the host after the dispatch; this makes the shader's writes visible to host reads.
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  api.vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier,
                           0, nullptr, 0, nullptr);
  r = api.vkEndCommandBuffer(commands);
  if (r != VK_SUCCESS) return resultStatus(r, "vkEndCommandBuffer");
  return nullptr;
}

// The ranges of the model's constant data that this executor's dispatches read.
std::vector<vk::WeightRange> weightRanges(const ExecutorLoad& load) {
  const Schedule& sc = *load.schedule;
  std::vector<vk::WeightRange> ranges;
  for (const Step& step : sc.steps) {
    if (step.kind != TSR_STEP_DISPATCH || sc.executables[step.executable].code_section != load.code_section) continue;
    const Export& x = sc.executables[step.executable].exports[step.export_index];
    for (size_t j = 0; j < step.bindings.size(); ++j) {
      const Binding& b = step.bindings[j];
      const Buffer& buffer = sc.buffers[b.buffer];
      if (buffer.kind == TSR_BUFFER_CONSTANT && isLiteral(b.length) && j < x.binding_access.size() &&
          !(x.binding_access[j] & TSR_ACCESS_WRITE))
        ranges.push_back({buffer.offset + b.offset, static_cast<uint64_t>(b.length)});
    }
  }
  return ranges;
}

tsr_status* invalid(std::string message) { return makeStatus(TSR_STATUS_INVALID_ARTIFACT, "artifact: " + message); }

// Per SPIRV export of the schedule, in executable then export order: the export and its module's words.
tsr_status* findModules(const ExecutorLoad& load, const std::vector<codec::SpirvModule>& modules,
                        std::vector<const Export*>& exports, std::vector<const std::vector<uint32_t>*>& words) {
  std::map<std::string, const codec::SpirvModule*> by_entry;
  for (const codec::SpirvModule& m : modules) by_entry[m.entry_point] = &m;
  for (const Executable& e : load.schedule->executables) {
    if (e.code_section != load.code_section) continue;
    for (const Export& x : e.exports) {
      auto it = by_entry.find(x.symbol);
      if (it == by_entry.end())
        return makeStatus(TSR_STATUS_NOT_FOUND, format("artifact: kernel '%s' not found in SPIRV", x.symbol.c_str()));
      vk::EntryPoint entry;
      std::string error;
      const char* sym = x.symbol.c_str();
      if (!vk::scanEntryPoint(it->second->words, x.symbol, entry, error))
        return invalid(format("SPIRV: module '%s': %s", sym, error.c_str()));
      if (!entry.found) return invalid(format("SPIRV: module '%s' has no GLCompute entry point '%s'", sym, sym));
      const uint32_t* wg = x.workgroup_size;
      const uint32_t* ls = entry.local_size;
      if (entry.has_local_size && (ls[0] != wg[0] || ls[1] != wg[1] || ls[2] != wg[2]))
        return invalid(format("SPIRV: kernel '%s' has local size [%u,%u,%u] but its export's workgroup size is "
                              "[%u,%u,%u]",
                              sym, ls[0], ls[1], ls[2], wg[0], wg[1], wg[2]));
      exports.push_back(&x);
      words.push_back(&it->second->words);
    }
  }
  return nullptr;
}

}  // namespace

std::string describeVulkanDevices() {
  vk::Device device;
  if (tsr_status* st = device.openInstance()) {
    std::string text = std::string(tsr_status_message(st)) + "\n";
    tsr_status_free(st);
    return text;
  }
  std::string text = device.describeDevices();
  return text.empty() ? "Vulkan: no Vulkan device available\n" : text;
}

tsr_status* createVulkanExecutor(const ExecutorLoad& load, std::unique_ptr<Executor>& out) {
  // The artifact first: a corrupt section is an error whether or not this host has a device.
  std::vector<codec::SpirvModule> modules;
  std::string error;
  if (!codec::decodeSpirvSection(load.code, load.code_size, modules, error)) return invalid("SPIRV: " + error);
  std::vector<const Export*> exports;
  std::vector<const std::vector<uint32_t>*> words;
  if (tsr_status* st = findModules(load, modules, exports, words)) return st;

  auto vulkan = std::make_unique<VulkanExecutor>();
  if (tsr_status* st = vulkan->device.open(load.options ? load.options->vulkan_device : nullptr)) return st;
  // A kernel compiled for a richer profile than the device offers is refused by name, before the driver sees it.
  for (size_t i = 0; i < exports.size(); ++i) {
    std::vector<uint32_t> capabilities;
    if (!vk::scanCapabilities(*words[i], capabilities, error))
      return invalid(format("SPIRV: module '%s': %s", exports[i]->symbol.c_str(), error.c_str()));
    if (const char* missing = vulkan->device.missingCapability(capabilities))
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("Vulkan: kernel '%s' needs the SPIR-V capability %s, which device '%s' does not "
                               "support (compile with a narrower profile: --vulkan-profiles=baseline)",
                               exports[i]->symbol.c_str(), missing, vulkan->device.properties.deviceName));
  }
  const char* cache = load.options && load.options->vulkan_pipeline_cache && *load.options->vulkan_pipeline_cache
                          ? load.options->vulkan_pipeline_cache
                          : std::getenv("TESSERA_VULKAN_PIPELINE_CACHE");
  if (tsr_status* st = vulkan->kernels.create(exports, words, cache)) return st;
  if (tsr_status* st = vulkan->createCommands()) return st;
  vulkan->weights_base = load.weights;
  vulkan->weights_size = load.weights_size;
  if (load.weights) {
    const char* force = std::getenv("TESSERA_VULKAN_FORCE_STAGING");
    if (tsr_status* st = vulkan->weights.upload(load.weights, load.weights_size, weightRanges(load),
                                                force && std::strcmp(force, "1") == 0, vulkan->commands, vulkan->fence))
      return st;
  }
  if (tsr_status* st = vulkan->device.validationErrors("pipeline creation")) return st;

  const Schedule& sc = *load.schedule;
  vulkan->first_kernel.resize(sc.executables.size());
  size_t next = 0;
  for (size_t i = 0; i < sc.executables.size(); ++i) {
    vulkan->first_kernel[i] = next;
    if (sc.executables[i].code_section == load.code_section) next += sc.executables[i].exports.size();
  }
  out = std::move(vulkan);
  return nullptr;
}

}  // namespace tessera::rt
