// Weights on the device: each range of the model's constant data that a SPIR-V dispatch binds is copied into
// device-local memory once, when the model loads, and bound in place by every dispatch that reads it, instead of
// being copied into a host-visible buffer per dispatch (on a discrete GPU, memory that kernels read over PCIe).
// Memory the host can map is written directly; otherwise (or when TESSERA_VULKAN_FORCE_STAGING=1) the data goes
// through a host-visible staging buffer and vkCmdCopyBuffer.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_WEIGHTS_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_WEIGHTS_H

#include <map>
#include <utility>
#include <vector>

#include "vulkan/vulkan_buffers.h"

namespace tessera::rt::vk {

// Bytes [offset, offset + length) of the model's weights.
struct WeightRange {
  uint64_t offset = 0, length = 0;
  bool operator<(const WeightRange& o) const { return std::make_pair(offset, length) < std::make_pair(o.offset, o.length); }
  bool operator==(const WeightRange& o) const { return offset == o.offset && length == o.length; }
};

class WeightBuffers {
public:
  explicit WeightBuffers(Device& device) : device_(device) {}
  WeightBuffers(const WeightBuffers&) = delete;
  WeightBuffers& operator=(const WeightBuffers&) = delete;
  ~WeightBuffers();

  // Copies `ranges` of `weights` (`weights_size` bytes) to the device, each once; empty ranges, ranges past the
  // end and ranges over maxStorageBufferRange are left to the per-dispatch path. Staging copies (where no
  // device-local memory can be mapped, or with `force_staging`) use `commands` and `fence` (unsignaled) and
  // leave them reusable.
  tsr_status* upload(const uint8_t* weights, uint64_t weights_size, std::vector<WeightRange> ranges,
                     bool force_staging, VkCommandBuffer commands, VkFence fence);

  // Where weights [offset, offset + length) live on the device, if they were uploaded.
  bool find(uint64_t offset, uint64_t length, VkBuffer& buffer, VkDeviceSize& at) const;

private:
  tsr_status* stage(const uint8_t* weights, const std::vector<std::pair<WeightRange, VkDeviceSize>>& copies,
                    VkBuffer target, VkCommandBuffer commands, VkFence fence);

  Device& device_;
  std::vector<DeviceBuffer> blocks_;
  std::map<WeightRange, std::pair<size_t, VkDeviceSize>> placed_;  // range -> (block, offset in it)
};

}  // namespace tessera::rt::vk

#endif
