// Shared fixtures for runtime tests: the sample model, kernel code, status assertions.
#ifndef TESSERA_TEST_RUNTIME_TEST_UTIL_H
#define TESSERA_TEST_RUNTIME_TEST_UTIL_H

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "artifact_builder.h"
#include "tessera/runtime.h"

namespace tessera::test {

// The shared object built from kernels/test_kernels.c.
inline const Bytes& kernelCode() {
  static const Bytes code = [] {
    std::ifstream f(TESSERA_TEST_KERNELS_PATH, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), {});
  }();
  return code;
}

inline Bytes floatBytes(const std::vector<float>& v) {
  Bytes b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Sample model: z = a + b (into the arena, then copied), y = z * W (W from WEIGHTS at offset 64).
// a, b, y, z are float32 [2,4]; every dispatch runs 2 workgroups of 4 elements.
inline std::vector<float> sampleWeights() { return {0.5f, 1, 2, 3, 4, 5, 6, -1}; }

inline ArtifactSpec sampleSpec() {
  ArtifactSpec s;
  s.inputs = {{"a", TSR_DTYPE_FLOAT32, {2, 4}, 0}, {"b", TSR_DTYPE_FLOAT32, {2, 4}, 1}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {2, 4}, 2}, {"z", TSR_DTYPE_FLOAT32, {2, 4}, 5}};
  s.arena_size = 128;
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, 32},   {TSR_BUFFER_INPUT, 1, 0, 32},  {TSR_BUFFER_OUTPUT, 0, 0, 32},
               {TSR_BUFFER_CONSTANT, 0, 64, 32}, {TSR_BUFFER_ARENA, 0, 64, 32}, {TSR_BUFFER_OUTPUT, 1, 0, 32}};
  s.kernels = {"add_f32", "scale_f32"};
  s.steps = {TStep::dispatch(0, 2, {{0, 0, 32}, {1, 0, 32}, {4, 0, 32}}, {4}), TStep::barrier(),
             TStep::dispatch(1, 2, {{4, 0, 32}, {3, 0, 32}, {2, 0, 32}}, {4}), TStep::copy(4, 0, 5, 0, 32)};
  s.code = kernelCode();
  s.weights = Bytes(128, 0xee);
  Bytes w = floatBytes(sampleWeights());
  std::copy(w.begin(), w.end(), s.weights.begin() + 64);
  return s;
}

// Batch model with a run-time dim: x float32 [N,4] -> y float32 [N,4], y = (x * 2 + 1) * 2 + 1 through a
// DYNAMIC buffer. A SHAPE step computes B = N * 16, the byte size of all three buffers; each dispatch runs
// one workgroup per row (count N) of rows_affine_f32 with the rows as constant 0.
inline ArtifactSpec batchSpec() {
  ArtifactSpec s;
  s.symbols = {{"N", 0, 16}, {"B", 0, INT64_MAX}};
  s.inputs = {{"x", TSR_DTYPE_FLOAT32, {sym(0), 4}, 0}};
  s.outputs = {{"y", TSR_DTYPE_FLOAT32, {sym(0), 4}, 1}};
  s.buffers = {{TSR_BUFFER_INPUT, 0, 0, sym(1)}, {TSR_BUFFER_OUTPUT, 0, 0, sym(1)}, {TSR_BUFFER_DYNAMIC, 0, 0, sym(1)}};
  s.kernels = {"rows_affine_f32"};
  s.steps = {TStep::shape(TSR_SHAPE_MUL, 1, sym(0), 16),
             TStep::dispatch(0, sym(0), {{0, 0, sym(1)}, {2, 0, sym(1)}}, {sym(0), sym(0)}),
             TStep::dispatch(0, sym(0), {{2, 0, sym(1)}, {1, 0, sym(1)}}, {sym(0), sym(0)})};
  s.code = kernelCode();
  return s;
}

// Loads from memory; returns the status code and message (and releases any model).
inline std::pair<tsr_code, std::string> loadResult(const Bytes& bytes, const tsr_model_options* options = nullptr) {
  tsr_model* model = nullptr;
  tsr_status* st = tsr_model_load_memory(bytes.data(), bytes.size(), options, &model);
  std::pair<tsr_code, std::string> r{tsr_status_code(st), tsr_status_message(st)};
  tsr_status_free(st);
  tsr_model_release(model);
  return r;
}

inline std::string writeTemp(const Bytes& bytes, const std::string& name) {
  std::string path = ::testing::TempDir() + "tessera_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return path;
}

}  // namespace tessera::test

// Asserts that `result` (a loadResult-like pair) has `code` and a message containing `substr`.
#define EXPECT_LOAD_ERROR(result, code, substr)                                                       \
  do {                                                                                              \
    auto r_ = (result);                                                                             \
    EXPECT_EQ(r_.first, code) << "message: " << r_.second;                                          \
    EXPECT_NE(r_.second.find(substr), std::string::npos) << "message: " << r_.second;              \
  } while (0)

// Same for a tsr_status* (consumed).
#define EXPECT_STATUS(expr, code, substr)                                                             \
  do {                                                                                              \
    tsr_status* st_ = (expr);                                                                       \
    std::pair<tsr_code, std::string> sr_{tsr_status_code(st_), tsr_status_message(st_)};          \
    tsr_status_free(st_);                                                                           \
    EXPECT_LOAD_ERROR(sr_, code, substr);                                                           \
  } while (0)

#define ASSERT_OK(expr)                                                                               \
  do {                                                                                              \
    tsr_status* st_ = (expr);                                                                       \
    bool ok_ = st_ == nullptr;                                                                      \
    std::string m_ = tsr_status_message(st_);                                                       \
    tsr_status_free(st_);                                                                           \
    ASSERT_TRUE(ok_) << m_;                                                                         \
  } while (0)

#endif
