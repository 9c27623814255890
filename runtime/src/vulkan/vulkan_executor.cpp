#include "vulkan/vulkan_executor.h"

#include <algorithm>
#include <cstdlib>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "status.h"
#include "vulkan/spirv_scan.h"
#include "vulkan/vulkan_session.h"

namespace tessera::rt {
namespace {

using vk::resultStatus;

// The model's device state, shared by its sessions (vulkan_session.h), and a command buffer for the weights'
// upload at load.
class VulkanExecutor final : public Executor {
public:
  vk::SharedDevice shared;  // first: destroyed last
  VkCommandPool command_pool = VK_NULL_HANDLE;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;

  ~VulkanExecutor() override {
    const vk::Device& device = shared.device;
    if (device.device == VK_NULL_HANDLE) return;
    const vk::Api& api = device.api;
    api.vkDeviceWaitIdle(device.device);
    if (fence != VK_NULL_HANDLE) api.vkDestroyFence(device.device, fence, nullptr);
    if (command_pool != VK_NULL_HANDLE) api.vkDestroyCommandPool(device.device, command_pool, nullptr);
  }

  tsr_status* createCommands();
  tsr_status* openSession(std::unique_ptr<ExecutorSession>& out) const override {
    return vk::openVulkanSession(shared, out);
  }
  // Every session has its Vulkan state (openSession never gives none), which runs its dispatches.
  tsr_status* dispatch(const Dispatch& d, const HostThreads&) const override {
    return makeStatus(TSR_STATUS_INTERNAL, format("step %zu: a Vulkan dispatch without the session's state", d.step));
  }
};

tsr_status* VulkanExecutor::createCommands() {
  const vk::Device& device = shared.device;
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

// Marks the buffers (arena, inputs, outputs, buffers sized at run time; not weights) that this executor's
// dispatches bind, each binding at an offset the device can bind and none beside another binding of the same
// buffer in one dispatch, and whether sessions keep them in device-local memory: where no device-local memory
// can be mapped (the host arena is then host memory), or when TESSERA_VULKAN_DEVICE_ARENA=1 asks for it (tests
// run that path on any device). Host steps work on such a buffer's bytes in host memory; the schedule's
// TRANSFER steps move them between the two.
void findDeviceResidentBuffers(vk::SharedDevice& shared) {
  const Schedule& sc = *shared.schedule;
  const uint64_t alignment = shared.device.properties.limits.minStorageBufferOffsetAlignment;
  std::vector<bool>& resident = shared.device_resident;
  std::vector<bool> refused(sc.buffers.size(), false);
  resident.assign(sc.buffers.size(), false);
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& step = sc.steps[i];
    if (step.kind != TSR_STEP_DISPATCH || shared.dispatch_slot[i] == UINT32_MAX) continue;
    for (size_t j = 0; j < step.bindings.size(); ++j) {
      const Binding& bj = step.bindings[j];
      const uint32_t kind = sc.buffers[bj.buffer].kind;
      if (kind == TSR_BUFFER_CONSTANT) continue;
      // An arena buffer's device copy is at its arena offset; another's is a device buffer of its own.
      const uint64_t at = (kind == TSR_BUFFER_ARENA ? sc.buffers[bj.buffer].offset : 0) + bj.offset;
      bool ok = alignment <= 1 || at % alignment == 0;
      for (size_t k = 0; k < step.bindings.size() && ok; ++k) ok = k == j || step.bindings[k].buffer != bj.buffer;
      resident[bj.buffer] = true;
      refused[bj.buffer] = refused[bj.buffer] || !ok;
    }
  }
  bool any = false;
  for (size_t b = 0; b < resident.size(); ++b) any = any || (resident[b] = resident[b] && !refused[b]);
  const char* force = std::getenv("TESSERA_VULKAN_DEVICE_ARENA");
  bool mappable = false;  // some device-local memory the host can map
  const VkPhysicalDeviceMemoryProperties& memory = shared.device.memory;
  for (uint32_t t = 0; t < memory.memoryTypeCount; ++t) {
    const VkMemoryPropertyFlags f = memory.memoryTypes[t].propertyFlags;
    mappable = mappable || ((f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) && (f & vk::kHostCoherent) == vk::kHostCoherent);
  }
  shared.device_arena = any && ((force && std::strcmp(force, "1") == 0) || !mappable);
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
  vk::SharedDevice& shared = vulkan->shared;
  vk::Device& device = shared.device;
  if (tsr_status* st = device.open(load.options ? load.options->vulkan_device : nullptr)) return st;
  // A kernel compiled for a richer profile than the device offers is refused by name, before the driver sees it.
  for (size_t i = 0; i < exports.size(); ++i) {
    std::vector<uint32_t> capabilities;
    if (!vk::scanCapabilities(*words[i], capabilities, error))
      return invalid(format("SPIRV: module '%s': %s", exports[i]->symbol.c_str(), error.c_str()));
    if (const char* missing = device.missingCapability(capabilities))
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("Vulkan: kernel '%s' needs the SPIR-V capability %s, which device '%s' does not "
                               "support (compile with a narrower profile: --vulkan-profiles=baseline)",
                               exports[i]->symbol.c_str(), missing, device.properties.deviceName));
  }
  const char* cache = load.options && load.options->vulkan_pipeline_cache && *load.options->vulkan_pipeline_cache
                          ? load.options->vulkan_pipeline_cache
                          : std::getenv("TESSERA_VULKAN_PIPELINE_CACHE");
  if (tsr_status* st = shared.kernels.create(exports, words, cache)) return st;
  if (tsr_status* st = vulkan->createCommands()) return st;
  shared.weights_base = load.weights;
  shared.weights_size = load.weights_size;
  if (load.weights) {
    const char* force = std::getenv("TESSERA_VULKAN_FORCE_STAGING");
    if (tsr_status* st = shared.weights.upload(load.weights, load.weights_size, weightRanges(load),
                                               force && std::strcmp(force, "1") == 0, vulkan->commands, vulkan->fence))
      return st;
  }
  if (tsr_status* st = device.validationErrors("pipeline creation")) return st;

  const Schedule& sc = *load.schedule;
  shared.schedule = load.schedule;
  shared.first_kernel.resize(sc.executables.size());
  size_t next = 0;
  for (size_t i = 0; i < sc.executables.size(); ++i) {
    shared.first_kernel[i] = next;
    if (sc.executables[i].code_section == load.code_section) next += sc.executables[i].exports.size();
  }
  // Each dispatch step of this executor gets a slot (its descriptor set and status word in a session).
  shared.dispatch_slot.assign(sc.steps.size(), UINT32_MAX);
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& step = sc.steps[i];
    if (step.kind != TSR_STEP_DISPATCH) continue;
    if (sc.executables[step.executable].code_section == load.code_section)
      shared.dispatch_slot[i] = shared.dispatch_count++;
    else
      shared.host_dispatches = true;
  }
  findDeviceResidentBuffers(shared);
  out = std::move(vulkan);
  return nullptr;
}

}  // namespace tessera::rt
