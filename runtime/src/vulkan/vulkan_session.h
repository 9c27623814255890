// What the Vulkan executor keeps per session, and what all sessions of a model share.
//
// A session's arena lives in memory the host maps and the device reads in place (device-local where the host
// can map it too: unified memory, lavapipe, resizable BAR), so the dispatches of a run bind its ranges at their
// offsets instead of copying them. Consecutive dispatches are queued and run as one command buffer, with
// barriers where one touches what an earlier one wrote, with one submit and one wait; a command
// buffer is recorded once per run of consecutive dispatches and replayed while their grids, constants and
// bindings stay the same. Each dispatch step has its own descriptor set and status word in the session. A
// binding elsewhere (an input, an output, a dynamic buffer, a range not aligned as the device requires) is
// copied into a host-visible buffer of its own when its dispatch is queued, and its written bytes back when
// the batch has run; a dispatch whose bindings read bytes that a queued one still has to write to the host
// (or that it copies) waits for the batch to run first. Where the device's own memory cannot be mapped (a
// discrete GPU without resizable BAR), the buffers this executor's dispatches bind live, for them, in
// device-local memory (the host arena is then host memory the device would read over its bus): arena buffers
// in a device-local arena at the same offsets, inputs, outputs and buffers sized at run time in device
// buffers of their own. The schedule's TRANSFER steps, queued with the dispatches as vkCmdCopyBuffers (through
// a host-visible staging buffer for memory outside the arena), move their bytes where host steps share them.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_SESSION_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_SESSION_H

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "executor.h"
#include "vulkan/vulkan_kernels.h"
#include "vulkan/vulkan_weights.h"

namespace tessera::rt::vk {

// The model's device state that every session uses: created at load, immutable afterwards but for the
// queue's lock and the reason the device became unusable.
struct SharedDevice {
  Device device;  // first: destroyed last
  KernelSet kernels{device};
  std::vector<size_t> first_kernel;  // per executable of the schedule: its export 0 in `kernels`
  const Schedule* schedule = nullptr;
  std::vector<uint32_t> dispatch_slot;  // per step: its index among this executor's dispatches, or UINT32_MAX
  uint32_t dispatch_count = 0;
  bool host_dispatches = false;  // another executor runs some dispatches (they read and write the arena)
  // Per buffer of the schedule: one that this executor's dispatches bind (not weights), each binding of it at
  // an offset the device can bind and none beside another binding of it in one dispatch.
  std::vector<bool> device_resident;
  // Sessions keep the device-resident buffers in device-local memory: arena buffers in a device-local arena,
  // the others (inputs, outputs, buffers sized at run time) in device buffers of their own.
  bool device_arena = false;
  // The model's constant data, and the ranges of it that dispatches read, on the device since load.
  const uint8_t* weights_base = nullptr;
  uint64_t weights_size = 0;
  WeightBuffers weights{device};

  mutable std::mutex queue_mutex;  // vkQueueSubmit needs the queue to itself
  mutable std::string broken;      // under queue_mutex: once set, why no session may dispatch any more

  const Kernel& kernel(const Dispatch& d) const { return kernels[first_kernel[d.executable] + d.export_index]; }
  // Binding `j` of `d` as weights already on the device, if it is one (read-only, in the constant data).
  bool findWeights(const Dispatch& d, uint32_t j, VkDescriptorBufferInfo& info) const;
  // Submits `commands` and waits for them (at most `timeout_ns`): NULL or an error naming the work as
  // what(false) ("step 3 (kernel 'k')") or, after a call's name, what(true) ("step 3, kernel 'k'"), called
  // only on failure. A device that an earlier failure made unusable refuses the work; a lost device, a
  // timeout or a failed wait make it unusable for every session. `in_flight` is left true when the commands
  // were submitted and not waited for.
  tsr_status* submitAndWait(VkCommandBuffer commands, VkFence fence, uint64_t timeout_ns,
                            const std::function<std::string(bool in_parentheses)>& what, bool& in_flight) const;
};

// The state of one session on `shared`'s device (its arena first, if the schedule has one).
tsr_status* openVulkanSession(const SharedDevice& shared, std::unique_ptr<ExecutorSession>& out);

}  // namespace tessera::rt::vk

#endif
