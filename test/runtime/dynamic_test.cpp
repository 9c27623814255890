// Run-time shapes: symbolic refs, SHAPE steps, DYNAMIC buffers and their run-time checks.
#include "tessera/runtime.hpp"
#include "test_util.h"

using namespace tessera::test;

namespace {

constexpr auto kBadArg = TSR_STATUS_INVALID_ARGUMENT;
constexpr auto kInvalid = TSR_STATUS_INVALID_ARTIFACT;

struct Loaded {
  tsr_model* model = nullptr;
  tsr_session* session = nullptr;
  explicit Loaded(const Bytes& bytes, const tsr_model_options* options = nullptr) {
    tsr_status* st = tsr_model_load_memory(bytes.data(), bytes.size(), options, &model);
    EXPECT_EQ(st, nullptr) << tsr_status_message(st);
    tsr_status_free(st);
    if (model) tsr_status_free(tsr_session_create(model, nullptr, &session));
  }
  ~Loaded() {
    tsr_session_release(session);
    tsr_model_release(model);
  }
};

template <typename T>
tsr_tensor tensor(uint32_t dtype, std::vector<T>& v, const std::vector<int64_t>& dims) {
  return {dtype, static_cast<uint32_t>(dims.size()), dims.data(), v.data(), v.size() * sizeof(T)};
}

template <typename T>
std::vector<T> values(const tsr_tensor& t) {
  const T* p = static_cast<const T*>(t.data);
  return std::vector<T>(p, p + t.byte_size / sizeof(T));
}

std::vector<int64_t> dimsOf(const tsr_tensor& t) { return std::vector<int64_t>(t.dims, t.dims + t.rank); }

std::vector<float> rows(int64_t n) {
  std::vector<float> x(static_cast<size_t>(n) * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i) - 3;
  return x;
}

std::vector<float> batchExpected(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = (x[i] * 2 + 1) * 2 + 1;
  return y;
}

TEST(Dynamic, BatchDimRunsAtSeveralSizesInOneSession) {
  Loaded m(batchSpec().build());
  ASSERT_NE(m.session, nullptr);
  for (int64_t n : {1, 3, 5, 2, 0, 16}) {
    SCOPED_TRACE(n);
    std::vector<float> x = rows(n);
    std::vector<int64_t> dims = {n, 4};
    tsr_tensor in[1] = {tensor(TSR_DTYPE_FLOAT32, x, dims)};
    tsr_tensor out[1] = {};
    ASSERT_OK(tsr_session_run(m.session, in, 1, out, 1));
    EXPECT_EQ(dimsOf(out[0]), (std::vector<int64_t>{n, 4}));
    EXPECT_EQ(out[0].byte_size, static_cast<size_t>(n) * 16);
    EXPECT_EQ(values<float>(out[0]), batchExpected(x));
  }
  std::vector<float> big = rows(17);
  std::vector<int64_t> d17 = {17, 4};
  tsr_tensor too_big[1] = {tensor(TSR_DTYPE_FLOAT32, big, d17)};
  tsr_tensor out[1] = {};
  EXPECT_STATUS(tsr_session_run(m.session, too_big, 1, out, 1), kBadArg,
                "input 'x': dim 0 ('N') is 17 but must be in [0, 16]");
}

TEST(Dynamic, CallerOwnedOutputIsCheckedAtFirstUse) {
  Loaded m(batchSpec().build());
  std::vector<float> x = rows(3), y(20, -7);
  std::vector<int64_t> dims = {3, 4};
  tsr_tensor in[1] = {tensor(TSR_DTYPE_FLOAT32, x, dims)};
  tsr_tensor out[1] = {{0, 0, nullptr, y.data(), y.size() * 4}};
  ASSERT_OK(tsr_session_run(m.session, in, 1, out, 1));
  EXPECT_EQ(out[0].data, y.data());
  EXPECT_EQ(out[0].byte_size, 48u);
  EXPECT_EQ(std::vector<float>(y.begin(), y.begin() + 12), batchExpected(x));
  EXPECT_EQ(y[12], -7.0f);  // nothing past the output's size is written

  tsr_tensor small[1] = {{0, 0, nullptr, y.data(), 32}};
  EXPECT_STATUS(tsr_session_run(m.session, in, 1, small, 1), kBadArg,
                "output 'y': caller buffer holds 32 bytes but 48 are needed");
}

// A signature with a static grid or static binding lengths, dispatched with sizes set by run-time dims: the
// loader cannot tell, the run checks each dispatch before calling the kernel.
TEST(Dynamic, SignatureCheckedAgainstRunTimeSizes) {
  for (bool grid : {true, false}) {
    ArtifactSpec spec = batchSpec();
    if (grid)
      spec.kernels[0].grid[0] = 3;
    else
      spec.kernels[0].bytes = {48, 48};
    Loaded m(spec.build());
    ASSERT_NE(m.session, nullptr);
    for (int64_t n : {3, 2}) {
      std::vector<float> x = rows(n);
      std::vector<int64_t> dims = {n, 4};
      tsr_tensor in[1] = {tensor(TSR_DTYPE_FLOAT32, x, dims)};
      tsr_tensor out[1] = {};
      if (n == 3) {
        ASSERT_OK(tsr_session_run(m.session, in, 1, out, 1));
        EXPECT_EQ(values<float>(out[0]), batchExpected(x));
      } else {
        EXPECT_STATUS(tsr_session_run(m.session, in, 1, out, 1), kInvalid,
                      grid ? "step 1: workgroup count N=2 along axis 0 but kernel 'rows_affine_f32' was compiled for 3"
                           : "step 1: binding 0 is 32 bytes but kernel 'rows_affine_f32' was compiled for 48");
      }
    }
  }
}

struct CountingAllocator {
  int allocs = 0;
  static void* alloc(void* self, size_t size, size_t alignment) {
    ++static_cast<CountingAllocator*>(self)->allocs;
    void* p = nullptr;
    EXPECT_EQ(alignment % 64, 0u);
    return posix_memalign(&p, alignment, size) == 0 ? p : nullptr;
  }
  static void release(void*, void* p) { free(p); }
};

TEST(Dynamic, DynamicBuffersAreReusedAndGrown) {
  CountingAllocator counter;
  tsr_model_options o;
  tsr_model_options_initialize(&o);
  o.allocator = {&counter, &CountingAllocator::alloc, &CountingAllocator::release};
  Loaded m(batchSpec().build(), &o);
  auto runWith = [&](int64_t n) {
    std::vector<float> x = rows(n);
    std::vector<int64_t> dims = {n, 4};
    tsr_tensor in[1] = {tensor(TSR_DTYPE_FLOAT32, x, dims)};
    tsr_tensor out[1] = {};
    ASSERT_OK(tsr_session_run(m.session, in, 1, out, 1));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(out[0].data) % 64, 0u);
    EXPECT_EQ(values<float>(out[0]), batchExpected(x));
  };
  runWith(5);
  int after_first = counter.allocs;
  runWith(3);
  runWith(5);
  EXPECT_EQ(counter.allocs, after_first);      // no growth: the dynamic and output blocks are reused
  runWith(9);
  EXPECT_EQ(counter.allocs, after_first + 2);  // both grow once
}

TEST(Dynamic, InfoShowsRefsAndShapeSteps) {
  Loaded m(batchSpec().build());
  size_t n = tsr_model_info_string(m.model, nullptr, 0);
  std::string text(n, '\0');
  tsr_model_info_string(m.model, text.data(), n + 1);
  for (const char* part :
       {"format 6, kernel abi 2", "N in [0, 16]", "0 x: float32 [N,4] (buffer 0)",
        "b0 input    index 0 offset 0 size B", "b2 dynamic  index 0 offset 0 size B", "0 shape: B = mul(N, 16)",
        "1 dispatch rows_affine_f32::rows_affine_f32 workgroups [N,1,1] bindings {b0+0:B, b2+0:B} constants [N,N]",
        "0 rows_affine_f32 workgroup size [1,1,1] bindings [r,w] constants 2"})
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
}

TEST(Dynamic, SymbolicInputSizeMustMatchTheTensor) {
  ArtifactSpec s = batchSpec();
  s.symbols.push_back({"B8", 0, INT64_MAX});
  s.steps.insert(s.steps.begin(), TStep::shape(TSR_SHAPE_MUL, 2, sym(0), 8));
  s.buffers[0].size = sym(2);  // half of what [N,4] float32 takes
  Loaded m(s.build());
  std::vector<float> x = rows(2);
  std::vector<int64_t> dims = {2, 4};
  tsr_tensor in[1] = {tensor(TSR_DTYPE_FLOAT32, x, dims)};
  tsr_tensor out[1] = {};
  EXPECT_STATUS(tsr_session_run(m.session, in, 1, out, 1), kInvalid,
                "input 'x': buffer 0 size B8=16 does not match the tensor's 32 bytes");
}

TEST(Dynamic, BindingBeyondSymbolicSizeFailsTheRun) {
  ArtifactSpec s = batchSpec();
  s.steps[1].bindings[1].offset = 16;  // one row past the end of the dynamic buffer
  Loaded m(s.build());
  std::vector<float> x = rows(3);
  std::vector<int64_t> dims = {3, 4};
  tsr_tensor in[1] = {tensor(TSR_DTYPE_FLOAT32, x, dims)};
  tsr_tensor out[1] = {};
  EXPECT_STATUS(tsr_session_run(m.session, in, 1, out, 1), kInvalid,
                "step 1: binding 1 range [16, +48) exceeds buffer 2 size 48");
}

// shape int64 [2] -> y int64 [K] with K = shape[1]: y is the first K elements of `shape`.
ArtifactSpec readSpec() {
  ArtifactSpec s;
  s.symbols = {{"K", 0, 100}, {"KB", 0, INT64_MAX}};
  s.inputs = {{"shape", TSR_DTYPE_INT64, {2}, 0}};
  s.outputs = {{"y", TSR_DTYPE_INT64, {sym(0)}, 1}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 16}, {TSR_BUFFER_OUTPUT, 0, 0, sym(1)}};
  s.steps = {TStep::shape(TSR_SHAPE_READ_I64, 0, 0, 1), TStep::shape(TSR_SHAPE_MUL, 1, sym(0), 8),
             TStep::copy(0, 0, 1, 0, sym(1))};
  return s;
}

TEST(Dynamic, ReadI64GivesAnOutputDim) {
  Loaded m(readSpec().build());
  std::vector<int64_t> one = {2};
  for (int64_t k : {2, 1, 0}) {
    SCOPED_TRACE(k);
    std::vector<int64_t> v = {7, k};
    tsr_tensor in[1] = {tensor(TSR_DTYPE_INT64, v, one)};
    tsr_tensor out[1] = {};
    ASSERT_OK(tsr_session_run(m.session, in, 1, out, 1));
    EXPECT_EQ(dimsOf(out[0]), std::vector<int64_t>{k});
    EXPECT_EQ(values<int64_t>(out[0]), std::vector<int64_t>(v.begin(), v.begin() + k));
  }
  std::vector<int64_t> three = {7, 3}, negative = {7, -1}, huge = {7, 101};
  tsr_tensor out[1] = {};
  tsr_tensor in3[1] = {tensor(TSR_DTYPE_INT64, three, one)};
  EXPECT_STATUS(tsr_session_run(m.session, in3, 1, out, 1), kInvalid,
                "step 2: copy source range [0, +24) exceeds buffer 0 size 16");
  tsr_tensor in_neg[1] = {tensor(TSR_DTYPE_INT64, negative, one)};
  EXPECT_STATUS(tsr_session_run(m.session, in_neg, 1, out, 1), kBadArg,
                "step 0: shape K = read_i64(b0, 1): result -1 is outside [0, 100]");
  tsr_tensor in_huge[1] = {tensor(TSR_DTYPE_INT64, huge, one)};
  EXPECT_STATUS(tsr_session_run(m.session, in_huge, 1, out, 1), kBadArg, "result 101 is outside [0, 100]");
}

TEST(Dynamic, ReadI64IsBoundsCheckedAtRunTime) {
  // v int64 [M] with a symbolic buffer size; K = v[2] needs M >= 3.
  ArtifactSpec s;
  s.symbols = {{"M", 0, 8}, {"MB", 0, 64}, {"K", 0, 100}};
  s.inputs = {{"v", TSR_DTYPE_INT64, {sym(0)}, 0}};
  s.outputs = {{"k", TSR_DTYPE_UINT8, {sym(2)}, 1}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, sym(1)}, {TSR_BUFFER_OUTPUT, 0, 0, sym(2)}};
  s.steps = {TStep::shape(TSR_SHAPE_MUL, 1, sym(0), 8), TStep::shape(TSR_SHAPE_READ_I64, 2, 0, 2)};
  Loaded m(s.build());
  std::vector<int64_t> v3 = {1, 2, 42}, v2 = {1, 2}, d3 = {3}, d2 = {2};
  tsr_tensor out[1] = {};
  tsr_tensor in3[1] = {tensor(TSR_DTYPE_INT64, v3, d3)};
  ASSERT_OK(tsr_session_run(m.session, in3, 1, out, 1));
  EXPECT_EQ(dimsOf(out[0]), std::vector<int64_t>{42});  // an output no step writes still gets its memory
  EXPECT_EQ(out[0].byte_size, 42u);
  tsr_tensor in2[1] = {tensor(TSR_DTYPE_INT64, v2, d2)};
  EXPECT_STATUS(tsr_session_run(m.session, in2, 1, out, 1), kBadArg,
                "step 1: shape K = read_i64(b0, 2): element 2 is outside the 16 bytes of buffer 0");
}

// a float32 [N], b float32 [M] -> o uint8 [N+M, N-M, N*M, floor(N/M), ceil(N/M), max, min], o's size their
// product; `checked` adds a CHECK_EQ(N, M) first.
ArtifactSpec arithmeticSpec(bool checked = false) {
  ArtifactSpec s;
  s.symbols = {{"N", 0, 1000}, {"M", 0, 1000}};
  const char* names[] = {"add", "sub", "mul", "dfloor", "dceil", "max", "min", "p1", "p2", "p3", "p4", "p5", "P"};
  for (const char* n : names) s.symbols.push_back({n, 0, INT64_MAX});
  s.inputs = {{"a", TSR_DTYPE_FLOAT32, {sym(0)}, 0}, {"b", TSR_DTYPE_FLOAT32, {sym(1)}, 1}};
  s.outputs = {{"o", TSR_DTYPE_UINT8, {sym(2), sym(3), sym(4), sym(5), sym(6), sym(7), sym(8)}, 2}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 4000}, {TSR_BUFFER_INPUT, 1, 0, 4000}, {TSR_BUFFER_OUTPUT, 0, 0, sym(14)}};
  if (checked) s.steps.push_back(TStep::shape(TSR_SHAPE_CHECK_EQ, 999, sym(0), sym(1)));  // symbol ignored
  uint32_t ops[] = {TSR_SHAPE_ADD,      TSR_SHAPE_SUB, TSR_SHAPE_MUL, TSR_SHAPE_DIV_FLOOR,
                    TSR_SHAPE_DIV_CEIL, TSR_SHAPE_MAX, TSR_SHAPE_MIN};
  for (uint32_t k = 0; k < 7; ++k) s.steps.push_back(TStep::shape(ops[k], 2 + k, sym(0), sym(1)));
  s.steps.push_back(TStep::shape(TSR_SHAPE_MUL, 9, sym(2), sym(3)));
  for (uint32_t k = 0; k < 5; ++k) s.steps.push_back(TStep::shape(TSR_SHAPE_MUL, 10 + k, sym(9 + k), sym(4 + k)));
  return s;
}

std::pair<tsr_code, std::string> runAB(tsr_session* session, int64_t n, int64_t m, tsr_tensor* out) {
  std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(m));
  std::vector<int64_t> da = {n}, db = {m};
  tsr_tensor in[2] = {tensor(TSR_DTYPE_FLOAT32, a, da), tensor(TSR_DTYPE_FLOAT32, b, db)};
  *out = tsr_tensor{};  // session-owned
  tsr_status* st = tsr_session_run(session, in, 2, out, 1);
  std::pair<tsr_code, std::string> r{tsr_status_code(st), tsr_status_message(st)};
  tsr_status_free(st);
  return r;
}

TEST(Dynamic, ShapeArithmetic) {
  Loaded m(arithmeticSpec().build());
  tsr_tensor out[1] = {};
  ASSERT_EQ(runAB(m.session, 5, 3, out).second, "ok");
  EXPECT_EQ(dimsOf(out[0]), (std::vector<int64_t>{8, 2, 15, 1, 2, 5, 3}));
  EXPECT_EQ(out[0].byte_size, 8u * 2 * 15 * 1 * 2 * 5 * 3);
  ASSERT_EQ(runAB(m.session, 6, 3, out).second, "ok");
  EXPECT_EQ(dimsOf(out[0]), (std::vector<int64_t>{9, 3, 18, 2, 2, 6, 3}));
  // 3 - 5 < 0 is outside the result symbol's bounds
  EXPECT_LOAD_ERROR(runAB(m.session, 3, 5, out), kBadArg, "step 1: shape sub = sub(N, M): result -2 is outside [0,");
}

TEST(Dynamic, DivisionByZeroNamesTheStep) {
  Loaded m(arithmeticSpec().build());
  tsr_tensor out[1] = {};
  EXPECT_LOAD_ERROR(runAB(m.session, 5, 0, out), kBadArg,
                    "step 3: shape dfloor = div_floor(N, M): division by zero (N=5, M=0)");
}

TEST(Dynamic, CheckEqFailsWithBothValues) {
  Loaded m(arithmeticSpec(true).build());
  tsr_tensor out[1] = {};
  ASSERT_EQ(runAB(m.session, 4, 4, out).second, "ok");
  EXPECT_EQ(dimsOf(out[0])[0], 8);
  EXPECT_LOAD_ERROR(runAB(m.session, 3, 4, out), kBadArg, "step 0: shape check failed: N=3 != M=4");
}

TEST(Dynamic, RunTimeErrorsNameTheOnnxNodesOfTheStep) {
  ArtifactSpec spec = arithmeticSpec(true);
  codec::StepSources sources(spec.steps.size());
  sources[0] = {"/blocks/Concat"};
  auto sections = spec.sections();
  sections.push_back({TSR_SECTION_SOURCES, toBytes(codec::encodeSources(sources))});
  Loaded m(spec.pack(sections));
  tsr_tensor out[1] = {};
  const std::string failed =
      "step 0: shape check failed: N=3 != M=4 (the inputs give a dim or element count that the compiled model "
      "does not allow)";
  EXPECT_EQ(runAB(m.session, 3, 4, out).second, failed + " (ONNX node /blocks/Concat)");
  sources[0] = {"/a/Add", "/a/Relu"};
  sections.back().bytes = toBytes(codec::encodeSources(sources));
  Loaded two(spec.pack(sections));
  EXPECT_EQ(runAB(two.session, 3, 4, out).second, failed + " (ONNX nodes /a/Add, /a/Relu)");
}

TEST(Dynamic, MulOverflowIsAnError) {
  ArtifactSpec s;
  s.symbols = {{"N", 0, 16}, {"P", 0, INT64_MAX}};
  s.inputs = {{"a", TSR_DTYPE_UINT8, {sym(0)}, 0}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 16}};
  s.steps = {TStep::shape(TSR_SHAPE_MUL, 1, sym(0), int64_t{1} << 62)};
  Loaded m(s.build());
  std::vector<uint8_t> a(2);
  std::vector<int64_t> d1 = {1}, d2 = {2};
  tsr_tensor in1[1] = {tensor(TSR_DTYPE_UINT8, a, d1)};
  in1[0].byte_size = 1;
  ASSERT_OK(tsr_session_run(m.session, in1, 1, nullptr, 0));
  tsr_tensor in2[1] = {tensor(TSR_DTYPE_UINT8, a, d2)};
  EXPECT_STATUS(tsr_session_run(m.session, in2, 1, nullptr, 0), kBadArg,
                "step 0: shape P = mul(N, 4611686018427387904): int64 overflow (N=2)");
}

// A dispatch whose constant 0 and workgroup count come from an int64 input: p = [C, W].
ArtifactSpec countsSpec() {
  ArtifactSpec s;
  s.symbols = {{"C", 0, INT64_MAX}, {"W", 0, INT64_MAX}};
  s.inputs = {{"p", TSR_DTYPE_INT64, {2}, 0}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 16}};
  s.kernels = {"fail_on_second"};
  s.steps = {TStep::shape(TSR_SHAPE_READ_I64, 0, 0, 0), TStep::shape(TSR_SHAPE_READ_I64, 1, 0, 1),
             TStep::dispatch(0, sym(1), {}, {sym(0)})};
  s.code = kernelCode();
  return s;
}

std::pair<tsr_code, std::string> runCounts(tsr_session* session, int64_t c, int64_t w) {
  std::vector<int64_t> p = {c, w}, dims = {2};
  tsr_tensor in[1] = {tensor(TSR_DTYPE_INT64, p, dims)};
  tsr_status* st = tsr_session_run(session, in, 1, nullptr, 0);
  std::pair<tsr_code, std::string> r{tsr_status_code(st), tsr_status_message(st)};
  tsr_status_free(st);
  return r;
}

TEST(Dynamic, ConstantMustFitInU32) {
  Loaded m(countsSpec().build());
  EXPECT_EQ(runCounts(m.session, 4294967295, 1).second, "ok");
  EXPECT_LOAD_ERROR(runCounts(m.session, 4294967296, 1), kBadArg,
                    "step 2: constant 0 (C=4294967296) does not fit in 32 bits");
}

TEST(Dynamic, WorkgroupCountZeroSkipsAndTooLargeFails) {
  Loaded m(countsSpec().build());
  EXPECT_EQ(runCounts(m.session, 1, 0).second, "ok");  // skipped: the kernel would fail on workgroup 1
  EXPECT_EQ(runCounts(m.session, 1, 1).second, "ok");
  EXPECT_LOAD_ERROR(runCounts(m.session, 1, 2), TSR_STATUS_KERNEL_FAILED, "kernel 'fail_on_second' (step 2)");
  EXPECT_LOAD_ERROR(runCounts(m.session, 1, int64_t{1} << 31), kBadArg,
                    "step 2: workgroup count W=2147483648 is not below 2^31");
}

TEST(Dynamic, LiteralZeroWorkgroupCountSkips) {
  ArtifactSpec s = sampleSpec();
  s.kernels.push_back("fail_on_second");
  TStep d = TStep::dispatch(2, 3, {}, {});
  d.workgroup_count[2] = 0;
  s.steps.push_back(d);
  Loaded m(s.build());
  std::vector<float> a(8), b(8);
  std::vector<int64_t> dims = {2, 4};
  tsr_tensor in[2] = {tensor(TSR_DTYPE_FLOAT32, a, dims), tensor(TSR_DTYPE_FLOAT32, b, dims)};
  tsr_tensor out[2] = {};
  ASSERT_OK(tsr_session_run(m.session, in, 2, out, 2));
}

TEST(Dynamic, CppWrapperReportsRunTimeDims) {
  Bytes bytes = batchSpec().build();
  auto model = tessera::Model::loadFromMemory(bytes.data(), bytes.size());
  EXPECT_EQ(model.inputs()[0].dims, (std::vector<int64_t>{-1, 4}));
  std::vector<float> x = rows(3);
  auto outs = model.forward({tessera::Tensor::fromVector<float>({3, 4}, x)});
  EXPECT_EQ(outs[0].dims, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(outs[0].toVector<float>(), batchExpected(x));
}

// ---- negative values computed at run time --------------------------------------------------------------
// The compiler gives computed symbols unbounded ranges (intermediate values may be negative), so every use of
// a value as a size, a count or a kernel constant checks its sign when the step runs.

constexpr int64_t kUnbounded[2] = {INT64_MIN, INT64_MAX};

// p int64 [2] -> y uint8 [K] with K = p[1], an unbounded computed symbol; y's buffer has 16 literal bytes.
ArtifactSpec negativeDimSpec() {
  ArtifactSpec s;
  s.symbols = {{"K", kUnbounded[0], kUnbounded[1]}};
  s.inputs = {{"p", TSR_DTYPE_INT64, {2}, 0}};
  s.outputs = {{"y", TSR_DTYPE_UINT8, {sym(0)}, 1}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 16}, {TSR_BUFFER_OUTPUT, 0, 0, 16}};
  s.steps = {TStep::shape(TSR_SHAPE_READ_I64, 0, 0, 1), TStep::copy(0, 0, 1, 0, 16)};
  return s;
}

std::pair<tsr_code, std::string> runP(tsr_session* session, std::vector<int64_t> p, size_t outputs = 1) {
  std::vector<int64_t> dims = {static_cast<int64_t>(p.size())};
  tsr_tensor in[1] = {tensor(TSR_DTYPE_INT64, p, dims)};
  tsr_tensor out[1] = {};
  tsr_status* st = tsr_session_run(session, in, 1, out, outputs);
  std::pair<tsr_code, std::string> r{tsr_status_code(st), tsr_status_message(st)};
  tsr_status_free(st);
  return r;
}

TEST(DynamicNegative, OutputDimIsAnErrorWithItsValue) {
  Loaded m(negativeDimSpec().build());
  EXPECT_EQ(runP(m.session, {0, 16}).second, "ok");
  // -7 once named symbol 6 of a one-symbol table; -1 was printed as the name of symbol 0.
  for (int64_t k : {int64_t{-1}, int64_t{-7}, INT64_MIN}) {
    SCOPED_TRACE(k);
    auto r = runP(m.session, {0, k});
    EXPECT_EQ(r.first, kBadArg) << r.second;
    EXPECT_EQ(r.second, "output 'y': dim 0 (K=" + std::to_string(k) + ") is negative");
  }
}

TEST(DynamicNegative, ShapeErrorsPrintValuesAsNumbers) {
  // y's buffer is too small for K = 17: the message shows the computed shape as numbers.
  Loaded m(negativeDimSpec().build());
  EXPECT_LOAD_ERROR(runP(m.session, {0, 17}), kInvalid, "output 'y': shape [17] needs more than the 16 bytes");
  // An input dim the caller gives as -1 is printed as -1, not as the first symbol's name.
  Loaded b(batchSpec().build());
  std::vector<float> x(4);
  std::vector<int64_t> dims = {-1, 4};
  tsr_tensor in[1] = {tensor(TSR_DTYPE_FLOAT32, x, dims)};
  tsr_tensor out[1] = {};
  EXPECT_STATUS(tsr_session_run(b.session, in, 1, out, 1), kBadArg,
                "input 'x': expected shape [N,4] but got [-1,4]");
}

TEST(DynamicNegative, DispatchConstantIsAnError) {
  ArtifactSpec s = countsSpec();
  s.symbols[0] = {"C", kUnbounded[0], kUnbounded[1]};
  Loaded m(s.build());
  EXPECT_EQ(runCounts(m.session, 5, 1).second, "ok");
  EXPECT_LOAD_ERROR(runCounts(m.session, -1, 1), kBadArg, "step 2: constant 0 (C=-1) is negative");
}

TEST(DynamicNegative, WorkgroupCountIsAnError) {
  ArtifactSpec s = countsSpec();
  s.symbols[1] = {"W", kUnbounded[0], kUnbounded[1]};
  Loaded m(s.build());
  EXPECT_LOAD_ERROR(runCounts(m.session, 1, -3), kBadArg, "step 2: workgroup count W=-3 is negative");
}

TEST(DynamicNegative, BufferSizeAndCopyLengthAreErrors) {
  // y uint8 [K]: its buffer size and the copy length are K itself.
  ArtifactSpec s = negativeDimSpec();
  s.buffers[1].size = sym(0);
  s.steps[1].length = 8;
  Loaded m(s.build());
  EXPECT_EQ(runP(m.session, {0, 8}).second, "ok");
  EXPECT_LOAD_ERROR(runP(m.session, {0, -8}), kBadArg, "buffer 1: size K=-8 is negative");
  s = negativeDimSpec();
  s.steps[1].length = sym(0);
  Loaded c(s.build());
  EXPECT_EQ(runP(c.session, {0, 16}).second, "ok");
  EXPECT_LOAD_ERROR(runP(c.session, {0, -16}), kBadArg, "step 1: copy source length K=-16 is negative");
}

// ---- load-time rules for symbols ------------------------------------------------------------------------

TEST(DynamicLoad, SymbolUsedBeforeItIsSet) {
  ArtifactSpec s = batchSpec();
  std::swap(s.steps[0], s.steps[1]);  // the dispatch now runs before B = N * 16
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid,
                    "step 0: binding 0 buffer 0 size uses dim symbol 'B' before an input or SHAPE step sets it");

  s = countsSpec();
  std::swap(s.steps[0], s.steps[2]);
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid,
                    "step 0: workgroup count uses dim symbol 'W' before an input or SHAPE step sets it");
}

TEST(DynamicLoad, OutputDimNeverSet) {
  ArtifactSpec s = readSpec();
  s.steps = {TStep::shape(TSR_SHAPE_MUL, 1, 3, 8)};
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "output 'y' uses dim symbol 'K', which no input or SHAPE step sets");
}

TEST(DynamicLoad, OutputBufferSizeNeverSet) {
  ArtifactSpec s = readSpec();
  s.steps = {TStep::shape(TSR_SHAPE_READ_I64, 0, 0, 1)};
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid,
                    "buffer 1 (output): size uses dim symbol 'KB', which no input or SHAPE step sets");
}

TEST(DynamicLoad, ShapeMayNotSetAnInputSymbolOrOneTwice) {
  ArtifactSpec s = batchSpec();
  s.steps.push_back(TStep::shape(TSR_SHAPE_ADD, 0, 1, 1));
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "step 3: shape step sets symbol 'N', which input 'x' binds");
  s = batchSpec();
  s.steps.push_back(TStep::shape(TSR_SHAPE_ADD, 1, 1, 1));
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "step 3: symbol 'B' is already set by step 0");
}

TEST(DynamicLoad, CheckEqIgnoresItsSymbol) {
  EXPECT_LOAD_ERROR(loadResult(arithmeticSpec(true).build()), TSR_STATUS_OK, "ok");
}

TEST(DynamicLoad, EarlierFormatVersionsAreRejected) {
  ArtifactSpec s = sampleSpec();
  for (uint32_t v : {1u, 2u, 3u, 4u, 5u}) {
    s.format_version = v;
    EXPECT_LOAD_ERROR(loadResult(s.build()), TSR_STATUS_UNSUPPORTED,
                      "format version " + std::to_string(v) + ", expected 6");
  }
}

}  // namespace
