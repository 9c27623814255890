// Running models: results, output ownership, run-time validation, concurrency, the C++ wrapper.
#include <atomic>
#include <thread>

#include "tessera/runtime.hpp"
#include "test_util.h"

using namespace tessera::test;

namespace {

struct Loaded {
  tsr_model* model = nullptr;
  tsr_session* session = nullptr;
  // threads < 0: NULL session options (the defaults).
  explicit Loaded(const Bytes& bytes, int threads = -1) {
    tsr_status* st = tsr_model_load_memory(bytes.data(), bytes.size(), nullptr, &model);
    EXPECT_EQ(st, nullptr) << tsr_status_message(st);
    tsr_status_free(st);
    tsr_session_options so;
    tsr_session_options_initialize(&so);
    so.thread_count = threads < 0 ? 0 : static_cast<uint32_t>(threads);
    if (model) tsr_status_free(tsr_session_create(model, threads < 0 ? nullptr : &so, &session));
  }
  ~Loaded() {
    tsr_session_release(session);
    tsr_model_release(model);
  }
};

const int64_t kDims[] = {2, 4};

tsr_tensor f32(std::vector<float>& v, const int64_t* dims = kDims, uint32_t rank = 2) {
  return {TSR_DTYPE_FLOAT32, rank, dims, v.data(), v.size() * 4};
}

std::vector<float> toFloats(const tsr_tensor& t) {
  const float* p = static_cast<const float*>(t.data);
  return std::vector<float>(p, p + t.byte_size / 4);
}

void expected(const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& y, std::vector<float>& z) {
  auto w = sampleWeights();
  y.resize(8), z.resize(8);
  for (int i = 0; i < 8; ++i) z[i] = a[i] + b[i], y[i] = z[i] * w[i];
}

TEST(Session, RunsSampleWithSessionOwnedOutputs) {
  Loaded m(sampleSpec().build());
  ASSERT_NE(m.session, nullptr);
  EXPECT_GE(tsr_session_thread_count(m.session), 1u);
  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8}, b = {10, 20, 30, 40, 50, 60, 70, 80};
  tsr_tensor in[2] = {f32(a), f32(b)};
  tsr_tensor out[2] = {};
  ASSERT_OK(tsr_session_run(m.session, in, 2, out, 2));
  std::vector<float> y, z;
  expected(a, b, y, z);
  EXPECT_EQ(toFloats(out[0]), y);
  EXPECT_EQ(toFloats(out[1]), z);
  EXPECT_EQ(out[0].dtype, uint32_t{TSR_DTYPE_FLOAT32});
  ASSERT_EQ(out[0].rank, 2u);
  EXPECT_EQ(out[0].dims[0], 2);
  EXPECT_EQ(out[0].dims[1], 4);
  EXPECT_EQ(out[1].byte_size, 32u);

  // Second run reuses the same session memory.
  void* first = out[0].data;
  a[0] = -1;
  tsr_tensor again[2] = {};
  ASSERT_OK(tsr_session_run(m.session, in, 2, again, 2));
  EXPECT_EQ(again[0].data, first);
  expected(a, b, y, z);
  EXPECT_EQ(toFloats(again[0]), y);
}

TEST(Session, ProfilesEveryTimedStepWhenAsked) {
  const ArtifactSpec spec = sampleSpec();
  Loaded m(spec.build());
  std::vector<float> a(8, 1.0f), b(8, 2.0f);
  tsr_tensor in[2] = {f32(a), f32(b)};
  tsr_tensor out[2] = {};
  const tsr_profile_event* events = nullptr;
  ASSERT_OK(tsr_session_run(m.session, in, 2, out, 2));
  EXPECT_EQ(tsr_session_profile_events(m.session, &events), 0u);  // off by default

  tsr_session_set_profiling(m.session, 1);
  tsr_tensor again[2] = {};
  ASSERT_OK(tsr_session_run(m.session, in, 2, again, 2));
  size_t n = tsr_session_profile_events(m.session, &events);
  const auto& steps = spec.steps;
  size_t timed = 0;
  for (const auto& st : steps) timed += st.kind != TSR_STEP_BARRIER;
  ASSERT_EQ(n, timed);
  uint64_t previous = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& st = steps[events[i].step];
    EXPECT_NE(st.kind, uint32_t{TSR_STEP_BARRIER});
    if (st.kind == TSR_STEP_DISPATCH) {
      EXPECT_EQ(std::string(events[i].name), spec.kernels[st.executable].symbol);
      EXPECT_GE(events[i].workgroups, 1u);
    }
    EXPECT_GE(events[i].start_ns, previous);  // in step order
    previous = events[i].start_ns;
  }

  tsr_session_set_profiling(m.session, 0);
  ASSERT_OK(tsr_session_run(m.session, in, 2, again, 2));
  EXPECT_EQ(tsr_session_profile_events(m.session, &events), 0u);
}

TEST(Session, CallerOwnedOutputs) {
  Loaded m(sampleSpec().build());
  std::vector<float> a(8, 1.5f), b(8, 2.0f), y(8, 0), z(8, 0);
  tsr_tensor in[2] = {f32(a), f32(b)};
  tsr_tensor out[2] = {f32(y), {0, 0, nullptr, z.data(), 32}};  // dtype 0: accept what the model produces
  ASSERT_OK(tsr_session_run(m.session, in, 2, out, 2));
  EXPECT_EQ(out[0].data, y.data());
  EXPECT_EQ(out[1].data, z.data());
  std::vector<float> ey, ez;
  expected(a, b, ey, ez);
  EXPECT_EQ(y, ey);
  EXPECT_EQ(z, ez);
  EXPECT_EQ(out[1].dtype, uint32_t{TSR_DTYPE_FLOAT32});
}

TEST(Session, QueriesInputAndOutputInfo) {
  Loaded m(sampleSpec().build());
  ASSERT_EQ(tsr_model_input_count(m.model), 2u);
  ASSERT_EQ(tsr_model_output_count(m.model), 2u);
  tsr_tensor_info info{};
  ASSERT_OK(tsr_model_input_info(m.model, 1, &info));
  EXPECT_STREQ(info.name, "b");
  EXPECT_EQ(info.dtype, uint32_t{TSR_DTYPE_FLOAT32});
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.dims[1], 4);
  ASSERT_OK(tsr_model_output_info(m.model, 1, &info));
  EXPECT_STREQ(info.name, "z");
  EXPECT_STATUS(tsr_model_output_info(m.model, 2, &info), TSR_STATUS_INVALID_ARGUMENT,
                "output index 2 out of range (the model has 2)");
  EXPECT_EQ(tsr_model_symbol_count(m.model), 0u);
}

TEST(Session, InfoStringShowsMetadataAndSchedule) {
  Loaded m(sampleSpec().build());
  size_t n = tsr_model_info_string(m.model, nullptr, 0);
  std::string text(n, '\0');
  EXPECT_EQ(tsr_model_info_string(m.model, text.data(), n + 1), n);
  for (const char* part :
       {"format 6, kernel abi 2", "x86_64-unknown-linux-gnu", "0 a: float32 [2,4] (buffer 0)",
        "6 buffers, 2 executables, 4 steps", "b3 constant", "executables:\n  e0 add_f32 (CPU_CODE)\n",
        "  e1 scale_f32 (CPU_CODE)\n    0 scale_f32 workgroup size [1,1,1] bindings [r,r,w] constants 1\n",
        "0 dispatch add_f32::add_f32 workgroups [2,1,1] bindings {b0+0:32, b1+0:32, b4+0:32} constants [4]",
        "1 barrier", "3 copy b4+0 -> b5+0 (32 bytes)", "WEIGHTS"})
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  char small[8];
  EXPECT_EQ(tsr_model_info_string(m.model, small, sizeof small), n);
  EXPECT_EQ(std::strlen(small), 7u);
}

TEST(Session, RejectsBadInputsAtRunTime) {
  Loaded m(sampleSpec().build());
  std::vector<float> a(8), b(8);
  std::vector<int32_t> ints(8);
  tsr_tensor out[2] = {};
  tsr_tensor good[2] = {f32(a), f32(b)};
  EXPECT_STATUS(tsr_session_run(m.session, good, 1, out, 2), TSR_STATUS_INVALID_ARGUMENT,
                "expected 2 inputs but got 1");
  EXPECT_STATUS(tsr_session_run(m.session, good, 2, out, 1), TSR_STATUS_INVALID_ARGUMENT,
                "expected 2 outputs but got 1");

  tsr_tensor wrong_dtype[2] = {f32(a), {TSR_DTYPE_INT32, 2, kDims, ints.data(), 32}};
  EXPECT_STATUS(tsr_session_run(m.session, wrong_dtype, 2, out, 2), TSR_STATUS_INVALID_ARGUMENT,
                "input 'b': expected dtype float32 but got int32");

  const int64_t d23[] = {2, 3};
  tsr_tensor wrong_dim[2] = {f32(a, d23), f32(b)};
  EXPECT_STATUS(tsr_session_run(m.session, wrong_dim, 2, out, 2), TSR_STATUS_INVALID_ARGUMENT,
                "input 'a': expected shape [2,4] but got [2,3]");

  const int64_t d8[] = {8};
  tsr_tensor wrong_rank[2] = {f32(a), f32(b, d8, 1)};
  EXPECT_STATUS(tsr_session_run(m.session, wrong_rank, 2, out, 2), TSR_STATUS_INVALID_ARGUMENT,
                "input 'b': expected shape [2,4] but got [8]");

  tsr_tensor wrong_size[2] = {f32(a), f32(b)};
  wrong_size[0].byte_size = 16;
  EXPECT_STATUS(tsr_session_run(m.session, wrong_size, 2, out, 2), TSR_STATUS_INVALID_ARGUMENT,
                "input 'a': byte_size is 16 but float32 [2,4] needs 32");

  std::vector<float> small(4);
  tsr_tensor small_out[2] = {{TSR_DTYPE_FLOAT32, 0, nullptr, small.data(), 16}, {}};
  EXPECT_STATUS(tsr_session_run(m.session, good, 2, small_out, 2), TSR_STATUS_INVALID_ARGUMENT,
                "output 'y': caller buffer holds 16 bytes but 32 are needed");
  tsr_tensor typed_out[2] = {{TSR_DTYPE_INT64, 0, nullptr, nullptr, 0}, {}};
  EXPECT_STATUS(tsr_session_run(m.session, good, 2, typed_out, 2), TSR_STATUS_INVALID_ARGUMENT,
                "output 'y': expected dtype float32 but got int64");
  EXPECT_STATUS(tsr_session_run(nullptr, good, 2, out, 2), TSR_STATUS_INVALID_ARGUMENT, "session");
}

TEST(Session, KernelFailureNamesKernel) {
  ArtifactSpec s = sampleSpec();
  s.kernels.push_back("fail_on_second");
  s.steps.push_back(TStep::dispatch(2, 3, {}, {}));
  Loaded m(s.build());
  std::vector<float> a(8), b(8);
  tsr_tensor in[2] = {f32(a), f32(b)};
  tsr_tensor out[2] = {};
  EXPECT_STATUS(tsr_session_run(m.session, in, 2, out, 2), TSR_STATUS_KERNEL_FAILED,
                "kernel 'fail_on_second' (step 4) failed with code 7 at workgroup (1,0,0)");
}

TEST(Session, ExecutableWithSeveralExports) {
  // add_f32 and scale_f32 as exports 0 and 1 of one executable: each dispatch must call its own export.
  ArtifactSpec s = sampleSpec();
  codec::Schedule sc = s.schedule();
  sc.executables[0].name = "both";
  sc.executables[0].exports.push_back(sc.executables[1].exports[0]);
  sc.executables.pop_back();
  sc.steps[2].executable = 0;
  sc.steps[2].export_index = 1;
  Loaded m(s.build(sc));
  ASSERT_NE(m.session, nullptr);
  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8}, b(8, 0.5f);
  tsr_tensor in[2] = {f32(a), f32(b)};
  tsr_tensor out[2] = {};
  ASSERT_OK(tsr_session_run(m.session, in, 2, out, 2));
  std::vector<float> y, z;
  expected(a, b, y, z);
  EXPECT_EQ(toFloats(out[0]), y);
  EXPECT_EQ(toFloats(out[1]), z);
  std::string info(tsr_model_info_string(m.model, nullptr, 0), '\0');
  tsr_model_info_string(m.model, info.data(), info.size() + 1);
  EXPECT_NE(info.find("2 dispatch both::scale_f32 workgroups"), std::string::npos) << info;
  EXPECT_NE(info.find("  e0 both (CPU_CODE)\n    0 add_f32 workgroup size [1,1,1] bindings [r,r,w] constants 1\n"
                      "    1 scale_f32 "),
            std::string::npos)
      << info;
}

TEST(Session, WorkgroupsRunXFastest) {
  ArtifactSpec s;
  s.outputs = {{"log", TSR_DTYPE_UINT32, {12}, 0}};
  s.buffers = {{TSR_BUFFER_OUTPUT, 0, 0, 48}};
  s.kernels = {"record_order"};
  TStep d = TStep::dispatch(0, 2, {{0, 0, 48}}, {});
  d.workgroup_count[1] = 3;
  d.workgroup_count[2] = 2;
  s.steps = {d};
  s.code = kernelCode();
  Loaded m(s.build(), 1);  // the order of visits is defined for one thread (and record_order is not thread-safe)
  tsr_tensor out[1] = {};
  ASSERT_OK(tsr_session_run(m.session, nullptr, 0, out, 1));
  const uint32_t* log = static_cast<const uint32_t*>(out[0].data);
  int k = 0;
  for (uint32_t z = 0; z < 2; ++z)
    for (uint32_t y = 0; y < 3; ++y)
      for (uint32_t x = 0; x < 2; ++x, ++k) EXPECT_EQ(log[k], x | y << 8 | z << 16) << k;
}

TEST(Session, SymbolicDimsAreBoundAndChecked) {
  ArtifactSpec s;
  s.symbols = {{"N", 1, 8}};
  s.inputs = {{"x", TSR_DTYPE_FLOAT32, {-1, 4}, 0}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {-1, 4}, 1}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 128}, {TSR_BUFFER_OUTPUT, 0, 0, 128}};
  s.kernels = {"add_f32"};
  s.steps = {TStep::dispatch(0, 1, {{0, 0, 128}, {0, 0, 128}, {1, 0, 128}}, {32})};
  s.code = kernelCode();
  Loaded m(s.build());
  tsr_tensor_info info{};
  ASSERT_OK(tsr_model_input_info(m.model, 0, &info));
  EXPECT_EQ(info.dims[0], -1);
  std::vector<float> x(12);
  for (int i = 0; i < 12; ++i) x[i] = float(i);
  const int64_t d3[] = {3, 4};
  tsr_tensor in[1] = {f32(x, d3)};
  tsr_tensor out[1] = {};
  ASSERT_OK(tsr_session_run(m.session, in, 1, out, 1));
  ASSERT_EQ(out[0].byte_size, 48u);
  EXPECT_EQ(out[0].dims[0], 3);
  EXPECT_EQ(toFloats(out[0])[11], 22.0f);

  std::vector<float> big(36);
  const int64_t d9[] = {9, 4};
  tsr_tensor too_big[1] = {f32(big, d9)};
  EXPECT_STATUS(tsr_session_run(m.session, too_big, 1, out, 1), TSR_STATUS_INVALID_ARGUMENT,
                "input 'x': dim 0 ('N') is 9 but must be in [1, 8]");
  const int64_t d35[] = {3, 5};
  tsr_tensor bad_static[1] = {f32(big, d35)};
  EXPECT_STATUS(tsr_session_run(m.session, bad_static, 1, out, 1), TSR_STATUS_INVALID_ARGUMENT,
                "input 'x': expected shape [N,4] but got [3,5]");
}

TEST(Session, TwoThreadsRunOneModelConcurrently) {
  Bytes bytes = sampleSpec().build();
  tsr_model* model = nullptr;
  ASSERT_OK(tsr_model_load_memory(bytes.data(), bytes.size(), nullptr, &model));
  std::atomic<int> failures{0};
  auto worker = [&](float base) {
    tsr_session* session = nullptr;
    tsr_status* st = tsr_session_create(model, nullptr, &session);
    if (st) {
      tsr_status_free(st);
      ++failures;
      return;
    }
    for (int iter = 0; iter < 300; ++iter) {
      std::vector<float> a(8), b(8), y, z;
      for (int i = 0; i < 8; ++i) a[i] = base + iter, b[i] = float(i);
      tsr_tensor in[2] = {f32(a), f32(b)};
      tsr_tensor out[2] = {};
      st = tsr_session_run(session, in, 2, out, 2);
      expected(a, b, y, z);
      if (st || toFloats(out[0]) != y || toFloats(out[1]) != z) ++failures;
      tsr_status_free(st);
    }
    tsr_session_release(session);
  };
  std::thread t1(worker, 1000.0f), t2(worker, -1000.0f);
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  tsr_model_release(model);
}

TEST(Session, ModelReleasedBeforeSessionStaysAlive) {
  Bytes bytes = sampleSpec().build();
  tsr_model* model = nullptr;
  ASSERT_OK(tsr_model_load_memory(bytes.data(), bytes.size(), nullptr, &model));
  bytes.assign(bytes.size(), 0);  // load_memory copied the bytes
  tsr_session* session = nullptr;
  ASSERT_OK(tsr_session_create(model, nullptr, &session));
  tsr_model_release(model);
  std::vector<float> a(8, 1), b(8, 2);
  tsr_tensor in[2] = {f32(a), f32(b)};
  tsr_tensor out[2] = {};
  ASSERT_OK(tsr_session_run(session, in, 2, out, 2));
  EXPECT_EQ(toFloats(out[1])[0], 3.0f);
  tsr_session_release(session);
}

struct CountingAllocator {
  int allocs = 0, frees = 0;
  static void* alloc(void* self, size_t size, size_t alignment) {
    ++static_cast<CountingAllocator*>(self)->allocs;
    void* p = nullptr;
    return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
  }
  static void release(void* self, void* p) {
    ++static_cast<CountingAllocator*>(self)->frees;
    free(p);
  }
};

TEST(Session, UsesTheGivenAllocator) {
  CountingAllocator counter;
  tsr_model_options o;
  tsr_model_options_initialize(&o);
  o.allocator = {&counter, &CountingAllocator::alloc, &CountingAllocator::release};
  Bytes bytes = sampleSpec().build();
  tsr_model* model = nullptr;
  ASSERT_OK(tsr_model_load_memory(bytes.data(), bytes.size(), &o, &model));
  tsr_session* session = nullptr;
  tsr_session_options so;
  tsr_session_options_initialize(&so);
  so.scratch_size = 4096;
  ASSERT_OK(tsr_session_create(model, &so, &session));
  EXPECT_EQ(counter.allocs, 3);  // artifact copy, arena, scratch
  tsr_session_release(session);
  tsr_model_release(model);
  EXPECT_EQ(counter.frees, counter.allocs);
}

TEST(CppWrapper, LoadForwardAndErrors) {
  Bytes bytes = sampleSpec().build();
  std::string path = writeTemp(bytes, "wrapper.tsr");
  tessera::Model model = tessera::Model::load(path);
  std::remove(path.c_str());
  ASSERT_EQ(model.inputs().size(), 2u);
  EXPECT_EQ(model.outputs()[1].name, "z");
  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8}, b(8, 1), y, z;
  auto outs = model.forward({tessera::Tensor::fromVector<float>({2, 4}, a), tessera::Tensor::fromVector<float>({2, 4}, b)});
  expected(a, b, y, z);
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].toVector<float>(), y);
  EXPECT_EQ(outs[1].dims, (std::vector<int64_t>{2, 4}));

  tessera::Session session(model);
  EXPECT_GE(session.threadCount(), 1u);
  EXPECT_EQ(session.run({tessera::Tensor::fromVector<float>({2, 4}, a), tessera::Tensor::fromVector<float>({2, 4}, b)})[1]
                .toVector<float>(),
            z);
  EXPECT_NE(model.info().find("scale_f32"), std::string::npos);

  try {
    model.forward({tessera::Tensor::fromVector<float>({2, 4}, a)});
    FAIL() << "expected tessera::Error";
  } catch (const tessera::Error& e) {
    EXPECT_EQ(e.code(), TSR_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("expected 2 inputs but got 1"), std::string::npos);
  }
  try {
    tessera::Model::load("/nonexistent.tsr");
    FAIL() << "expected tessera::Error";
  } catch (const tessera::Error& e) {
    EXPECT_EQ(e.code(), TSR_STATUS_NOT_FOUND);
  }
  auto m2 = tessera::Model::loadFromMemory(bytes.data(), bytes.size());
  EXPECT_EQ(m2.forward({tessera::Tensor::fromVector<float>({2, 4}, a), tessera::Tensor::fromVector<float>({2, 4}, b)})[0]
                .toVector<float>(),
            y);
}

}  // namespace
