#include "vulkan/vulkan_session.h"

#include <cstring>
#include <functional>
#include <map>

#include "status.h"

namespace tessera::rt::vk {
namespace {

// A batch still running after this much per dispatch is reported rather than waited for forever.
constexpr uint64_t kDispatchTimeoutNs = 60ull * 1000 * 1000 * 1000;
// The range bound for a zero-length binding (Vulkan has no empty buffers or ranges).
constexpr VkDeviceSize kEmptyBindingRange = 16;
// Arenas are bound by dispatches and copied between by transfers.
constexpr VkBufferUsageFlags kArenaUsage =
    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

bool sameInfo(const VkDescriptorBufferInfo& a, const VkDescriptorBufferInfo& b) {
  return a.buffer == b.buffer && a.offset == b.offset && a.range == b.range;
}

// One dispatch: its step, kernel, grid, parameters (its constants, then its bindings' byte lengths) and
// bindings (the status word last). A kernel with parameters reads them, and the device its grid
// (vkCmdDispatchIndirect), from the dispatch's slot of the status buffer, written before each submit: a
// recording holds neither, so it outlives new sizes (kernel_abi.h). Or one transfer (no kernel): a copy from
// infos[0] to infos[1].
struct Op {
  size_t step = 0;
  uint32_t slot = UINT32_MAX;
  const Kernel* kernel = nullptr;
  uint32_t grid[3] = {1, 1, 1};
  std::vector<uint32_t> parameters;
  std::vector<VkDescriptorBufferInfo> infos;

  bool indirect() const { return !parameters.empty(); }
  bool isTransfer() const { return kernel == nullptr; }
  // Whether the op writes infos[j].
  bool writes(size_t j) const {
    return isTransfer() ? j == 1 : (kernel->x->binding_access[j] & TSR_ACCESS_WRITE) != 0;
  }
  // Whether a command buffer recording `o` runs this dispatch.
  bool operator==(const Op& o) const {
    if (step != o.step || kernel != o.kernel || indirect() != o.indirect() ||
        (!indirect() && std::memcmp(grid, o.grid, sizeof grid) != 0) || infos.size() != o.infos.size())
      return false;
    for (size_t i = 0; i < infos.size(); ++i)
      if (!sameInfo(infos[i], o.infos[i])) return false;
    return true;
  }
};

// A binding's bytes as a recorded dispatch touches them.
struct Touch {
  VkDescriptorBufferInfo range;
  bool written;
};

bool overlaps(const VkDescriptorBufferInfo& a, const VkDescriptorBufferInfo& b) {
  return a.buffer == b.buffer && a.offset < b.offset + b.range && b.offset < a.offset + a.range;
}

// Host bytes [p, p + length).
struct HostRange {
  const uint8_t* p;
  uint64_t length;
};

bool touches(const HostRange& r, const uint8_t* p, uint64_t length) {
  return length && r.length && p < r.p + r.length && r.p < p + length;
}

// A copied binding that a queued dispatch writes: where its bytes go back to.
struct CopyBack {
  HostRange host;
  const DeviceBuffer* slot;
};

// A command buffer and the dispatches it holds recorded (none: it must be recorded before use), with
// timestamps around each or not.
struct Batch {
  VkCommandBuffer commands = VK_NULL_HANDLE;
  std::vector<Op> ops;
  bool timed = false;
};

// "step 3 (kernel 'k')" or "steps 3-9 (4 kernels)" for messages about a batch; inside parentheses, "step 3,
// kernel 'k'" or "steps 3-9, 4 kernels" (transfers count as "transfers").
std::string describe(const std::vector<Op>& ops, bool in_parentheses = false) {
  const char* form = in_parentheses ? "%s, %s" : "%s (%s)";
  if (ops.size() == 1)
    return format(form, format("step %zu", ops[0].step).c_str(),
                  ops[0].isTransfer() ? "transfer" : format("kernel '%s'", ops[0].kernel->x->symbol.c_str()).c_str());
  size_t transfers = 0;
  for (const Op& op : ops) transfers += op.isTransfer();
  std::string what = format("%zu kernels", ops.size() - transfers);
  if (transfers) what += format(" and %zu transfers", transfers);
  return format(form, format("steps %zu-%zu", ops.front().step, ops.back().step).c_str(), what.c_str());
}

class VulkanSession final : public ExecutorSession {
public:
  explicit VulkanSession(const SharedDevice& shared) : shared_(shared), device_(shared.device), copies_(device_) {}
  ~VulkanSession() override;

  tsr_status* open();
  uint8_t* arena() const override { return arena_host_; }
  tsr_status* dispatch(const Dispatch& d, const HostThreads& threads, size_t& failed_step) override;
  tsr_status* transfer(const Transfer& t, size_t& failed_step) override;
  // A transfer of a device-resident buffer outside the arena: through a host-visible staging buffer.
  tsr_status* transferThroughStaging(const Transfer& t, size_t& failed_step);
  tsr_status* settle(size_t& failed_step) override;
  void abandon() override;
  void profileOnDevice(bool on) override;
  bool timedOnDevice() const override { return timed_; }
  void takeDeviceTimes(std::vector<DeviceTime>& out) override {
    out.insert(out.end(), times_.begin(), times_.end());
    times_.clear();
  }

private:
  tsr_status* checkLimits(const Dispatch& d, const Kernel& k) const;
  // After a copy buffer was replaced (its handle may be a destroyed one's): every set is written again.
  void forgetSets();
  // Runs `ops` as `batch` (recording it unless it holds them already) and checks their status words.
  tsr_status* run(Batch& batch, std::vector<Op>& ops, size_t& failed_step);
  tsr_status* record(Batch& batch, const std::vector<Op>& ops);
  // After `batch` ran with timestamps: each op's device time, into times_.
  void readTimes(const std::vector<Op>& ops, uint64_t submitted_ns);
  // Points each op's descriptor set at its bindings, where it does not already.
  void writeSets(const std::vector<Op>& ops);
  tsr_status* ensureStatus();
  // The device copy of device-resident buffer `buffer` outside the arena, for a buffer of `size` bytes this
  // run: grown when it is smaller.
  tsr_status* ensureMirror(uint32_t buffer, uint64_t size, const DeviceBuffer*& out);
  // A dispatch slot's status word and parameters (its grid follows them, for the device only).
  VkDescriptorBufferInfo statusInfo(uint32_t slot, const Kernel& k) const {
    return {status_.buffer, slot * status_stride_, 4 * (1 + VkDeviceSize{parameterWords(*k.x)})};
  }
  VkDeviceSize gridOffset(const Op& op) const { return op.slot * status_stride_ + 4 * (1 + op.parameters.size()); }

  const SharedDevice& shared_;
  const Device& device_;
  DeviceBuffer arena_;
  uint8_t* arena_host_ = nullptr;  // the schedule's arena: in arena_, at arena_offset_
  DeviceBuffer device_arena_;      // the device-resident arena buffers (SharedDevice), at their arena offsets
  std::vector<DeviceBuffer> mirrors_;  // per schedule buffer: a device-resident one's own device copy
  VkDeviceSize arena_offset_ = 0, arena_size_ = 0;
  DeviceBuffer status_;  // per dispatch slot, status_stride_ bytes apart: status word, parameters, grid
  VkDeviceSize status_stride_ = 4;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
  std::vector<VkDescriptorSet> sets_;                         // per dispatch slot
  std::vector<std::vector<VkDescriptorBufferInfo>> written_;  // what each set holds
  std::map<size_t, Batch> batches_;                           // by their first step
  BufferPool copies_;  // for bindings the device cannot bind in place, one per copied binding of a batch
  std::vector<Op> queued_;
  std::vector<HostRange> queued_writes_;  // host bytes the queued dispatches write (in the arena or copied)
  std::vector<CopyBack> copy_backs_;      // copied bindings they write, copied back when they have run
  uint32_t copy_slots_ = 0;               // copy buffers they use
  // Profiling on the device: two timestamps per dispatch slot (before, after), and the times read back.
  bool timed_ = false;
  VkQueryPool queries_ = VK_NULL_HANDLE;
  std::vector<DeviceTime> times_;
  bool in_flight_ = false;  // submitted and not waited for (the wait failed)
};

VulkanSession::~VulkanSession() {
  const Api& api = device_.api;
  const VkDevice d = device_.device;
  if (fence_ != VK_NULL_HANDLE) {
    // A failed wait (a timeout) leaves a submission behind: the device must be done with this session's
    // buffers before they go. Waiting for the device needs its queue to itself.
    if (in_flight_) {
      std::lock_guard<std::mutex> lock(shared_.queue_mutex);
      api.vkDeviceWaitIdle(d);
    }
    api.vkDestroyFence(d, fence_, nullptr);
  }
  if (command_pool_ != VK_NULL_HANDLE) api.vkDestroyCommandPool(d, command_pool_, nullptr);  // frees the buffers
  if (descriptor_pool_ != VK_NULL_HANDLE) api.vkDestroyDescriptorPool(d, descriptor_pool_, nullptr);
  if (queries_ != VK_NULL_HANDLE) api.vkDestroyQueryPool(d, queries_, nullptr);
  destroyBuffer(device_, status_);
  destroyBuffer(device_, arena_);
  destroyBuffer(device_, device_arena_);
  for (DeviceBuffer& b : mirrors_) destroyBuffer(device_, b);
}

tsr_status* VulkanSession::open() {
  const Api& api = device_.api;
  const VkDevice d = device_.device;
  VkCommandPoolCreateInfo pool_info{};
  pool_info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = device_.queue_family;
  VkResult r = api.vkCreateCommandPool(d, &pool_info, nullptr, &command_pool_);
  if (r != VK_SUCCESS) {
    command_pool_ = VK_NULL_HANDLE;
    return resultStatus(r, "vkCreateCommandPool");
  }
  VkFenceCreateInfo fence_info{};
  fence_info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if ((r = api.vkCreateFence(d, &fence_info, nullptr, &fence_)) != VK_SUCCESS) {
    fence_ = VK_NULL_HANDLE;
    return resultStatus(r, "vkCreateFence");
  }

  // A descriptor set per dispatch step of this executor, in its kernel's layout.
  const Schedule& sc = *shared_.schedule;
  std::vector<VkDescriptorSetLayout> layouts(shared_.dispatch_count);
  uint32_t descriptors = 0;
  VkDeviceSize slot_words = 1;
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const uint32_t slot = shared_.dispatch_slot[i];
    if (slot == UINT32_MAX) continue;
    Dispatch d;
    d.executable = sc.steps[i].executable;
    d.export_index = sc.steps[i].export_index;
    const Kernel& k = shared_.kernel(d);
    layouts[slot] = k.set_layout;
    descriptors += static_cast<uint32_t>(k.x->binding_access.size()) + 1;  // and the status word
    if (parameterWords(*k.x)) slot_words = std::max<VkDeviceSize>(slot_words, 1 + parameterWords(*k.x) + 3);
  }
  if (!layouts.empty()) {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptors};
    VkDescriptorPoolCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
    info.maxSets = static_cast<uint32_t>(layouts.size());
    info.poolSizeCount = 1;
    info.pPoolSizes = &size;
    if ((r = api.vkCreateDescriptorPool(d, &info, nullptr, &descriptor_pool_)) != VK_SUCCESS) {
      descriptor_pool_ = VK_NULL_HANDLE;
      return resultStatus(r, "vkCreateDescriptorPool");
    }
    VkDescriptorSetAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    alloc.descriptorPool = descriptor_pool_;
    alloc.descriptorSetCount = static_cast<uint32_t>(layouts.size());
    alloc.pSetLayouts = layouts.data();
    sets_.resize(layouts.size());
    if ((r = api.vkAllocateDescriptorSets(d, &alloc, sets_.data())) != VK_SUCCESS)
      return resultStatus(r, "vkAllocateDescriptorSets");
    written_.resize(layouts.size());
  }
  const VkDeviceSize alignment = device_.properties.limits.minStorageBufferOffsetAlignment;
  const VkDeviceSize unit = alignment > 4 ? alignment : 4;
  status_stride_ = (4 * slot_words + unit - 1) / unit * unit;

  // The arena: device-local memory the host maps, unless kernels of another executor work on it too, when
  // memory the host caches comes first (a host read of write-combined memory is slow).
  if (sc.arena_size) {
    arena_size_ = sc.arena_size;
    // Room to align the start, and for a zero-length binding at the end (kEmptyBindingRange).
    const VkDeviceSize size = arena_size_ + sc.arena_alignment + kEmptyBindingRange;
    auto choose = [&](uint32_t type_bits) { return hostMappedMemory(device_.memory, type_bits, !shared_.host_dispatches); };
    if (tsr_status* st = createBuffer(device_, size, kArenaUsage, choose, "the session's arena", arena_))
      return st;
    auto* mapped = static_cast<uint8_t*>(arena_.mapped);
    const uintptr_t a = sc.arena_alignment;
    arena_host_ = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(mapped) + a - 1) & ~(a - 1));
    arena_offset_ = static_cast<VkDeviceSize>(arena_host_ - mapped);
  }
  if (shared_.device_arena && arena_size_) {
    // Device-local memory the host never maps; its offsets are the arena's (the buffer's start is aligned).
    auto choose = [&](uint32_t type_bits) { return deviceLocalMemory(device_.memory, type_bits); };
    if (tsr_status* st = createBuffer(device_, arena_size_ + kEmptyBindingRange, kArenaUsage, choose,
                                      "the session's device-local arena", device_arena_))
      return st;
  }
  return nullptr;
}

tsr_status* VulkanSession::ensureMirror(uint32_t buffer, uint64_t size, const DeviceBuffer*& out) {
  if (mirrors_.empty()) mirrors_.resize(shared_.schedule->buffers.size());
  DeviceBuffer& b = mirrors_[buffer];
  const VkDeviceSize needed = size + kEmptyBindingRange;  // room for an empty binding at its end
  if (b.size < needed) {
    // A buffer's size is fixed within a run: it grows at its first use in a run, which no queued work binds
    // yet (every batch was waited for). Recordings and sets that held the old one are made again.
    destroyBuffer(device_, b);
    forgetSets();
    auto choose = [&](uint32_t type_bits) { return deviceLocalMemory(device_.memory, type_bits); };
    if (tsr_status* st = createBuffer(device_, std::max(needed, b.size + b.size / 2), kArenaUsage, choose,
                                      "a device-local buffer", b))
      return st;
  }
  out = &b;
  return nullptr;
}

tsr_status* VulkanSession::ensureStatus() {
  if (status_.buffer != VK_NULL_HANDLE) return nullptr;
  const VkDeviceSize size = status_stride_ * (shared_.dispatch_count ? shared_.dispatch_count : 1);
  auto choose = [&](uint32_t type_bits) { return hostMappedMemory(device_.memory, type_bits, false); };
  return createBuffer(device_, size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT,
                      choose, "status words", status_);
}

tsr_status* VulkanSession::checkLimits(const Dispatch& d, const Kernel& k) const {
  const VkPhysicalDeviceLimits& limits = device_.properties.limits;
  const char* symbol = k.x->symbol.c_str();
  for (int i = 0; i < 3; ++i)
    if (d.workgroup_count[i] > limits.maxComputeWorkGroupCount[i])
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("step %zu (kernel '%s'): workgroup count [%u,%u,%u] exceeds maxComputeWorkGroupCount "
                               "[%u,%u,%u] of device '%s'",
                               d.step, symbol, d.workgroup_count[0], d.workgroup_count[1], d.workgroup_count[2],
                               limits.maxComputeWorkGroupCount[0], limits.maxComputeWorkGroupCount[1],
                               limits.maxComputeWorkGroupCount[2], device_.properties.deviceName));
  for (uint32_t j = 0; j < d.binding_count; ++j)
    if (d.binding_lengths[j] > limits.maxStorageBufferRange)
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("step %zu (kernel '%s'): binding %u is %llu bytes, more than maxStorageBufferRange "
                               "(%u bytes) of device '%s'",
                               d.step, symbol, j, ull(d.binding_lengths[j]), limits.maxStorageBufferRange,
                               device_.properties.deviceName));
  return nullptr;
}

tsr_status* VulkanSession::dispatch(const Dispatch& d, const HostThreads&, size_t& failed_step) {
  failed_step = d.step;
  const Kernel& k = shared_.kernel(d);
  if (tsr_status* st = checkLimits(d, k)) return st;
  if (tsr_status* st = ensureStatus()) return st;

  Op op;
  op.step = d.step;
  op.slot = shared_.dispatch_slot[d.step];
  op.kernel = &k;
  std::memcpy(op.grid, d.workgroup_count, sizeof op.grid);
  op.parameters.assign(d.constants, d.constants + d.constant_count);
  // Kernels reading constants also get each binding's byte length (kernel_abi.h). Bindings are at most
  // maxStorageBufferRange (a u32) long, which checkLimits has checked.
  if (d.constant_count)
    for (uint32_t j = 0; j < d.binding_count; ++j)
      op.parameters.push_back(static_cast<uint32_t>(std::min<uint64_t>(d.binding_lengths[j], UINT32_MAX)));
  op.infos.resize(d.binding_count + 1);
  // Bindings the device cannot bind in place are copied (own[j]): outside the arena and the weights, or at
  // an offset the device cannot bind.
  std::vector<bool> own(d.binding_count, false);
  const VkDeviceSize alignment = device_.properties.limits.minStorageBufferOffsetAlignment;
  const Step& step = shared_.schedule->steps[d.step];
  // Device-resident buffers: in device-local memory (host steps work on the host's bytes; the schedule's
  // transfers move them).
  std::vector<bool> resident(d.binding_count, false);
  for (uint32_t j = 0; j < d.binding_count && shared_.device_arena; ++j)
    resident[j] = shared_.device_resident[step.bindings[j].buffer];
  for (uint32_t j = 0; j < d.binding_count; ++j) {
    const uint64_t length = d.binding_lengths[j];
    if (shared_.findWeights(d, j, op.infos[j])) continue;
    const auto* p = static_cast<const uint8_t*>(d.bindings[j]);
    const Binding& b = step.bindings[j];
    if (resident[j] && shared_.schedule->buffers[b.buffer].kind == TSR_BUFFER_ARENA) {
      op.infos[j] = {device_arena_.buffer, static_cast<VkDeviceSize>(p - arena_host_), length ? length : kEmptyBindingRange};
      continue;
    }
    if (resident[j]) {
      const DeviceBuffer* mirror = nullptr;
      if (tsr_status* st = ensureMirror(b.buffer, d.buffer_sizes[j], mirror)) return st;
      // Bound to its end when the kernel reads its lengths from its parameters, as copied bindings are: the
      // recording stays valid at other sizes.
      const VkDeviceSize range =
          op.indirect() ? std::min<VkDeviceSize>(mirror->size - b.offset, device_.properties.limits.maxStorageBufferRange)
                        : (length ? length : kEmptyBindingRange);
      op.infos[j] = {mirror->buffer, b.offset, range};
      continue;
    }
    if (arena_host_ && p >= arena_host_ && static_cast<uint64_t>(p - arena_host_) <= arena_size_ &&
        length <= arena_size_ - static_cast<uint64_t>(p - arena_host_)) {
      const VkDeviceSize at = arena_offset_ + static_cast<VkDeviceSize>(p - arena_host_);
      if (alignment <= 1 || at % alignment == 0) {
        op.infos[j] = {arena_.buffer, at, length ? length : kEmptyBindingRange};
        continue;
      }
    }
    own[j] = true;
  }
  // Bindings that overlap where one is written are copied too (each its own buffer), rather than aliasing in
  // the arena under a kernel compiled as if they did not.
  for (uint32_t i = 0; i < d.binding_count; ++i)
    for (uint32_t j = i + 1; j < d.binding_count; ++j) {
      const bool written = (k.x->binding_access[i] | k.x->binding_access[j]) & TSR_ACCESS_WRITE;
      if (written && !resident[i] && !resident[j] && d.binding_lengths[i] && d.binding_lengths[j] &&
          overlaps(op.infos[i], op.infos[j]))
        own[i] = own[j] = true;
    }
  op.infos[d.binding_count] = statusInfo(op.slot, k);

  // A copy reads host memory now, and the arena is read when the batch runs: the queued dispatches that write
  // those bytes (any, for a copy; through a copy, for the arena) run first.
  bool wait = false;
  for (uint32_t j = 0; j < d.binding_count && !wait; ++j) {
    const auto* p = static_cast<const uint8_t*>(d.bindings[j]);
    if (own[j])
      for (const HostRange& r : queued_writes_) wait = wait || touches(r, p, d.binding_lengths[j]);
    else if (op.infos[j].buffer == arena_.buffer)
      for (const CopyBack& c : copy_backs_) wait = wait || touches(c.host, p, d.binding_lengths[j]);
  }
  if (wait) {
    if (tsr_status* st = settle(failed_step)) return st;
    failed_step = d.step;
  }
  for (uint32_t j = 0; j < d.binding_count; ++j) {  // in binding order: written bytes go back in that order
    if (!own[j]) continue;
    const uint64_t length = d.binding_lengths[j];
    const DeviceBuffer* slot = nullptr;
    bool grew = false;
    if (tsr_status* st = copies_.slot(copy_slots_++, length ? length : kEmptyBindingRange, slot, &grew)) return st;
    if (grew) forgetSets();
    // Written bindings are copied in too: a kernel need not write every byte of its output.
    if (length) std::memcpy(slot->mapped, d.bindings[j], length);
    // Bound whole: a kernel of run-time shape reads its lengths from its parameters, and the set (with the
    // recordings binding it) stays as it is while the slot does not grow.
    op.infos[j] = {slot->buffer, 0,
                   op.indirect() ? std::min<VkDeviceSize>(slot->size, device_.properties.limits.maxStorageBufferRange)
                                 : (length ? length : kEmptyBindingRange)};
    if ((k.x->binding_access[j] & TSR_ACCESS_WRITE) && length)
      copy_backs_.push_back({{static_cast<const uint8_t*>(d.bindings[j]), length}, slot});
  }
  for (uint32_t j = 0; j < d.binding_count; ++j)
    if ((k.x->binding_access[j] & TSR_ACCESS_WRITE) && !resident[j])
      queued_writes_.push_back({static_cast<const uint8_t*>(d.bindings[j]), d.binding_lengths[j]});
  queued_.push_back(std::move(op));
  return nullptr;
}

tsr_status* VulkanSession::transfer(const Transfer& t, size_t& failed_step) {
  failed_step = t.step;
  // Without a device-local arena the device works on the host arena in place, and a buffer that is not
  // device-resident is only ever there.
  if (!shared_.device_arena || !shared_.device_resident[t.buffer] || !t.length) return nullptr;
  if (shared_.schedule->buffers[t.buffer].kind != TSR_BUFFER_ARENA) return transferThroughStaging(t, failed_step);
  const VkDeviceSize at = static_cast<VkDeviceSize>(t.host - arena_host_);
  const VkDescriptorBufferInfo host{arena_.buffer, arena_offset_ + at, t.length}, device{device_arena_.buffer, at, t.length};
  const HostRange bytes{t.host, t.length};
  if (t.direction == TSR_TRANSFER_TO_DEVICE) {
    // The copy reads the host arena when the batch runs: bytes a queued copied binding still writes back
    // must be there first.
    bool wait = false;
    for (const CopyBack& c : copy_backs_) wait = wait || touches(c.host, bytes.p, bytes.length);
    if (wait) {
      if (tsr_status* st = settle(failed_step)) return st;
      failed_step = t.step;
    }
  } else {
    queued_writes_.push_back(bytes);  // host bytes written when the batch runs
  }
  Op op;
  op.step = t.step;
  op.infos = t.direction == TSR_TRANSFER_TO_DEVICE ? std::vector<VkDescriptorBufferInfo>{host, device}
                                                   : std::vector<VkDescriptorBufferInfo>{device, host};
  queued_.push_back(std::move(op));
  return nullptr;
}

tsr_status* VulkanSession::transferThroughStaging(const Transfer& t, size_t& failed_step) {
  const DeviceBuffer* mirror = nullptr;
  if (tsr_status* st = ensureMirror(t.buffer, t.buffer_size, mirror)) return st;
  // The staging copy reads the host's bytes now (to the device): queued work that writes them runs first.
  bool wait = false;
  if (t.direction == TSR_TRANSFER_TO_DEVICE)
    for (const HostRange& r : queued_writes_) wait = wait || touches(r, t.host, t.length);
  if (wait) {
    if (tsr_status* st = settle(failed_step)) return st;
    failed_step = t.step;
  }
  const DeviceBuffer* staging = nullptr;
  bool grew = false;
  if (tsr_status* st = copies_.slot(copy_slots_++, t.length, staging, &grew)) return st;
  if (grew) forgetSets();
  const VkDescriptorBufferInfo host{staging->buffer, 0, t.length}, device{mirror->buffer, t.offset, t.length};
  Op op;
  op.step = t.step;
  if (t.direction == TSR_TRANSFER_TO_DEVICE) {
    std::memcpy(staging->mapped, t.host, t.length);
    op.infos = {host, device};
  } else {
    op.infos = {device, host};
    copy_backs_.push_back({{t.host, t.length}, staging});  // to the host's bytes when the batch has run
    queued_writes_.push_back({t.host, t.length});
  }
  queued_.push_back(std::move(op));
  return nullptr;
}

void VulkanSession::forgetSets() {
  for (std::vector<VkDescriptorBufferInfo>& held : written_) held.clear();
  for (auto& [first, b] : batches_) b.ops.clear();
}

tsr_status* VulkanSession::settle(size_t& failed_step) {
  if (queued_.empty()) return nullptr;
  std::vector<Op> ops;
  ops.swap(queued_);
  std::vector<CopyBack> copy_backs;
  copy_backs.swap(copy_backs_);
  queued_writes_.clear();
  copy_slots_ = 0;
  failed_step = ops.front().step;
  if (tsr_status* st = run(batches_[ops.front().step], ops, failed_step)) return st;
  // In dispatch then binding order, as if each dispatch had run alone.
  for (const CopyBack& c : copy_backs) std::memcpy(const_cast<uint8_t*>(c.host.p), c.slot->mapped, c.host.length);
  return nullptr;
}

void VulkanSession::abandon() {
  queued_.clear();
  queued_writes_.clear();
  copy_backs_.clear();
  copy_slots_ = 0;
}

void VulkanSession::profileOnDevice(bool on) {
  timed_ = false;
  if (!on || !device_.timestamp_bits || shared_.dispatch_count == 0) return;
  if (queries_ == VK_NULL_HANDLE) {
    VkQueryPoolCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = 2 * shared_.dispatch_count;
    if (device_.api.vkCreateQueryPool(device_.device, &info, nullptr, &queries_) != VK_SUCCESS) {
      queries_ = VK_NULL_HANDLE;
      return;  // profiled on the host instead
    }
  }
  timed_ = true;
}

void VulkanSession::readTimes(const std::vector<Op>& ops, uint64_t submitted_ns) {
  const uint32_t bits = device_.timestamp_bits;
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  const double period = device_.properties.limits.timestampPeriod;  // ns per tick
  uint64_t first = 0;
  bool have_first = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].isTransfer()) continue;  // timed with the host step it belongs to
    uint64_t ticks[2] = {0, 0};
    if (device_.api.vkGetQueryPoolResults(device_.device, queries_, 2 * ops[i].slot, 2, sizeof ticks, ticks,
                                          sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) !=
        VK_SUCCESS)
      return;  // no times for this batch: its events keep the host's
    const uint64_t start = ticks[0] & mask, end = ticks[1] & mask;
    if (!have_first) first = start;
    have_first = true;
    DeviceTime t;
    t.step = ops[i].step;
    t.start_ns = submitted_ns + static_cast<uint64_t>(static_cast<double>((start - first) & mask) * period);
    t.duration_ns = static_cast<uint64_t>(static_cast<double>((end - start) & mask) * period);
    times_.push_back(t);
  }
}

void VulkanSession::writeSets(const std::vector<Op>& ops) {
  std::vector<VkWriteDescriptorSet> writes;
  for (const Op& op : ops) {
    if (op.isTransfer()) continue;
    std::vector<VkDescriptorBufferInfo>& held = written_[op.slot];
    bool same = held.size() == op.infos.size();
    for (size_t i = 0; same && i < held.size(); ++i) same = sameInfo(held[i], op.infos[i]);
    if (same) continue;
    held = op.infos;
    for (uint32_t j = 0; j < held.size(); ++j) {
      VkWriteDescriptorSet w{};
      w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      w.dstSet = sets_[op.slot];
      w.dstBinding = j;
      w.descriptorCount = 1;
      w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w.pBufferInfo = &held[j];
      writes.push_back(w);
    }
    // Updating a set invalidates the command buffers that bind it: they are recorded again before use.
    auto forget = [&](Batch& b) {
      for (const Op& o : b.ops)
        if (o.slot == op.slot) {
          b.ops.clear();
          return;
        }
    };
    for (auto& [first, b] : batches_) forget(b);
  }
  // Every command buffer that used these sets has completed (each run waits for its fence).
  if (!writes.empty())
    device_.api.vkUpdateDescriptorSets(device_.device, static_cast<uint32_t>(writes.size()), writes.data(), 0,
                                       nullptr);
}

tsr_status* VulkanSession::record(Batch& batch, const std::vector<Op>& ops) {
  const Api& api = device_.api;
  batch.ops.clear();  // until the recording is complete
  if (batch.commands == VK_NULL_HANDLE) {
    VkCommandBufferAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    alloc.commandPool = command_pool_;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    VkResult r = api.vkAllocateCommandBuffers(device_.device, &alloc, &batch.commands);
    if (r != VK_SUCCESS) {
      batch.commands = VK_NULL_HANDLE;
      return resultStatus(r, "vkAllocateCommandBuffers");
    }
  }
  VkCommandBuffer c = batch.commands;
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  VkResult r = api.vkBeginCommandBuffer(c, &begin);  // implicitly resets the previous recording
  if (r != VK_SUCCESS) return resultStatus(r, "vkBeginCommandBuffer");
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  std::vector<Touch> since_barrier;
  constexpr VkPipelineStageFlags kWork = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  for (const Op& op : ops) {
    // A barrier goes where an op reads or writes bytes that one since the last barrier wrote, or writes
    // bytes one read: the device may overlap the others (schedules order every step).
    const size_t touched = op.isTransfer() ? 2 : op.infos.size() - 1;  // not the status word
    bool conflict = false;
    for (uint32_t j = 0; j < touched && !conflict; ++j)
      for (const Touch& t : since_barrier)
        if ((op.writes(j) || t.written) && overlaps(t.range, op.infos[j])) {
          conflict = true;
          break;
        }
    if (conflict) {
      barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
      barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                              VK_ACCESS_TRANSFER_WRITE_BIT;
      api.vkCmdPipelineBarrier(c, kWork, kWork, 0, 1, &barrier, 0, nullptr, 0, nullptr);
      since_barrier.clear();
    }
    for (uint32_t j = 0; j < touched; ++j) since_barrier.push_back({op.infos[j], op.writes(j)});
    if (op.isTransfer()) {
      const VkBufferCopy region{op.infos[0].offset, op.infos[1].offset, op.infos[0].range};
      api.vkCmdCopyBuffer(c, op.infos[0].buffer, op.infos[1].buffer, 1, &region);
      continue;
    }
    const Kernel& k = *op.kernel;
    api.vkCmdBindPipeline(c, VK_PIPELINE_BIND_POINT_COMPUTE, k.pipeline);
    api.vkCmdBindDescriptorSets(c, VK_PIPELINE_BIND_POINT_COMPUTE, k.layout, 0, 1, &sets_[op.slot], 0, nullptr);
    if (timed_) {
      api.vkCmdResetQueryPool(c, queries_, 2 * op.slot, 2);
      api.vkCmdWriteTimestamp(c, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 2 * op.slot);
    }
    if (op.indirect())
      api.vkCmdDispatchIndirect(c, status_.buffer, gridOffset(op));
    else
      api.vkCmdDispatch(c, op.grid[0], op.grid[1], op.grid[2]);
    if (timed_) api.vkCmdWriteTimestamp(c, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, 2 * op.slot + 1);
  }
  // The fence orders the host after the batch; this makes the shaders' writes visible to host reads.
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  api.vkCmdPipelineBarrier(c, kWork, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
  if ((r = api.vkEndCommandBuffer(c)) != VK_SUCCESS) return resultStatus(r, "vkEndCommandBuffer");
  batch.ops = ops;
  batch.timed = timed_;
  return nullptr;
}

tsr_status* VulkanSession::run(Batch& batch, std::vector<Op>& ops, size_t& failed_step) {
  failed_step = ops.front().step;
  writeSets(ops);
  if (batch.ops != ops || batch.timed != timed_)
    if (tsr_status* st = record(batch, ops)) return st;
  // The status words after the bindings (kernel_abi.h): zero, set by a kernel whose run-time check fails; then
  // the parameters and the grid. The host's writes before the submit are visible to the device.
  auto* words = static_cast<uint8_t*>(status_.mapped);
  for (const Op& op : ops) {
    if (op.isTransfer()) continue;
    std::memset(words + op.slot * status_stride_, 0, 4);
    if (!op.indirect()) continue;
    std::memcpy(words + op.slot * status_stride_ + 4, op.parameters.data(), 4 * op.parameters.size());
    std::memcpy(words + gridOffset(op), op.grid, sizeof op.grid);
  }
  const uint64_t submitted_ns = nowNs();
  if (tsr_status* st = shared_.submitAndWait(batch.commands, fence_, kDispatchTimeoutNs * ops.size(),
                                             [&](bool in_parentheses) { return describe(ops, in_parentheses); },
                                             in_flight_))
    return st;
  if (batch.timed) readTimes(ops, submitted_ns);
  for (const Op& op : ops) {
    if (op.isTransfer()) continue;
    uint32_t code = 0;
    std::memcpy(&code, words + op.slot * status_stride_, sizeof code);
    if (!code) continue;
    failed_step = op.step;
    const char* symbol = op.kernel->x->symbol.c_str();
    if (const char* why = kernelValueError(code))  // the inputs' values
      return makeStatus(TSR_STATUS_INVALID_ARGUMENT, format("step %zu: %s (kernel '%s')", op.step, why, symbol));
    if (code == TSR_KERNEL_ERROR_DISPATCH_MISMATCH)  // the schedule, not the inputs or the kernel
      return makeStatus(TSR_STATUS_INVALID_ARTIFACT,
                        format("artifact: step %zu does not match kernel '%s' (a binding shorter than the dims its "
                               "constants give, or dims it was compiled to read as one that differ)",
                               op.step, symbol));
    return makeStatus(TSR_STATUS_KERNEL_FAILED, format("step %zu: kernel '%s' reported error %u", op.step, symbol, code));
  }
  return device_.validation ? device_.validationErrors(describe(ops)) : nullptr;
}

}  // namespace

bool SharedDevice::findWeights(const Dispatch& d, uint32_t j, VkDescriptorBufferInfo& info) const {
  const uint64_t length = d.binding_lengths[j];
  const auto* p = static_cast<const uint8_t*>(d.bindings[j]);
  if (!length || (kernel(d).x->binding_access[j] & TSR_ACCESS_WRITE) || !weights_base || p < weights_base ||
      p - weights_base > static_cast<std::ptrdiff_t>(weights_size))
    return false;
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize at = 0;
  if (!weights.find(static_cast<uint64_t>(p - weights_base), length, buffer, at)) return false;
  info = {buffer, at, length};
  return true;
}

tsr_status* SharedDevice::submitAndWait(VkCommandBuffer commands, VkFence fence, uint64_t timeout_ns,
                                        const std::function<std::string(bool in_parentheses)>& what,
                                        bool& in_flight) const {
  const Api& api = device.api;
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (!broken.empty())
      return makeStatus(TSR_STATUS_KERNEL_FAILED, format("%s: this model's Vulkan device is unusable after an "
                                                         "earlier failure: %s",
                                                         what(false).c_str(), broken.c_str()));
    VkResult r = api.vkQueueSubmit(device.queue, 1, &submit, fence);
    if (r != VK_SUCCESS) {
      if (r == VK_ERROR_DEVICE_LOST) broken = "VK_ERROR_DEVICE_LOST";
      return resultStatus(r, format("vkQueueSubmit (%s)", what(true).c_str()));
    }
  }
  in_flight = true;
  auto fail = [&](std::string why) {
    std::lock_guard<std::mutex> lock(queue_mutex);
    if (broken.empty()) broken = std::move(why);
  };
  VkResult r = api.vkWaitForFences(device.device, 1, &fence, VK_TRUE, timeout_ns);
  if (r == VK_SUCCESS) in_flight = false;
  if (r == VK_TIMEOUT) {
    fail("a dispatch timed out");
    return makeStatus(TSR_STATUS_KERNEL_FAILED, format("Vulkan dispatch timed out: %s did not finish within %llu s",
                                                       what(false).c_str(), ull(timeout_ns / 1000000000)));
  }
  if (r != VK_SUCCESS) {
    fail(resultName(r) + " while waiting for a dispatch");
    return resultStatus(r, format("vkWaitForFences (%s)", what(true).c_str()));
  }
  if ((r = api.vkResetFences(device.device, 1, &fence)) != VK_SUCCESS) {
    fail(resultName(r) + " from vkResetFences");
    return resultStatus(r, "vkResetFences");
  }
  return nullptr;
}

tsr_status* openVulkanSession(const SharedDevice& shared, std::unique_ptr<ExecutorSession>& out) {
  auto session = std::make_unique<VulkanSession>(shared);
  if (tsr_status* st = session->open()) return st;
  out = std::move(session);
  return nullptr;
}

}  // namespace tessera::rt::vk
