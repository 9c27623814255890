// The session thread pool: thread counts, identical results for any count, participation of the workers,
// per-worker scratch, kernel failures in parallel dispatches, many runs, concurrent sessions, clean joins.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "tessera/runtime.hpp"
#include "test_util.h"

using namespace tessera::test;

namespace {

constexpr uint32_t kUnset = 0xffffffffu;

// Runs `body` on another thread and ends the whole test binary if it takes longer than `seconds`: a
// deadlocked pool must fail the suite, not stall it.
void withTimeout(int seconds, const std::function<void()>& body) {
  std::promise<void> finished;
  std::future<void> done = finished.get_future();
  std::thread t([&] {
    body();
    finished.set_value();
  });
  if (done.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::fprintf(stderr, "FATAL: %s timed out after %d s (deadlock?)\n",
                 ::testing::UnitTest::GetInstance()->current_test_info()->name(), seconds);
    std::fflush(stderr);
    std::_Exit(1);
  }
  t.join();
}

// Threads of this process, from /proc.
int processThreads() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  return -1;
}

uint32_t defaultThreads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  return static_cast<uint32_t>(std::min(std::max(n, 1), 16));
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

// A session with `threads` threads and optional per-thread scratch; NULL (and a failed expectation) on error.
tsr_session* makeSession(const tsr_model* model, uint32_t threads, uint64_t scratch = 0) {
  tsr_session_options so;
  tsr_session_options_initialize(&so);
  so.thread_count = threads;
  so.scratch_size = scratch;
  tsr_session* s = nullptr;
  tsr_status* st = tsr_session_create(model, &so, &s);
  EXPECT_EQ(st, nullptr) << tsr_status_message(st);
  tsr_status_free(st);
  return s;
}

struct Session {
  tsr_session* s;
  Session(const tsr_model* model, uint32_t threads, uint64_t scratch = 0) : s(makeSession(model, threads, scratch)) {}
  ~Session() { tsr_session_release(s); }
};

// 4096 floats in 256 workgroups of 16: t = a + b (arena), y = t * W (W from WEIGHTS), then z = t + y in one
// workgroup, which the session runs inline.
constexpr int kElems = 4096;
ArtifactSpec wideSpec() {
  ArtifactSpec s;
  const int64_t bytes = kElems * 4;
  s.inputs = {{"a", TSR_DTYPE_FLOAT32, {kElems}, 0}, {"b", TSR_DTYPE_FLOAT32, {kElems}, 1}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {kElems}, 2}, {"z", TSR_DTYPE_FLOAT32, {kElems}, 5}};
  s.arena_size = bytes;
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, bytes},    {TSR_BUFFER_INPUT, 1, 0, bytes}, {TSR_BUFFER_OUTPUT, 0, 0, bytes},
               {TSR_BUFFER_CONSTANT, 0, 0, bytes}, {TSR_BUFFER_ARENA, 0, 0, bytes}, {TSR_BUFFER_OUTPUT, 1, 0, bytes}};
  s.kernels = {"add_f32", "scale_f32"};
  s.steps = {TStep::dispatch(0, 256, {{0, 0, bytes}, {1, 0, bytes}, {4, 0, bytes}}, {16}), TStep::barrier(),
             TStep::dispatch(1, 256, {{4, 0, bytes}, {3, 0, bytes}, {2, 0, bytes}}, {16}), TStep::barrier(),
             TStep::dispatch(0, 1, {{4, 0, bytes}, {2, 0, bytes}, {5, 0, bytes}}, {kElems})};
  s.code = kernelCode();
  std::vector<float> w(kElems);
  for (int i = 0; i < kElems; ++i) w[i] = float(i % 7) - 2.5f;
  s.weights = floatBytes(w);
  return s;
}

// One dispatch of record_worker over a [8,4,8] grid (256 workgroups) into a uint32 log; constant 0 is the
// spin per workgroup in microseconds, constant 1 the expected scratch size (0: no scratch check).
ArtifactSpec recordSpec(int64_t spin_us, int64_t scratch) {
  ArtifactSpec s;
  s.outputs = {{"log", TSR_DTYPE_UINT32, {256}, 0}};
  s.buffers = {{TSR_BUFFER_OUTPUT, 0, 0, 1024}};
  s.kernels = {"record_worker"};
  TStep d = TStep::dispatch(0, 8, {{0, 0, 1024}}, {spin_us, scratch});
  d.workgroup_count[1] = 4;
  d.workgroup_count[2] = 8;
  s.steps = {d};
  s.code = kernelCode();
  return s;
}

struct WideResult {
  std::vector<float> y, z;
};

WideResult runWide(tsr_session* s, float seed) {
  std::vector<float> a(kElems), b(kElems);
  for (int i = 0; i < kElems; ++i) a[i] = seed + float(i) * 0.25f, b[i] = float(i % 13) - seed;
  const int64_t dims[] = {kElems};
  tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 1, dims, a.data(), a.size() * 4},
                      {TSR_DTYPE_FLOAT32, 1, dims, b.data(), b.size() * 4}};
  tsr_tensor out[2] = {};
  tsr_status* st = tsr_session_run(s, in, 2, out, 2);
  EXPECT_EQ(st, nullptr) << tsr_status_message(st);
  tsr_status_free(st);
  WideResult r;
  if (!st) {
    r.y.assign(static_cast<float*>(out[0].data), static_cast<float*>(out[0].data) + kElems);
    r.z.assign(static_cast<float*>(out[1].data), static_cast<float*>(out[1].data) + kElems);
  }
  return r;
}

WideResult expectedWide(float seed) {
  WideResult r;
  for (int i = 0; i < kElems; ++i) {
    float t = (seed + float(i) * 0.25f) + (float(i % 13) - seed);
    r.y.push_back(t * (float(i % 7) - 2.5f));
    r.z.push_back(t + r.y.back());
  }
  return r;
}

// Runs the record model once; returns the log (which worker ran each workgroup).
std::vector<uint32_t> runRecord(tsr_session* s, tsr_status** status = nullptr) {
  std::vector<uint32_t> log(256, kUnset);
  tsr_tensor out[1] = {{TSR_DTYPE_UINT32, 0, nullptr, log.data(), log.size() * 4}};
  tsr_status* st = tsr_session_run(s, nullptr, 0, out, 1);
  if (status) *status = st;
  else {
    EXPECT_EQ(st, nullptr) << tsr_status_message(st);
    tsr_status_free(st);
  }
  return log;
}

TEST(Threads, CountsAreResolvedAndReported) {
  Model m(sampleSpec().build());
  for (uint32_t t : {1u, 2u, 3u, 4u}) {
    Session s(m.model, t);
    EXPECT_EQ(tsr_session_thread_count(s.s), t);
  }
  Session clamped(m.model, 100000);
  EXPECT_EQ(tsr_session_thread_count(clamped.s), 256u);
  tsr_session* d = nullptr;
  ASSERT_OK(tsr_session_create(m.model, nullptr, &d));  // NULL options: the default
  EXPECT_EQ(tsr_session_thread_count(d), defaultThreads());
  tsr_session_release(d);
  Session zero(m.model, 0);
  EXPECT_EQ(tsr_session_thread_count(zero.s), defaultThreads());
  EXPECT_EQ(tsr_session_thread_count(nullptr), 0u);
}

TEST(Threads, ResultsAreIdenticalForAnyThreadCount) {
  Model wide(wideSpec().build());
  const WideResult want = expectedWide(3.0f);
  for (uint32_t t : {1u, 2u, 4u}) {
    Session s(wide.model, t);
    for (int rep = 0; rep < 3; ++rep) {
      WideResult got = runWide(s.s, 3.0f);
      EXPECT_EQ(got.y, want.y) << t << " threads";
      EXPECT_EQ(got.z, want.z) << t << " threads";
    }
  }

  // The run-time batch model (one workgroup per row) and the sample model (two workgroups per dispatch).
  Model batch(batchSpec().build());
  std::vector<std::vector<float>> outputs;
  for (uint32_t t : {1u, 2u, 4u}) {
    Session s(batch.model, t);
    std::vector<float> x(64), y(64, -1);
    for (int i = 0; i < 64; ++i) x[i] = float(i) / 3;
    const int64_t dims[] = {16, 4};
    tsr_tensor in[1] = {{TSR_DTYPE_FLOAT32, 2, dims, x.data(), 256}};
    tsr_tensor out[1] = {{TSR_DTYPE_FLOAT32, 0, nullptr, y.data(), 256}};
    ASSERT_OK(tsr_session_run(s.s, in, 1, out, 1));
    EXPECT_EQ(y[63], (x[63] * 2 + 1) * 2 + 1);
    outputs.push_back(y);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[0], outputs[2]);

  Model sample(sampleSpec().build());
  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8}, b(8, 0.5f), w = sampleWeights();
  const int64_t dims[] = {2, 4};
  for (uint32_t t : {1u, 2u, 4u}) {
    Session s(sample.model, t);
    tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 2, dims, a.data(), 32}, {TSR_DTYPE_FLOAT32, 2, dims, b.data(), 32}};
    tsr_tensor out[2] = {};
    ASSERT_OK(tsr_session_run(s.s, in, 2, out, 2));
    for (int i = 0; i < 8; ++i) EXPECT_EQ(static_cast<const float*>(out[0].data)[i], (a[i] + b[i]) * w[i]);
  }
}

// With several threads and long workgroups, every workgroup runs exactly once, on a valid worker, and more
// than one worker takes part. A loaded machine may keep a worker off the CPU for a while, so a few attempts
// are allowed before concluding the workers never joined.
TEST(Threads, WorkersShareTheWorkgroups) {
  Model m(recordSpec(50, 0).build());
  for (uint32_t t : {2u, 4u}) {
    Session s(m.model, t);
    ASSERT_EQ(tsr_session_thread_count(s.s), t);
    std::set<uint32_t> seen;
    for (int attempt = 0; attempt < 10 && seen.size() < 2; ++attempt) {
      std::vector<uint32_t> log = runRecord(s.s);
      for (size_t i = 0; i < log.size(); ++i) {
        ASSERT_LT(log[i], t) << "workgroup " << i << " not run or run by a bad worker id";
        seen.insert(log[i]);
      }
    }
    EXPECT_GE(seen.size(), 2u) << t << " threads: only one worker ever ran workgroups";
  }
  // One thread: the caller (worker 0) runs everything.
  Session one(m.model, 1);
  for (uint32_t id : runRecord(one.s)) EXPECT_EQ(id, 0u);
}

// Each thread owns a contiguous share of a dispatch's workgroups (the caller the first half with two
// threads, the worker the second), so consecutive dispatches split alike leave each thread on the data it
// wrote; a thread takes others' workgroups only once its share is done. With both threads running, at least
// three quarters of each half run on its owner (a loaded machine may delay the worker: a few attempts).
TEST(Threads, EachThreadRunsItsOwnShareFirst) {
  Model m(recordSpec(50, 0).build());
  Session s(m.model, 2);
  ASSERT_EQ(tsr_session_thread_count(s.s), 2u);
  size_t bestFirst = 0, bestSecond = 0;
  for (int attempt = 0; attempt < 10 && (bestFirst < 96 || bestSecond < 96); ++attempt) {
    std::vector<uint32_t> log = runRecord(s.s);
    size_t first = std::count(log.begin(), log.begin() + 128, 0u);
    size_t second = std::count(log.begin() + 128, log.end(), 1u);
    if (std::min(first, second) > std::min(bestFirst, bestSecond)) bestFirst = first, bestSecond = second;
  }
  EXPECT_GE(bestFirst, 96u) << "workgroups 0-127 run by the caller (of 128)";
  EXPECT_GE(bestSecond, 96u) << "workgroups 128-255 run by the worker (of 128)";
}

TEST(Threads, ProfileSlicesSayWhichThreadRanHowManyWorkgroups) {
  Model m(recordSpec(20, 0).build());
  Session s(m.model, 2);
  tsr_session_set_profiling(s.s, 1);
  std::vector<uint32_t> log = runRecord(s.s);
  const tsr_profile_event* events = nullptr;
  const tsr_profile_worker_slice* slices = nullptr;
  ASSERT_EQ(tsr_session_profile_events(s.s, &events), 1u);
  const size_t n = tsr_session_profile_worker_slices(s.s, &slices);
  ASSERT_GE(n, 1u);
  ASSERT_LE(n, 2u);
  uint32_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const tsr_profile_worker_slice& w = slices[i];
    EXPECT_EQ(w.event, 0u);
    ASSERT_LT(w.worker, 2u);
    EXPECT_EQ(w.workgroups, std::count(log.begin(), log.end(), w.worker)) << "worker " << w.worker;
    EXPECT_GE(w.start_ns, events[0].start_ns);
    EXPECT_LE(w.start_ns + w.duration_ns, events[0].start_ns + events[0].duration_ns);
    EXPECT_LE(w.busy_ns, w.duration_ns);
    EXPECT_GE(w.busy_ns, uint64_t{w.workgroups} * 20'000) << "each workgroup spins 20 us";
    total += w.workgroups;
  }
  EXPECT_EQ(total, 256u);
  tsr_session_set_profiling(s.s, 0);
  runRecord(s.s);
  EXPECT_EQ(tsr_session_profile_worker_slices(s.s, &slices), 0u);
}

TEST(Threads, EachWorkerHasItsOwnScratch) {
  // 100 bytes: regions are padded to a cache line each, so the kernel's alignment check covers the layout.
  Model m(recordSpec(20, 100).build());
  for (uint32_t t : {1u, 2u, 4u}) {
    Session s(m.model, t, 100);
    for (int rep = 0; rep < 3; ++rep) {
      std::vector<uint32_t> log = runRecord(s.s);
      for (uint32_t id : log) EXPECT_LT(id, t);
    }
  }
}

TEST(Threads, ScratchIsWhatTheArtifactAsksForOrMore) {
  // The artifact's kernels need 100 bytes each: a session gets them without asking, and a larger request wins.
  ArtifactSpec spec = recordSpec(20, 100);
  spec.scratch_size = 100;
  Model m(spec.build());
  for (uint32_t t : {1u, 2u}) {
    Session s(m.model, t);
    std::vector<uint32_t> log = runRecord(s.s);
    for (uint32_t id : log) EXPECT_LT(id, t);
  }
  ArtifactSpec larger = recordSpec(20, 4096);
  larger.scratch_size = 100;
  Model l(larger.build());
  Session s(l.model, 2, 4096);
  for (uint32_t id : runRecord(s.s)) EXPECT_LT(id, 2u);
}

TEST(Threads, KernelFailureInParallelDispatchNamesTheWorkgroup) {
  // fail_on_second fails only at workgroup (1,0,0): the message is the same whichever thread ran it.
  ArtifactSpec s = wideSpec();
  s.kernels.push_back("fail_on_second");
  s.steps.insert(s.steps.begin() + 2, TStep::dispatch(2, 256, {}, {}));
  Model m(s.build());
  std::vector<float> a(kElems), b(kElems);
  const int64_t dims[] = {kElems};
  tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 1, dims, a.data(), a.size() * 4},
                      {TSR_DTYPE_FLOAT32, 1, dims, b.data(), b.size() * 4}};
  for (uint32_t t : {1u, 2u, 4u}) {
    Session session(m.model, t);
    for (int rep = 0; rep < 20; ++rep) {
      tsr_tensor out[2] = {};
      EXPECT_STATUS(tsr_session_run(session.s, in, 2, out, 2), TSR_STATUS_KERNEL_FAILED,
                    "kernel 'fail_on_second' (step 2) failed with code 7 at workgroup (1,0,0)");
    }
  }
}

TEST(Threads, FirstOfManyFailuresWinsAndTheSessionStaysUsable) {
  // Workgroups x >= N fail (N from the input's dim); the others spin 20 us. With N = 256 nothing fails.
  ArtifactSpec s;
  s.symbols = {{"N", 0, 1024}};
  s.inputs = {{"x", TSR_DTYPE_FLOAT32, {sym(0)}, 0}};
  s.outputs = {{"log", TSR_DTYPE_UINT32, {256}, 1}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 4096}, {TSR_BUFFER_OUTPUT, 0, 0, 1024}};
  s.kernels = {"record_worker", "fail_from"};
  s.steps = {TStep::dispatch(0, 256, {{1, 0, 1024}}, {0, 0}), TStep::dispatch(1, 256, {}, {sym(0), 20})};
  s.code = kernelCode();
  Model m(s.build());
  Session session(m.model, 4);
  withTimeout(60, [&] {
    for (int rep = 0; rep < 50; ++rep) {
      const int64_t n = rep % 2 ? 256 : 3 + rep;
      std::vector<float> x(static_cast<size_t>(n));
      std::vector<uint32_t> log(256, kUnset);
      const int64_t dims[] = {n};
      tsr_tensor in[1] = {{TSR_DTYPE_FLOAT32, 1, dims, x.data(), x.size() * 4}};
      tsr_tensor out[1] = {{TSR_DTYPE_UINT32, 0, nullptr, log.data(), 1024}};
      tsr_status* st = tsr_session_run(session.s, in, 1, out, 1);
      if (n >= 256) {
        EXPECT_EQ(st, nullptr) << tsr_status_message(st);
      } else {
        EXPECT_EQ(tsr_status_code(st), TSR_STATUS_KERNEL_FAILED);
        unsigned x0 = 0, y0 = 9, z0 = 9;
        const char* msg = tsr_status_message(st);
        const char* at = std::strstr(msg, "failed with code 11 at workgroup (");
        ASSERT_NE(at, nullptr) << msg;
        ASSERT_EQ(std::sscanf(at, "failed with code 11 at workgroup (%u,%u,%u)", &x0, &y0, &z0), 3) << msg;
        EXPECT_GE(x0, static_cast<unsigned>(n)) << msg;
        EXPECT_LT(x0, 256u) << msg;
        EXPECT_EQ(y0, 0u);
        EXPECT_EQ(z0, 0u);
      }
      tsr_status_free(st);
    }
  });
}

TEST(Threads, ThousandRunsWithFourThreadsDoNotDeadlock) {
  Model sample(sampleSpec().build());
  Model wide(wideSpec().build());
  Session s(sample.model, 4), w(wide.model, 4);
  withTimeout(120, [&] {
    std::vector<float> a(8), b(8), w8 = sampleWeights();
    const int64_t dims[] = {2, 4};
    int bad = 0;
    for (int iter = 0; iter < 1000; ++iter) {
      for (int i = 0; i < 8; ++i) a[i] = float(iter), b[i] = float(i);
      tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 2, dims, a.data(), 32}, {TSR_DTYPE_FLOAT32, 2, dims, b.data(), 32}};
      tsr_tensor out[2] = {};
      tsr_status* st = tsr_session_run(s.s, in, 2, out, 2);
      if (st || static_cast<const float*>(out[0].data)[7] != (a[7] + b[7]) * w8[7]) ++bad;
      tsr_status_free(st);
      if (iter % 10 == 0 && runWide(w.s, float(iter)).y != expectedWide(float(iter)).y) ++bad;
    }
    EXPECT_EQ(bad, 0);
  });
}

TEST(Threads, TwoMultiThreadedSessionsRunOneModelConcurrently) {
  Model m(wideSpec().build());
  withTimeout(120, [&] {
    std::atomic<int> failures{0};
    auto body = [&](float base) {
      Session s(m.model, 2);
      if (!s.s || tsr_session_thread_count(s.s) != 2) {
        ++failures;
        return;
      }
      for (int iter = 0; iter < 100; ++iter) {
        const float seed = base + float(iter);
        WideResult got = runWide(s.s, seed), want = expectedWide(seed);
        if (got.y != want.y || got.z != want.z) ++failures;
      }
    };
    std::thread t1(body, 1000.0f), t2(body, -1000.0f);
    t1.join();
    t2.join();
    EXPECT_EQ(failures.load(), 0);
  });
}

TEST(Threads, ReleaseJoinsTheWorkers) {
  Model m(wideSpec().build());
  const int baseline = processThreads();
  ASSERT_GT(baseline, 0);
  withTimeout(60, [&] {
    // Inside withTimeout one more thread (the body's) exists.
    {
      Session s(m.model, 4);
      EXPECT_EQ(processThreads(), baseline + 1 + 3);
      runWide(s.s, 1.0f);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // workers are asleep on the futex by now
    }
    EXPECT_EQ(processThreads(), baseline + 1);
    // Released right after a run (workers still spinning) and without ever running.
    for (int i = 0; i < 50; ++i) {
      Session s(m.model, 3);
      if (i % 2) runWide(s.s, float(i));
    }
    EXPECT_EQ(processThreads(), baseline + 1);
  });
}

TEST(Threads, CppWrapperTakesAThreadCount) {
  Bytes bytes = wideSpec().build();
  auto model = tessera::Model::loadFromMemory(bytes.data(), bytes.size());
  tessera::Session two(model, 2);
  EXPECT_EQ(two.threadCount(), 2u);
  tessera::Session dflt(model, 0);  // a literal 0 is a thread count (the default), not a null options pointer
  EXPECT_EQ(dflt.threadCount(), defaultThreads());
  tessera::Session opts(model, nullptr);
  EXPECT_EQ(opts.threadCount(), defaultThreads());
  std::vector<float> a(kElems, 1.0f), b(kElems, 2.0f);
  auto outs = two.run({tessera::Tensor::fromVector<float>({kElems}, a), tessera::Tensor::fromVector<float>({kElems}, b)});
  auto pooled = model.forward({tessera::Tensor::fromVector<float>({kElems}, a), tessera::Tensor::fromVector<float>({kElems}, b)});
  EXPECT_EQ(outs[0].toVector<float>(), pooled[0].toVector<float>());
  EXPECT_EQ(outs[1].toVector<float>()[5], 3.0f + 3.0f * (5 % 7 - 2.5f));
}

}  // namespace
