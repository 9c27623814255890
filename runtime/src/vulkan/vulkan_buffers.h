// Device buffers that the host copies bindings into and out of: one per binding slot, in host-visible coherent
// memory mapped for the buffer's life, grown (never shrunk) to the largest binding the slot has held.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_BUFFERS_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_BUFFERS_H

#include <deque>
#include <vector>

#include "vulkan/vulkan_device.h"

namespace tessera::rt::vk {

struct HostBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  void* mapped = nullptr;
  VkDeviceSize size = 0;
};

class BufferPool {
public:
  explicit BufferPool(Device& device) : device_(device) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;
  ~BufferPool();

  // The buffer of binding slot `slot`, at least `bytes` long (bytes > 0); growing it destroys the old buffer,
  // so the device must not be using it.
  tsr_status* slot(uint32_t slot, VkDeviceSize bytes, const HostBuffer*& out);

private:
  tsr_status* create(VkDeviceSize size, HostBuffer& out);
  void destroy(HostBuffer& b);

  Device& device_;
  // A deque: growing it keeps the slots handed out earlier in the same dispatch where they are.
  std::deque<HostBuffer> slots_;
};

}  // namespace tessera::rt::vk

#endif
