#include "vulkan/vulkan_weights.h"

#include <algorithm>
#include <cstring>

#include "status.h"

namespace tessera::rt::vk {
namespace {

// Weights are packed into blocks of at most this many bytes (a larger range gets a block of its own).
constexpr VkDeviceSize kBlockBytes = VkDeviceSize{256} << 20;
// The staging buffer for devices whose device-local memory the host cannot map.
constexpr VkDeviceSize kStagingBytes = VkDeviceSize{32} << 20;
// A staging copy still running after this is reported rather than waited for forever.
constexpr uint64_t kCopyTimeoutNs = 60ull * 1000 * 1000 * 1000;

VkDeviceSize roundUp(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

// Memory for weights, best first: device-local and mappable, else device-local (filled by staging copies), else
// any mappable memory. With `force_staging`, never mapped.
MemoryChoices weightMemory(const VkPhysicalDeviceMemoryProperties& memory, uint32_t type_bits, bool force_staging) {
  MemoryChoices out;
  if (!force_staging)
    for (uint32_t t : memoryTypesWith(memory, type_bits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | kHostCoherent))
      out.push_back({t, true});
  const MemoryChoices local = deviceLocalMemory(memory, type_bits);
  out.insert(out.end(), local.begin(), local.end());
  for (uint32_t t : memoryTypesWith(memory, type_bits, force_staging ? 0 : kHostCoherent))
    out.push_back({t, !force_staging});
  return out;
}

}  // namespace

WeightBuffers::~WeightBuffers() {
  for (DeviceBuffer& b : blocks_) destroyBuffer(device_, b);
}

// Copies each (range, offset in `target`) through a host-visible staging buffer, in pieces of its size; a
// barrier after each batch makes the copies visible to the compute shaders submitted later.
tsr_status* WeightBuffers::stage(const uint8_t* weights,
                                 const std::vector<std::pair<WeightRange, VkDeviceSize>>& copies, VkBuffer target,
                                 VkCommandBuffer commands, VkFence fence) {
  const Api& api = device_.api;
  VkDeviceSize total = 0;
  for (const auto& c : copies) total += c.first.length;
  DeviceBuffer staging;
  auto mappable = [&](uint32_t type_bits) {
    MemoryChoices out;
    for (uint32_t t : memoryTypesWith(device_.memory, type_bits, kHostCoherent)) out.push_back({t, true});
    return out;
  };
  if (tsr_status* st = createBuffer(device_, std::min(total, kStagingBytes), VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                    mappable, "staging for weights", staging))
    return st;
  std::vector<VkBufferCopy> regions;
  VkDeviceSize used = 0;
  auto flush = [&]() -> tsr_status* {
    if (regions.empty()) return nullptr;
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    VkResult res = api.vkBeginCommandBuffer(commands, &begin);
    if (res != VK_SUCCESS) return resultStatus(res, "vkBeginCommandBuffer (weights)");
    api.vkCmdCopyBuffer(commands, staging.buffer, target, static_cast<uint32_t>(regions.size()), regions.data());
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
    api.vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1,
                             &barrier, 0, nullptr, 0, nullptr);
    if ((res = api.vkEndCommandBuffer(commands)) != VK_SUCCESS) return resultStatus(res, "vkEndCommandBuffer (weights)");
    VkSubmitInfo submit{};
    submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands;
    if ((res = api.vkQueueSubmit(device_.queue, 1, &submit, fence)) != VK_SUCCESS)
      return resultStatus(res, "vkQueueSubmit (weights)");
    res = api.vkWaitForFences(device_.device, 1, &fence, VK_TRUE, kCopyTimeoutNs);
    if (res == VK_TIMEOUT)
      return makeStatus(TSR_STATUS_KERNEL_FAILED, "Vulkan: copying the weights to the device timed out");
    if (res != VK_SUCCESS) return resultStatus(res, "vkWaitForFences (weights)");
    if ((res = api.vkResetFences(device_.device, 1, &fence)) != VK_SUCCESS) return resultStatus(res, "vkResetFences");
    regions.clear();
    used = 0;
    return nullptr;
  };
  tsr_status* st = nullptr;
  const VkDeviceSize capacity = staging.size;
  for (const auto& [range, at] : copies) {
    for (VkDeviceSize done = 0; done < range.length && !st;) {
      if (used == capacity) st = flush();
      if (st) break;
      const VkDeviceSize piece = std::min(range.length - done, capacity - used);
      std::memcpy(static_cast<uint8_t*>(staging.mapped) + used, weights + range.offset + done, piece);
      regions.push_back({used, at + done, piece});
      used += piece;
      done += piece;
    }
  }
  if (!st) st = flush();
  destroyBuffer(device_, staging);
  return st;
}

tsr_status* WeightBuffers::upload(const uint8_t* weights, uint64_t weights_size, std::vector<WeightRange> ranges,
                                  bool force_staging, VkCommandBuffer commands, VkFence fence) {
  const VkPhysicalDeviceLimits& limits = device_.properties.limits;
  std::sort(ranges.begin(), ranges.end());
  ranges.erase(std::unique(ranges.begin(), ranges.end()), ranges.end());
  const VkDeviceSize align = std::max<VkDeviceSize>(limits.minStorageBufferOffsetAlignment, 16);
  const VkDeviceSize block_limit = std::min<VkDeviceSize>(kBlockBytes, limits.maxStorageBufferRange);
  // Pack the ranges into blocks, then create and fill each block.
  std::vector<std::vector<std::pair<WeightRange, VkDeviceSize>>> packed;
  std::vector<VkDeviceSize> sizes;
  for (const WeightRange& range : ranges) {
    if (range.length == 0 || range.length > limits.maxStorageBufferRange || range.offset > weights_size ||
        range.length > weights_size - range.offset)
      continue;
    VkDeviceSize at = sizes.empty() ? 0 : roundUp(sizes.back(), align);
    if (sizes.empty() || at + range.length > block_limit) {
      packed.emplace_back();
      sizes.push_back(0);
      at = 0;
    }
    packed.back().push_back({range, at});
    sizes.back() = at + range.length;
  }
  for (size_t i = 0; i < packed.size(); ++i) {
    DeviceBuffer block;
    auto choose = [&](uint32_t type_bits) { return weightMemory(device_.memory, type_bits, force_staging); };
    if (tsr_status* st = createBuffer(device_, sizes[i],
                                      VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, choose,
                                      "weights", block))
      return st;
    blocks_.push_back(block);
    if (block.mapped) {
      for (const auto& [range, at] : packed[i])
        std::memcpy(static_cast<uint8_t*>(block.mapped) + at, weights + range.offset, range.length);
    } else if (tsr_status* st = stage(weights, packed[i], block.buffer, commands, fence)) {
      return st;
    }
    for (const auto& [range, at] : packed[i]) placed_[range] = {blocks_.size() - 1, at};
  }
  return nullptr;
}

bool WeightBuffers::find(uint64_t offset, uint64_t length, VkBuffer& buffer, VkDeviceSize& at) const {
  auto it = placed_.find(WeightRange{offset, length});
  if (it == placed_.end()) return false;
  buffer = blocks_[it->second.first].buffer;
  at = it->second.second;
  return true;
}

}  // namespace tessera::rt::vk
