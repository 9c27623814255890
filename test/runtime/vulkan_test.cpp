// The Vulkan executor through the public C API: SPIR-V built from kernels/mul_add.comp at build time, run on the
// system's Vulkan device (lavapipe in CI). ctest runs these with TESSERA_VULKAN_VALIDATION=1, so any validation
// message fails the dispatch it occurs in, and runs VulkanNoDevice.* on its own with no driver available.
#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "test_util.h"
#include "vulkan/vulkan_api.h"

using namespace tessera::test;

namespace {

constexpr tsr_code kInvalid = TSR_STATUS_INVALID_ARTIFACT;

std::vector<uint32_t> mulAddWords() {
  std::ifstream f(TESSERA_TEST_SPIRV_MUL_ADD_PATH, std::ios::binary);
  if (!f)
    ADD_FAILURE() << "cannot read the test kernel " << TESSERA_TEST_SPIRV_MUL_ADD_PATH;
  Bytes bytes(std::istreambuf_iterator<char>(f), {});
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), words.size() * 4);
  return words;
}

Bytes spirvSection(std::vector<codec::SpirvModule> modules) { return toBytes(codec::encodeSpirvSection(modules)); }

// a, b float32 [N] -> y float32 [N]: t = a * b + 3 into a DYNAMIC buffer, then y = t * b + 5, both by mul_add
// (constants n, k) on max(ceil(N / 64), 1) workgroups, so N = 0 still dispatches, with empty bindings.
ArtifactSpec mulAddSpec() {
  ArtifactSpec s;
  s.symbols = {{"N", 0, 1 << 20}, {"B", 0, INT64_MAX}, {"G0", 0, INT64_MAX}, {"G", 0, INT64_MAX}};
  s.inputs = {{"a", TSR_DTYPE_FLOAT32, {sym(0)}, 0}, {"b", TSR_DTYPE_FLOAT32, {sym(0)}, 1}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {sym(0)}, 2}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, sym(1)},
               {TSR_BUFFER_INPUT, 1, 0, sym(1)},
               {TSR_BUFFER_OUTPUT, 0, 0, sym(1)},
               {TSR_BUFFER_DYNAMIC, 0, 0, sym(1)}};
  TKernel k("mul_add");
  k.code_section = TSR_SECTION_SPIRV;
  k.workgroup_size[0] = 64;
  k.access = {TSR_ACCESS_READ, TSR_ACCESS_READ, TSR_ACCESS_WRITE};
  k.constants = 2;
  s.kernels = {k};
  s.steps = {TStep::shape(TSR_SHAPE_MUL, 1, sym(0), 4),
             TStep::shape(TSR_SHAPE_DIV_CEIL, 2, sym(0), 64),
             TStep::shape(TSR_SHAPE_MAX, 3, sym(2), 1),
             TStep::dispatch(0, sym(3), {{0, 0, sym(1)}, {1, 0, sym(1)}, {3, 0, sym(1)}}, {sym(0), 3}),
             TStep::barrier(),
             TStep::dispatch(0, sym(3), {{3, 0, sym(1)}, {1, 0, sym(1)}, {2, 0, sym(1)}}, {sym(0), 5})};
  s.spirv = spirvSection({{"mul_add", mulAddWords()}});
  return s;
}

// Values whose products and sums are exact in float32, so fused or separate multiply-adds agree bit for bit.
void inputs(size_t n, int seed, std::vector<float>& a, std::vector<float>& b) {
  a.resize(n), b.resize(n);
  for (size_t i = 0; i < n; ++i) {
    a[i] = static_cast<float>(static_cast<int>((i + seed) % 11) - 5);
    b[i] = static_cast<float>((i + 2 * seed) % 7) * 0.5f - 1.5f;
  }
}

std::vector<float> expected(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> y(a.size());
  for (size_t i = 0; i < a.size(); ++i) y[i] = (a[i] * b[i] + 3) * b[i] + 5;
  return y;
}

struct Model {
  tsr_model* model = nullptr;
  explicit Model(const Bytes& bytes) {
    tsr_status* st = tsr_model_load_memory(bytes.data(), bytes.size(), nullptr, &model);
    EXPECT_EQ(st, nullptr) << tsr_status_message(st);
    tsr_status_free(st);
  }
  ~Model() { tsr_model_release(model); }
};

// Runs the mul_add model in `session` on a and b, writing y: the run's status (caller owns).
tsr_status* runMulAdd(tsr_session* session, std::vector<float>& a, std::vector<float>& b, std::vector<float>& y) {
  const size_t n = a.size();
  y.assign(n, -1.0f);
  const int64_t dims[] = {static_cast<int64_t>(n)};
  tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 1, dims, a.data(), n * 4}, {TSR_DTYPE_FLOAT32, 1, dims, b.data(), n * 4}};
  tsr_tensor out = {TSR_DTYPE_FLOAT32, 1, dims, y.data(), n * 4};
  return tsr_session_run(session, in, 2, &out, 1);
}

// Runs the mul_add model on `n` elements in `session` and checks y.
void runAndCheck(tsr_session* session, size_t n, int seed) {
  std::vector<float> a, b, y;
  inputs(n, seed, a, b);
  ASSERT_OK(runMulAdd(session, a, b, y));
  EXPECT_EQ(y, expected(a, b)) << "n = " << n << ", seed = " << seed;
}

TEST(Vulkan, RunsDependentDispatchesExactly) {
  Model m(mulAddSpec().build());
  ASSERT_NE(m.model, nullptr);
  tsr_session* session = nullptr;
  ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
  // 1000 is not a multiple of the workgroup size; 5000 grows the device buffers, 10 and 0 reuse them.
  for (size_t n : {1000, 5000, 10, 0, 64})
    runAndCheck(session, n, static_cast<int>(n % 5));
  tsr_session_release(session);
}

TEST(Vulkan, SessionsOnSeveralThreadsShareTheDevice) {
  Model m(mulAddSpec().build());
  ASSERT_NE(m.model, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      tsr_session* session = nullptr;
      ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
      for (int run = 0; run < 4; ++run) runAndCheck(session, 100 + 300 * t + run, t + run);
      tsr_session_release(session);
    });
  for (std::thread& t : threads) t.join();
}

// One model, two executors: the CPU adds (add_f32 from the test kernels), then Vulkan multiplies and adds.
TEST(Vulkan, CpuAndVulkanStepsShareBuffers) {
  constexpr int64_t n = 256, bytes = n * 4;
  ArtifactSpec s = mulAddSpec();
  s.symbols.clear();
  s.inputs = {{"a", TSR_DTYPE_FLOAT32, {n}, 0}, {"b", TSR_DTYPE_FLOAT32, {n}, 1}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {n}, 2}};
  s.arena_size = bytes;
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, bytes},
               {TSR_BUFFER_INPUT, 1, 0, bytes},
               {TSR_BUFFER_OUTPUT, 0, 0, bytes},
               {TSR_BUFFER_ARENA, 0, 0, bytes}};
  s.kernels.push_back(TKernel("add_f32"));
  s.steps = {TStep::dispatch(1, 1, {{0, 0, bytes}, {1, 0, bytes}, {3, 0, bytes}}, {n}), TStep::barrier(),
             TStep::dispatch(0, n / 64, {{3, 0, bytes}, {1, 0, bytes}, {2, 0, bytes}}, {n, 7})};
  s.code = kernelCode();
  Model m(s.build());
  ASSERT_NE(m.model, nullptr);
  tsr_session* session = nullptr;
  ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
  std::vector<float> a, b, y(n);
  inputs(n, 1, a, b);
  const int64_t dims[] = {n};
  tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 1, dims, a.data(), bytes}, {TSR_DTYPE_FLOAT32, 1, dims, b.data(), bytes}};
  tsr_tensor out = {TSR_DTYPE_FLOAT32, 1, dims, y.data(), bytes};
  ASSERT_OK(tsr_session_run(session, in, 2, &out, 1));
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ(y[i], (a[i] + b[i]) * b[i] + 7) << i;
  tsr_session_release(session);
}

// a, b float32 [1024] -> y = ((a * b + 3) * b + 5) * b + 1, all in the arena: a and b copied in, three
// dependent mul_adds (the third overwrites what the first wrote and the second read), the result copied out.
// With `t_shift` 0 every binding is at an offset the device can bind, so the three run as one command buffer,
// recorded at the first run and replayed; with 4 the first result is not, and dispatches that bind it copy it.
ArtifactSpec arenaChainSpec(int64_t t_shift) {
  constexpr int64_t n = 1024, bytes = n * 4;
  ArtifactSpec s = mulAddSpec();
  s.symbols.clear();
  s.inputs = {{"a", TSR_DTYPE_FLOAT32, {n}, 0}, {"b", TSR_DTYPE_FLOAT32, {n}, 1}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {n}, 2}};
  s.arena_size = 4 * bytes + 64;
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, bytes},
               {TSR_BUFFER_INPUT, 1, 0, bytes},
               {TSR_BUFFER_OUTPUT, 0, 0, bytes},
               {TSR_BUFFER_ARENA, 0, 0, bytes},
               {TSR_BUFFER_ARENA, 0, bytes, bytes},
               {TSR_BUFFER_ARENA, 0, static_cast<uint64_t>(2 * bytes + t_shift), bytes},
               {TSR_BUFFER_ARENA, 0, 3 * bytes + 64, bytes}};
  // The transfers around the host's copies are what tessera-host-insert-transfers would put there.
  s.steps = {TStep::copy(0, 0, 3, 0, bytes),
             TStep::copy(1, 0, 4, 0, bytes),
             TStep::transfer(TSR_TRANSFER_TO_DEVICE, 3, 0, bytes),
             TStep::transfer(TSR_TRANSFER_TO_DEVICE, 4, 0, bytes),
             TStep::dispatch(0, n / 64, {{3, 0, bytes}, {4, 0, bytes}, {5, 0, bytes}}, {n, 3}),
             TStep::barrier(),
             TStep::dispatch(0, n / 64, {{5, 0, bytes}, {4, 0, bytes}, {6, 0, bytes}}, {n, 5}),
             TStep::barrier(),
             TStep::dispatch(0, n / 64, {{6, 0, bytes}, {4, 0, bytes}, {5, 0, bytes}}, {n, 1}),
             TStep::transfer(TSR_TRANSFER_TO_HOST, 5, 0, bytes),
             TStep::copy(5, 0, 2, 0, bytes)};
  return s;
}

void runArenaChain(tsr_session* session, int seed) {
  constexpr int64_t n = 1024;
  std::vector<float> a, b, y(n, -1.0f);
  inputs(n, seed, a, b);
  const int64_t dims[] = {n};
  tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 1, dims, a.data(), n * 4}, {TSR_DTYPE_FLOAT32, 1, dims, b.data(), n * 4}};
  tsr_tensor out = {TSR_DTYPE_FLOAT32, 1, dims, y.data(), n * 4};
  ASSERT_OK(tsr_session_run(session, in, 2, &out, 1));
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i], ((a[i] * b[i] + 3) * b[i] + 5) * b[i] + 1) << "seed " << seed << ", element " << i;
}

// Dispatches on the arena run as one batch, replayed with new inputs, from two sessions in turn, with profiling
// (timed on the device) and without, and the same with a binding that must be copied.
TEST(Vulkan, ArenaDispatchesRunTogetherAndReplay) {
  for (int64_t shift : {0, 4}) {
    SCOPED_TRACE("t_shift " + std::to_string(shift));
    Model m(arenaChainSpec(shift).build());
    ASSERT_NE(m.model, nullptr);
    tsr_session *first = nullptr, *second = nullptr;
    ASSERT_OK(tsr_session_create(m.model, nullptr, &first));
    ASSERT_OK(tsr_session_create(m.model, nullptr, &second));
    for (int seed = 0; seed < 3; ++seed) {
      runArenaChain(first, seed);
      runArenaChain(second, seed + 7);
    }
    tsr_session_set_profiling(first, 1);
    runArenaChain(first, 4);
    // Device timestamps (lavapipe has them): each dispatch's time is its own, in step order.
    const tsr_profile_event* events = nullptr;
    const size_t count = tsr_session_profile_events(first, &events);
    std::vector<const tsr_profile_event*> dispatches;
    for (size_t i = 0; i < count; ++i)
      if (events[i].workgroups) dispatches.push_back(&events[i]);
    ASSERT_EQ(dispatches.size(), 3u);
    for (size_t i = 0; i < dispatches.size(); ++i) {
      EXPECT_GT(dispatches[i]->duration_ns, 0u) << "dispatch " << i;
      if (i) EXPECT_GE(dispatches[i]->start_ns, dispatches[i - 1]->start_ns) << "dispatch " << i;
    }
    tsr_session_set_profiling(first, 0);
    runArenaChain(first, 5);
    tsr_session_release(first);
    tsr_session_release(second);
  }
}

// Entry points replaced in the runtime's Vulkan function table (vk::setDeviceFunctionsHook): faults injected,
// calls counted.
VkResult VKAPI_CALL lostOnSubmit(VkQueue, uint32_t, const VkSubmitInfo*, VkFence) { return VK_ERROR_DEVICE_LOST; }
VkResult VKAPI_CALL noDeviceMemory(VkDevice, const VkMemoryAllocateInfo*, const VkAllocationCallbacks*,
                                   VkDeviceMemory*) {
  return VK_ERROR_OUT_OF_DEVICE_MEMORY;
}

// Counts the copy commands recorded, passing them on to the device.
PFN_vkCmdCopyBuffer deviceCmdCopyBuffer = nullptr;
std::atomic<int> copyCommands{0};
void VKAPI_CALL countedCmdCopyBuffer(VkCommandBuffer commands, VkBuffer src, VkBuffer dst, uint32_t count,
                                     const VkBufferCopy* regions) {
  ++copyCommands;
  deviceCmdCopyBuffer(commands, src, dst, count, regions);
}

// Counts submissions and the timestamps recorded, passing them on to the device.
PFN_vkQueueSubmit deviceQueueSubmit = nullptr;
PFN_vkCmdWriteTimestamp deviceCmdWriteTimestamp = nullptr;
std::atomic<int> submits{0}, timestamps{0};
VkResult VKAPI_CALL countedQueueSubmit(VkQueue queue, uint32_t count, const VkSubmitInfo* submit, VkFence fence) {
  ++submits;
  return deviceQueueSubmit(queue, count, submit, fence);
}
void VKAPI_CALL countedCmdWriteTimestamp(VkCommandBuffer commands, VkPipelineStageFlagBits stage, VkQueryPool pool,
                                         uint32_t query) {
  ++timestamps;
  deviceCmdWriteTimestamp(commands, stage, pool, query);
}

// Counts the command buffers recorded, passing them on to the device.
PFN_vkBeginCommandBuffer deviceBeginCommandBuffer = nullptr;
std::atomic<int> recordings{0};
VkResult VKAPI_CALL countedBeginCommandBuffer(VkCommandBuffer commands, const VkCommandBufferBeginInfo* info) {
  ++recordings;
  return deviceBeginCommandBuffer(commands, info);
}

// Counts the buffers created, passing them on to the device.
PFN_vkCreateBuffer deviceCreateBuffer = nullptr;
std::atomic<int> buffersCreated{0};
VkResult VKAPI_CALL countedCreateBuffer(VkDevice device, const VkBufferCreateInfo* info,
                                        const VkAllocationCallbacks* allocator, VkBuffer* buffer) {
  ++buffersCreated;
  return deviceCreateBuffer(device, info, allocator, buffer);
}

struct ApiHook {
  explicit ApiHook(tessera::rt::vk::DeviceFunctionsHook hook) { tessera::rt::vk::setDeviceFunctionsHook(hook); }
  ~ApiHook() { tessera::rt::vk::setDeviceFunctionsHook(nullptr); }
};

// The three dispatches of a run are one submission, recorded at the first run and replayed; profiling keeps
// them together and times each on the device (two timestamps each, recorded once), and turning it off records
// them again without timestamps.
TEST(Vulkan, ProfilingTimesBatchedDispatchesOnTheDevice) {
  ApiHook hook([](tessera::rt::vk::Api& api) {
    deviceQueueSubmit = api.vkQueueSubmit;
    api.vkQueueSubmit = countedQueueSubmit;
    deviceCmdWriteTimestamp = api.vkCmdWriteTimestamp;
    api.vkCmdWriteTimestamp = countedCmdWriteTimestamp;
  });
  Model m(arenaChainSpec(0).build());
  ASSERT_NE(m.model, nullptr);
  tsr_session* session = nullptr;
  ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
  submits = 0, timestamps = 0;
  runArenaChain(session, 1);
  runArenaChain(session, 2);
  EXPECT_EQ(submits.load(), 2);
  EXPECT_EQ(timestamps.load(), 0);
  tsr_session_set_profiling(session, 1);
  runArenaChain(session, 3);
  runArenaChain(session, 4);
  EXPECT_EQ(submits.load(), 4);
  EXPECT_EQ(timestamps.load(), 6);
  tsr_session_set_profiling(session, 0);
  runArenaChain(session, 5);
  EXPECT_EQ(submits.load(), 5);
  EXPECT_EQ(timestamps.load(), 6);
  tsr_session_release(session);
}

// A kernel's dims and grid change with the input's size, but they are parameters the executor writes before each
// submission (kernel_abi.h), not part of what it records: once the copy buffers have grown to the largest input,
// runs at other sizes replay the command buffers the first run recorded. (An empty input batches differently:
// its second dispatch reads no bytes the first writes, so both run in one submission.)
TEST(Vulkan, RecordingsOutliveNewSizes) {
  ApiHook hook([](tessera::rt::vk::Api& api) {
    deviceBeginCommandBuffer = api.vkBeginCommandBuffer;
    api.vkBeginCommandBuffer = countedBeginCommandBuffer;
  });
  Model m(mulAddSpec().build());
  ASSERT_NE(m.model, nullptr);
  tsr_session* session = nullptr;
  ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
  recordings = 0;
  runAndCheck(session, 5000, 1);
  const int recorded = recordings.load();
  EXPECT_GT(recorded, 0);
  for (size_t n : {1000, 10, 3001, 5000, 77}) runAndCheck(session, n, static_cast<int>(n % 5));
  EXPECT_EQ(recordings.load(), recorded);
  // A larger input grows the copy buffers, whose bindings the recordings hold: recorded once more.
  runAndCheck(session, 20000, 2);
  EXPECT_GT(recordings.load(), recorded);
  tsr_session_release(session);
}

// Where the device's own memory cannot be mapped (TESSERA_VULKAN_DEVICE_ARENA=1 takes that path on any device),
// the arena buffers Vulkan dispatches bind live, for them, in a device-local arena of each session, and the
// schedule's transfers move their bytes to and from the host arena where the host copies them: in the chain,
// buffers 3 and 4 (copied in by the host) go to the device, buffer 5 (copied out) comes back, buffer 6 never
// crosses. The results are the same; each session creates the one buffer more, and its one recording holds the
// three transfers as buffer copies. Without that arena the device works on the host arena and transfers are
// nothing to do.
TEST(Vulkan, DeviceResidentBuffersLiveInADeviceLocalArena) {
  ApiHook hook([](tessera::rt::vk::Api& api) {
    deviceCreateBuffer = api.vkCreateBuffer;
    api.vkCreateBuffer = countedCreateBuffer;
    deviceCmdCopyBuffer = api.vkCmdCopyBuffer;
    api.vkCmdCopyBuffer = countedCmdCopyBuffer;
  });
  int created[2] = {0, 0};
  for (int forced : {0, 1}) {
    SCOPED_TRACE(forced ? "device-local arena" : "host arena only");
    setenv("TESSERA_VULKAN_DEVICE_ARENA", forced ? "1" : "0", 1);
    Model m(arenaChainSpec(0).build());
    ASSERT_NE(m.model, nullptr);
    tsr_session* session = nullptr;
    buffersCreated = 0;
    copyCommands = 0;
    ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
    for (int seed = 0; seed < 3; ++seed) runArenaChain(session, seed);
    created[forced] = buffersCreated.load();
    EXPECT_EQ(copyCommands.load(), forced ? 3 : 0);
    tsr_session_release(session);
  }
  unsetenv("TESSERA_VULKAN_DEVICE_ARENA");
  EXPECT_EQ(created[1], created[0] + 1);
}

// Inputs, outputs and buffers sized at run time are device-resident too where the device's memory is its own:
// each session keeps a device-local copy of each, the inputs' transfers upload them through a staging buffer
// and the output's reads it back, all in one batch with the dispatches: one submission per run, where copying
// the bindings instead (the path of a device that maps its memory, where transfers are skipped) submits twice,
// since the second kernel reads what the first wrote through a copy. Across sizes the copies grow with the
// input, and the results match.
TEST(Vulkan, InputsAndOutputsCrossByTransfers) {
  ApiHook hook([](tessera::rt::vk::Api& api) {
    deviceCmdCopyBuffer = api.vkCmdCopyBuffer;
    api.vkCmdCopyBuffer = countedCmdCopyBuffer;
    deviceQueueSubmit = api.vkQueueSubmit;
    api.vkQueueSubmit = countedQueueSubmit;
  });
  ArtifactSpec spec = mulAddSpec();
  // Where tessera-host-insert-transfers puts them: the inputs before the first kernel, the output at the end.
  spec.steps.insert(spec.steps.begin() + 3, TStep::transfer(TSR_TRANSFER_TO_DEVICE, 0, 0, sym(1)));
  spec.steps.insert(spec.steps.begin() + 4, TStep::transfer(TSR_TRANSFER_TO_DEVICE, 1, 0, sym(1)));
  spec.steps.push_back(TStep::transfer(TSR_TRANSFER_TO_HOST, 2, 0, sym(1)));
  for (int forced : {0, 1}) {
    SCOPED_TRACE(forced ? "device-local copies" : "host memory in place");
    setenv("TESSERA_VULKAN_DEVICE_ARENA", forced ? "1" : "0", 1);
    Model m(spec.build());
    ASSERT_NE(m.model, nullptr);
    tsr_session* session = nullptr;
    ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
    copyCommands = 0;
    submits = 0;
    const std::vector<size_t> sizes = {1000, 5000, 10, 0, 64, 5000};
    for (size_t n : sizes) runAndCheck(session, n, static_cast<int>(n % 5));
    const int runs = static_cast<int>(sizes.size());
    if (forced) {
      EXPECT_EQ(submits.load(), runs);
      EXPECT_GE(copyCommands.load(), 3);  // recorded again at each new size (a copy's length is recorded)
    } else {
      EXPECT_GT(submits.load(), runs);
      EXPECT_EQ(copyCommands.load(), 0);
    }
    tsr_session_release(session);
  }
  unsetenv("TESSERA_VULKAN_DEVICE_ARENA");
}

// Weights (b here, constant data at an offset into the WEIGHTS section) are copied to the device once, at load,
// and bound in place by both dispatches on every run: written directly where the device's memory can be mapped,
// through a staging buffer and vkCmdCopyBuffer when TESSERA_VULKAN_FORCE_STAGING=1.
constexpr int64_t kWeightedN = 320, kWeightedBytes = kWeightedN * 4, kWeightsAt = 64;

// a float32 [320] -> y = (a * b + 3) * b + 5 with b the weights at kWeightsAt.
ArtifactSpec mulAddWeightsSpec() {
  constexpr int64_t n = kWeightedN, bytes = kWeightedBytes, at = kWeightsAt;
  std::vector<float> a, b;
  inputs(n, 2, a, b);
  ArtifactSpec s = mulAddSpec();
  s.symbols.clear();
  s.inputs = {{"a", TSR_DTYPE_FLOAT32, {n}, 0}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {n}, 1}};
  s.arena_size = bytes;
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, bytes},
               {TSR_BUFFER_OUTPUT, 0, 0, bytes},
               {TSR_BUFFER_CONSTANT, 0, at, bytes},
               {TSR_BUFFER_ARENA, 0, 0, bytes}};
  s.weights.assign(at + bytes, 0xee);
  std::memcpy(s.weights.data() + at, b.data(), bytes);
  s.steps = {TStep::dispatch(0, n / 64, {{0, 0, bytes}, {2, 0, bytes}, {3, 0, bytes}}, {n, 3}), TStep::barrier(),
             TStep::dispatch(0, n / 64, {{3, 0, bytes}, {2, 0, bytes}, {1, 0, bytes}}, {n, 5})};
  return s;
}

TEST(Vulkan, WeightsAreUploadedOnceDirectlyOrStaged) {
  constexpr int64_t n = kWeightedN, bytes = kWeightedBytes, at = kWeightsAt;
  const ArtifactSpec s = mulAddWeightsSpec();
  ApiHook hook([](tessera::rt::vk::Api& api) {
    deviceCmdCopyBuffer = api.vkCmdCopyBuffer;
    api.vkCmdCopyBuffer = countedCmdCopyBuffer;
  });
  std::vector<float> a, b;
  for (const char* force : {"0", "1"}) {
    ASSERT_EQ(setenv("TESSERA_VULKAN_FORCE_STAGING", force, 1), 0);
    copyCommands = 0;
    Model m(s.build());
    ASSERT_NE(m.model, nullptr) << "staging " << force;
    // Staged, the 1280 bytes of weights are one batch of copies; runs copy nothing more.
    if (std::strcmp(force, "1") == 0) EXPECT_EQ(copyCommands.load(), 1);
    tsr_session* session = nullptr;
    ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
    for (int run = 0; run < 2; ++run) {
      inputs(n, run, a, b);
      std::memcpy(b.data(), s.weights.data() + at, bytes);
      std::vector<float> y(n, -1.0f);
      const int64_t dims[] = {n};
      tsr_tensor in = {TSR_DTYPE_FLOAT32, 1, dims, a.data(), bytes};
      tsr_tensor out = {TSR_DTYPE_FLOAT32, 1, dims, y.data(), bytes};
      ASSERT_OK(tsr_session_run(session, &in, 1, &out, 1));
      EXPECT_EQ(y, expected(a, b)) << "staging " << force << ", run " << run;
    }
    if (std::strcmp(force, "1") == 0) EXPECT_EQ(copyCommands.load(), 1);
    tsr_session_release(session);
  }
  unsetenv("TESSERA_VULKAN_FORCE_STAGING");
}

// A run of mul_add on 100 elements that must fail: its status's code and message.
std::pair<tsr_code, std::string> failedRun(tsr_session* session) {
  std::vector<float> a, b, y;
  inputs(100, 1, a, b);
  tsr_status* st = runMulAdd(session, a, b, y);
  std::pair<tsr_code, std::string> result{tsr_status_code(st), tsr_status_message(st)};
  tsr_status_free(st);
  return result;
}

// A lost device fails the run with the Vulkan error, and every later run of the model says why it cannot run.
TEST(Vulkan, DeviceLossFailsTheRunAndLaterRuns) {
  ApiHook hook([](tessera::rt::vk::Api& api) { api.vkQueueSubmit = lostOnSubmit; });
  Model m(mulAddSpec().build());
  ASSERT_NE(m.model, nullptr);
  tsr_session* session = nullptr;
  ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
  EXPECT_LOAD_ERROR(failedRun(session), TSR_STATUS_KERNEL_FAILED,
                    "Vulkan: vkQueueSubmit (step 3, kernel 'mul_add') failed: VK_ERROR_DEVICE_LOST");
  EXPECT_LOAD_ERROR(failedRun(session), TSR_STATUS_KERNEL_FAILED,
                    "this model's Vulkan device is unusable after an earlier failure: VK_ERROR_DEVICE_LOST");
  tsr_session_release(session);
}

// Device memory running out is an out-of-memory status naming the allocation: at the first run for the buffers
// allocated then, at load for a model's weights.
TEST(Vulkan, OutOfDeviceMemoryIsAClearError) {
  ApiHook hook([](tessera::rt::vk::Api& api) { api.vkAllocateMemory = noDeviceMemory; });
  {
    Model m(mulAddSpec().build());
    ASSERT_NE(m.model, nullptr);
    tsr_session* session = nullptr;
    ASSERT_OK(tsr_session_create(m.model, nullptr, &session));
    const auto result = failedRun(session);
    EXPECT_LOAD_ERROR(result, TSR_STATUS_OUT_OF_MEMORY, "Vulkan: vkAllocateMemory (");
    EXPECT_LOAD_ERROR(result, TSR_STATUS_OUT_OF_MEMORY, "failed: VK_ERROR_OUT_OF_DEVICE_MEMORY");
    tsr_session_release(session);
  }
  EXPECT_LOAD_ERROR(loadResult(mulAddWeightsSpec().build()), TSR_STATUS_OUT_OF_MEMORY,
                    " bytes of weights) failed: VK_ERROR_OUT_OF_DEVICE_MEMORY");
}

// TESSERA_VULKAN_DEVICE picks by index or by part of the name; one that names no device is a load error.
TEST(Vulkan, DeviceSelection) {
  const Bytes bytes = mulAddSpec().build();
  setenv("TESSERA_VULKAN_DEVICE", "0", 1);
  EXPECT_EQ(loadResult(bytes).first, TSR_STATUS_OK) << loadResult(bytes).second;
  setenv("TESSERA_VULKAN_DEVICE", "99", 1);
  EXPECT_LOAD_ERROR(loadResult(bytes), TSR_STATUS_NOT_FOUND, "Vulkan: no device matches TESSERA_VULKAN_DEVICE='99'");
  setenv("TESSERA_VULKAN_DEVICE", "No Such Device", 1);
  EXPECT_LOAD_ERROR(loadResult(bytes), TSR_STATUS_NOT_FOUND, "(devices: 0: ");
  unsetenv("TESSERA_VULKAN_DEVICE");
}

TEST(Vulkan, InfoNamesTheSpirvSection) {
  Model m(mulAddSpec().build());
  ASSERT_NE(m.model, nullptr);
  std::string info(tsr_model_info_string(m.model, nullptr, 0) + 1, '\0');
  tsr_model_info_string(m.model, info.data(), info.size());
  EXPECT_NE(info.find("SPIRV"), std::string::npos) << info;
}

TEST(Vulkan, CorruptSectionsAreLoadErrors) {
  std::vector<uint32_t> words = mulAddWords();
  ArtifactSpec s = mulAddSpec();

  std::vector<uint32_t> bad_magic = words;
  bad_magic[0] = 0x03022307;  // byte-swapped
  s.spirv = spirvSection({{"mul_add", bad_magic}});
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "SPIRV: module 0: 'mul_add' does not start with the SPIR-V magic");

  s.spirv = spirvSection({{"other", words}});
  EXPECT_LOAD_ERROR(loadResult(s.build()), TSR_STATUS_NOT_FOUND, "kernel 'mul_add' not found in SPIRV");

  s.spirv = spirvSection({{"mul_add", words}, {"mul_add", words}});
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "duplicate entry point 'mul_add'");

  Bytes truncated = spirvSection({{"mul_add", words}});
  truncated.resize(truncated.size() - 4);
  s.spirv = truncated;
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid,
                    "SPIRV: module 0: word count " + std::to_string(words.size()) +
                        " is larger than the section allows");

  // The section's name for the module matches the export, but the module's own entry point is another.
  ArtifactSpec renamed = mulAddSpec();
  renamed.kernels[0].symbol = "renamed";
  renamed.spirv = spirvSection({{"renamed", words}});
  EXPECT_LOAD_ERROR(loadResult(renamed.build()), kInvalid, "module 'renamed' has no GLCompute entry point 'renamed'");

  ArtifactSpec wrong_size = mulAddSpec();
  wrong_size.kernels[0].workgroup_size[0] = 32;
  EXPECT_LOAD_ERROR(loadResult(wrong_size.build()), kInvalid,
                    "kernel 'mul_add' has local size [64,1,1] but its export's workgroup size is [32,1,1]");

  std::vector<uint32_t> cut = words;
  cut.resize(6);  // the header and the first word of a two-word instruction
  s.spirv = spirvSection({{"mul_add", cut}});
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "module 'mul_add': malformed instruction at word 5");
}

TEST(Vulkan, MissingSectionIsALoadError) {
  ArtifactSpec s = mulAddSpec();
  s.spirv.clear();
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid,
                    "executable 'mul_add' needs section SPIRV, which the artifact lacks");
}

// With validation on, a pipeline whose layout lacks a binding the shader uses fails the load with the layer's
// message instead of reaching the driver unchecked. (The layout holds the export's bindings and the status word
// after them: with one binding declared, the shader's binding 2 is missing.)
TEST(Vulkan, ValidationMessagesFailTheLoad) {
  const char* v = std::getenv("TESSERA_VULKAN_VALIDATION");
  if (!v || std::string(v) != "1") GTEST_SKIP() << "needs TESSERA_VULKAN_VALIDATION=1 (set by ctest)";
  ArtifactSpec s = mulAddSpec();
  s.kernels[0].access = std::vector<uint32_t>{TSR_ACCESS_READ};
  for (TStep& step : s.steps)
    if (step.kind == TSR_STEP_DISPATCH) step.bindings.resize(1);
  auto r = loadResult(s.build());
  EXPECT_NE(r.first, TSR_STATUS_OK);
  EXPECT_NE(r.second.find("Vulkan validation during pipeline creation: error:"), std::string::npos) << r.second;
}

TEST(Vulkan, MissingLoaderIsAClearError) {
  tessera::rt::vk::Api api;
  tsr_status* st = tessera::rt::vk::loadGlobalFunctions(api, "libtessera-no-such-vulkan.so.1");
  EXPECT_EQ(tsr_status_code(st), TSR_STATUS_UNSUPPORTED);
  EXPECT_NE(std::string(tsr_status_message(st)).find("Vulkan loader libtessera-no-such-vulkan.so.1 not found: "),
            std::string::npos)
      << tsr_status_message(st);
  tsr_status_free(st);
  tessera::rt::vk::unloadApi(api);
}

#ifdef TESSERA_TEST_SMALL_RUNTIME_PATH
// The size-optimized runtime has no Vulkan executor: a SPIRV executable is refused like any unknown code.
TEST(Vulkan, SmallRuntimeCannotRunSpirv) {
  void* lib = dlopen(TESSERA_TEST_SMALL_RUNTIME_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  using Load = tsr_status* (*)(const void*, size_t, const tsr_model_options*, tsr_model**);
  auto load = reinterpret_cast<Load>(dlsym(lib, "tsr_model_load_memory"));
  auto message = reinterpret_cast<const char* (*)(const tsr_status*)>(dlsym(lib, "tsr_status_message"));
  auto free_status = reinterpret_cast<void (*)(tsr_status*)>(dlsym(lib, "tsr_status_free"));
  ASSERT_TRUE(load && message && free_status);
  const Bytes bytes = mulAddSpec().build();
  tsr_model* model = nullptr;
  tsr_status* st = load(bytes.data(), bytes.size(), nullptr, &model);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(message(st)).find("executable 'mul_add' needs section SPIRV, which this runtime cannot run"),
            std::string::npos)
      << message(st);
  free_status(st);
  dlclose(lib);
}
#endif

// Run by ctest as a test of its own, with VK_ICD_FILENAMES=/nonexistent: the loader finds no driver.
TEST(VulkanNoDevice, LoadFailsWithAClearMessage) {
  setenv("VK_ICD_FILENAMES", "/nonexistent", 1);
  unsetenv("VK_DRIVER_FILES");  // newer loaders prefer it to VK_ICD_FILENAMES
  unsetenv("VK_ADD_DRIVER_FILES");
  auto r = loadResult(mulAddSpec().build());
  EXPECT_EQ(r.first, TSR_STATUS_UNSUPPORTED) << r.second;
  EXPECT_NE(r.second.find("Vulkan: no Vulkan device available"), std::string::npos) << r.second;
}

}  // namespace
