// Device buffers: one function that creates a buffer in the first memory type of a preference list that can be
// allocated, and the pool of buffers the host copies bindings into and out of: one per binding slot, in
// host-visible coherent memory mapped for the buffer's life, grown (never shrunk) to the largest binding the slot
// has held.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_BUFFERS_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_BUFFERS_H

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "vulkan/vulkan_device.h"

namespace tessera::rt::vk {

// A buffer, its memory and, where the host maps that memory, the host's view of it.
struct DeviceBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  void* mapped = nullptr;
  VkDeviceSize size = 0;
};

constexpr VkMemoryPropertyFlags kHostCoherent = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;

// Memory types accepted by `type_bits` whose flags include `wanted`, in the device's order.
std::vector<uint32_t> memoryTypesWith(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits,
                                      VkMemoryPropertyFlags wanted);

// Where a buffer may live, best first: a memory type and whether the host maps it.
using MemoryChoices = std::vector<std::pair<uint32_t, bool>>;

// Memory types for buffers the host maps, best first, among coherent ones: device-local and cached (unified
// memory), then device-local (resizable BAR: fast for the device, slow for host reads) if `device_first`, then
// cached, then any.
MemoryChoices hostMappedMemory(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits, bool device_first);
// Device-local memory types, none mapped (buffers only the device reads and writes; transfers fill them).
MemoryChoices deviceLocalMemory(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits);

// Creates a buffer of `size` bytes for `usage` in the first of `choose(memoryTypeBits)` that can be allocated (a
// small heap, such as a 256 MiB BAR, may be full while another is not), binds it and maps it where chosen.
// Errors name the call and "`size` bytes of `what`".
tsr_status* createBuffer(const Device& device, VkDeviceSize size, VkBufferUsageFlags usage,
                         const std::function<MemoryChoices(uint32_t type_bits)>& choose, const char* what,
                         DeviceBuffer& out);
// Destroys what createBuffer made (freeing the memory unmaps it) and resets `b`.
void destroyBuffer(const Device& device, DeviceBuffer& b);

class BufferPool {
public:
  explicit BufferPool(const Device& device) : device_(device) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  // The buffer of binding slot `slot`, at least `bytes` long (bytes > 0); growing it destroys the old buffer,
  // so the device must not be using it (`grew`, if given, says whether it did).
  tsr_status* slot(uint32_t slot, VkDeviceSize bytes, const DeviceBuffer*& out, bool* grew = nullptr);

private:
  const Device& device_;
  // A deque: growing it keeps the slots handed out earlier in the same dispatch where they are.
  std::deque<DeviceBuffer> slots_;
};

}  // namespace tessera::rt::vk

#endif
