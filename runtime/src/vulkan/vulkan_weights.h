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

#include "vulkan/vulkan_device.h"

namespace tessera::rt::vk {

// Bytes [offset, offset + length) of the model's weights.
struct WeightRange {
  uint64_t offset = 0, length = 0;
  bool operator<(const WeightRange& o) const { return std::make_pair(offset, length) < std::make_pair(o.offset, o.length); }
};

class WeightBuffers {
public:
  explicit WeightBuffers(Device& device) : device_(device) {}
  WeightBuffers(const WeightBuffers&) = delete;
  WeightBuffers& operator=(const WeightBuffers&) = delete;
  ~WeightBuffers();

  // Copies `ranges` of `weights` (`weights_size` bytes; duplicates once; empty ranges, ranges past the end and
  // ranges over maxStorageBufferRange are left to the per-dispatch path) to the device. `commands` and `fence` (unsignaled) are used for staging copies and are
  // left reusable. Staging is used when no device-local memory can be mapped, or when `force_staging`.
  tsr_status* upload(const uint8_t* weights, uint64_t weights_size, std::vector<WeightRange> ranges,
                     bool force_staging, VkCommandBuffer commands, VkFence fence);

  // Where weights [offset, offset + length) live on the device, if they were uploaded.
  bool find(uint64_t offset, uint64_t length, VkBuffer& buffer, VkDeviceSize& at) const;

  uint64_t bytes() const { return bytes_; }
  bool staged() const { return staged_; }

private:
  struct Block {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    void* mapped = nullptr;  // set when the host writes it directly
  };
  tsr_status* createBlock(VkDeviceSize size, bool force_staging, Block& out);
  tsr_status* stage(const uint8_t* weights, const std::vector<std::pair<WeightRange, VkDeviceSize>>& copies,
                    VkBuffer target, VkCommandBuffer commands, VkFence fence);
  void destroy(Block& b);

  Device& device_;
  std::vector<Block> blocks_;
  std::map<WeightRange, std::pair<size_t, VkDeviceSize>> placed_;  // range -> (block, offset in it)
  uint64_t bytes_ = 0;
  bool staged_ = false;
};

}  // namespace tessera::rt::vk

#endif
