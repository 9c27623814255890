#include "vulkan/vulkan_buffers.h"

#include <algorithm>

#include "status.h"

namespace tessera::rt::vk {
namespace {

// Sizes are rounded up to this and grow by half at least, so a slot settles after a few dispatches.
constexpr VkDeviceSize kGranule = 64 * 1024;

VkDeviceSize roundUp(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

// Memory types for a buffer that accepts `type_bits`, best first: device-local memory the host can map (unified
// memory, resizable BAR), then cached host memory (fast read-back), then any host-visible coherent memory.
std::vector<uint32_t> hostVisibleTypes(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits) {
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  std::vector<uint32_t> out;
  const VkMemoryPropertyFlags preferences[] = {VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
                                               VK_MEMORY_PROPERTY_HOST_CACHED_BIT, 0};
  for (VkMemoryPropertyFlags extra : preferences)
    for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
      const VkMemoryPropertyFlags flags = memory.memoryTypes[i].propertyFlags;
      if ((type_bits & (1u << i)) && (flags & (host | extra)) == (host | extra) &&
          std::find(out.begin(), out.end(), i) == out.end())
        out.push_back(i);
    }
  return out;
}

}  // namespace

BufferPool::~BufferPool() {
  for (HostBuffer& b : slots_) destroy(b);
}

tsr_status* BufferPool::slot(uint32_t slot, VkDeviceSize bytes, const HostBuffer*& out) {
  if (slot >= slots_.size()) slots_.resize(slot + 1);
  HostBuffer& b = slots_[slot];
  if (b.size < bytes) {
    const VkDeviceSize size = roundUp(std::max(bytes, b.size + b.size / 2), kGranule);
    destroy(b);
    if (tsr_status* st = create(size, b)) return st;
  }
  out = &b;
  return nullptr;
}

tsr_status* BufferPool::create(VkDeviceSize size, HostBuffer& out) {
  const Api& api = device_.api;
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = size;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  HostBuffer b;
  VkResult r = api.vkCreateBuffer(device_.device, &info, nullptr, &b.buffer);
  if (r != VK_SUCCESS)
    return resultStatus(r, format("vkCreateBuffer (%llu bytes)", static_cast<unsigned long long>(size)));
  VkMemoryRequirements req{};
  api.vkGetBufferMemoryRequirements(device_.device, b.buffer, &req);
  const std::vector<uint32_t> types = hostVisibleTypes(device_.memory, req.memoryTypeBits);
  if (types.empty()) {
    api.vkDestroyBuffer(device_.device, b.buffer, nullptr);
    return makeStatus(TSR_STATUS_UNSUPPORTED,
                      format("Vulkan: device '%s' offers no host-visible coherent memory for storage buffers "
                             "(copies through staging buffers are not implemented)",
                             device_.properties.deviceName));
  }
  VkMemoryAllocateInfo alloc{};
  alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  alloc.allocationSize = req.size;
  r = VK_ERROR_OUT_OF_DEVICE_MEMORY;
  for (uint32_t type : types) {  // a small heap (e.g. a 256 MiB BAR) may be full while another is not
    alloc.memoryTypeIndex = type;
    r = api.vkAllocateMemory(device_.device, &alloc, nullptr, &b.memory);
    if (r == VK_SUCCESS) break;
    b.memory = VK_NULL_HANDLE;
  }
  std::string what;
  if (r != VK_SUCCESS) {
    what = "vkAllocateMemory";
  } else if ((r = api.vkBindBufferMemory(device_.device, b.buffer, b.memory, 0)) != VK_SUCCESS) {
    what = "vkBindBufferMemory";
  } else if ((r = api.vkMapMemory(device_.device, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped)) != VK_SUCCESS) {
    what = "vkMapMemory";
  }
  if (!what.empty()) {
    b.mapped = nullptr;
    destroy(b);
    return resultStatus(r, format("%s (%llu bytes)", what.c_str(), static_cast<unsigned long long>(req.size)));
  }
  b.size = size;
  out = b;
  return nullptr;
}

void BufferPool::destroy(HostBuffer& b) {
  // Freeing the memory unmaps it.
  if (b.buffer != VK_NULL_HANDLE) device_.api.vkDestroyBuffer(device_.device, b.buffer, nullptr);
  if (b.memory != VK_NULL_HANDLE) device_.api.vkFreeMemory(device_.device, b.memory, nullptr);
  b = HostBuffer{};
}

}  // namespace tessera::rt::vk
