#include "vulkan/vulkan_buffers.h"

#include <algorithm>

#include "status.h"

namespace tessera::rt::vk {
namespace {

// Sizes are rounded up to this and grow by half at least, so a slot settles after a few dispatches.
constexpr VkDeviceSize kGranule = 64 * 1024;

VkDeviceSize roundUp(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }
unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace

std::vector<uint32_t> memoryTypesWith(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits,
                                      VkMemoryPropertyFlags wanted) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
    if ((type_bits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & wanted) == wanted) out.push_back(i);
  return out;
}

MemoryChoices hostMappedMemory(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits, bool device_first) {
  constexpr VkMemoryPropertyFlags kDevice = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, kCached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
  std::vector<VkMemoryPropertyFlags> order = {kDevice | kCached};
  if (device_first) order.push_back(kDevice);
  order.push_back(kCached);
  order.push_back(0);
  MemoryChoices out;
  for (VkMemoryPropertyFlags extra : order)
    for (uint32_t type : memoryTypesWith(memory, type_bits, kHostCoherent | extra))
      if (std::find(out.begin(), out.end(), std::make_pair(type, true)) == out.end()) out.push_back({type, true});
  return out;
}

MemoryChoices deviceLocalMemory(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits) {
  MemoryChoices out;
  for (uint32_t type : memoryTypesWith(memory, type_bits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)) out.push_back({type, false});
  return out;
}

tsr_status* createBuffer(const Device& device, VkDeviceSize size, VkBufferUsageFlags usage,
                         const std::function<MemoryChoices(uint32_t type_bits)>& choose, const char* what,
                         DeviceBuffer& out) {
  const Api& api = device.api;
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = size;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  DeviceBuffer b;
  VkResult r = api.vkCreateBuffer(device.device, &info, nullptr, &b.buffer);
  if (r != VK_SUCCESS) return resultStatus(r, format("vkCreateBuffer (%llu bytes of %s)", ull(size), what));
  VkMemoryRequirements req{};
  api.vkGetBufferMemoryRequirements(device.device, b.buffer, &req);
  const MemoryChoices choices = choose(req.memoryTypeBits);
  if (choices.empty()) {
    destroyBuffer(device, b);
    return makeStatus(TSR_STATUS_UNSUPPORTED, format("Vulkan: device '%s' offers no memory type that can hold %s",
                                                     device.properties.deviceName, what));
  }
  VkMemoryAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  alloc.allocationSize = req.size;
  bool map = false;
  for (const auto& [type, mapped] : choices) {
    alloc.memoryTypeIndex = type;
    map = mapped;
    if ((r = api.vkAllocateMemory(device.device, &alloc, nullptr, &b.memory)) == VK_SUCCESS) break;
    b.memory = VK_NULL_HANDLE;
  }
  const char* call = nullptr;
  if (r != VK_SUCCESS)
    call = "vkAllocateMemory";
  else if ((r = api.vkBindBufferMemory(device.device, b.buffer, b.memory, 0)) != VK_SUCCESS)
    call = "vkBindBufferMemory";
  else if (map && (r = api.vkMapMemory(device.device, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped)) != VK_SUCCESS)
    call = "vkMapMemory";
  if (call) {
    b.mapped = nullptr;
    destroyBuffer(device, b);
    return resultStatus(r, format("%s (%llu bytes of %s)", call, ull(req.size), what));
  }
  b.size = size;
  out = b;
  return nullptr;
}

void destroyBuffer(const Device& device, DeviceBuffer& b) {
  if (b.buffer != VK_NULL_HANDLE) device.api.vkDestroyBuffer(device.device, b.buffer, nullptr);
  if (b.memory != VK_NULL_HANDLE) device.api.vkFreeMemory(device.device, b.memory, nullptr);
  b = DeviceBuffer{};
}

BufferPool::~BufferPool() {
  for (DeviceBuffer& b : slots_) destroyBuffer(device_, b);
}

tsr_status* BufferPool::slot(uint32_t slot, VkDeviceSize bytes, const DeviceBuffer*& out, bool* grew) {
  if (slot >= slots_.size()) slots_.resize(slot + 1);
  DeviceBuffer& b = slots_[slot];
  if (grew) *grew = b.size < bytes;
  if (b.size < bytes) {
    const VkDeviceSize size = roundUp(std::max(bytes, b.size + b.size / 2), kGranule);
    destroyBuffer(device_, b);
    // Activations have no staging path yet: their buffers are host-visible coherent memory, which Vulkan
    // guarantees a storage buffer can use.
    auto choose = [&](uint32_t type_bits) { return hostMappedMemory(device_.memory, type_bits, true); };
    // Bound by dispatches, or a staging buffer for a transfer.
    const VkBufferUsageFlags usage =
        VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    if (tsr_status* st = createBuffer(device_, size, usage, choose, "binding buffers", b))
      return st;
  }
  out = &b;
  return nullptr;
}

}  // namespace tessera::rt::vk
