// The CPU microkernels (codegen/cpu/ukernels) compiled natively and checked against plain loops: full and
// partial register tiles, K beyond one cache block, transposed and strided operands, accumulation,
// convolutions with strides and dilations, and the Winograd F(4x4, 3x3) convolution.
#include "codegen/cpu/ukernels/workspace.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdint>
#include <random>
#include <tuple>

#include <sys/mman.h>
#include <unistd.h>
#include <vector>

extern "C" {
// Defined by the compiler for the artifact's CPU (see depthwise_blocked.c); the tests set it to run both blockings.
int32_t tsr_ukernel_vector_registers = 32;
void tsr_ukernel_sgemm_f32(int64_t m, int64_t n, int64_t k, intptr_t a_base, int64_t a_offset, int64_t a_rs,
                           int64_t a_cs, intptr_t b_base, int64_t b_offset, int64_t b_rs, int64_t b_cs,
                           intptr_t c_base, int64_t c_offset, int64_t c_rs, intptr_t workspace, int32_t accumulate);
void tsr_ukernel_sgemm_packed_f32(int64_t m, int64_t n, int64_t k, intptr_t a_base, int64_t a_offset, int64_t a_rs,
                                  int64_t a_cs, intptr_t p_base, int64_t p_offset, int64_t panel, int64_t col,
                                  intptr_t c_base, int64_t c_offset, int64_t c_rs, intptr_t workspace,
                                  int32_t accumulate);
void tsr_ukernel_conv2d_nchw_f32(int64_t filters, int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                 int64_t sh, int64_t sw, int64_t dh, int64_t dw, intptr_t x_base, int64_t x_offset,
                                 int64_t x_c, int64_t x_h, int64_t x_w, int64_t height, int64_t width, int64_t row0,
                                 int64_t col0, intptr_t w_base, int64_t w_offset, int64_t w_f, intptr_t y_base,
                                 int64_t y_offset, int64_t y_f, intptr_t workspace, int32_t accumulate);
void tsr_ukernel_depthwise_conv2d_nchw_f32(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                           int64_t sh, int64_t sw, int64_t dh, int64_t dw, intptr_t x_base,
                                           int64_t x_offset, int64_t x_c, int64_t x_h, int64_t x_w, int64_t height,
                                           int64_t width, int64_t row0, int64_t col0, intptr_t w_base,
                                           int64_t w_offset, int64_t w_c, int64_t w_h, int64_t w_w,
                                           intptr_t y_base, int64_t y_offset, int64_t y_c, int64_t y_h,
                                           intptr_t workspace, int32_t accumulate);
void tsr_ukernel_depthwise_conv2d_nhwc_f32(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow,
                                           int64_t sh, int64_t sw, int64_t dh, int64_t dw, intptr_t x_base,
                                           int64_t x_offset, int64_t x_h, int64_t x_w, int64_t height, int64_t width,
                                           int64_t row0, int64_t col0, intptr_t w_base, int64_t w_offset,
                                           int64_t w_h, int64_t w_w, intptr_t y_base, int64_t y_offset, int64_t y_h,
                                           int64_t y_w, intptr_t workspace, int32_t accumulate);
void tsr_ukernel_max_pool2d_nchw_f32(int64_t channels, int64_t kh, int64_t kw, int64_t oh, int64_t ow, int64_t sh,
                                     int64_t sw, int64_t dh, int64_t dw, intptr_t x_base, int64_t x_offset,
                                     int64_t x_c, int64_t x_h, int64_t x_w, intptr_t y_base, int64_t y_offset,
                                     int64_t y_c, int64_t y_h, int32_t accumulate);
void tsr_ukernel_conv2d_winograd_f43_nchw_f32(int64_t filters, int64_t channels, int64_t oh, int64_t ow,
                                              intptr_t x_base, int64_t x_offset, int64_t x_c, int64_t x_h,
                                              int64_t x_w, int64_t height, int64_t width, int64_t row0,
                                              int64_t col0, intptr_t u_base, int64_t u_offset, int64_t u_t,
                                              int64_t u_f, intptr_t y_base, int64_t y_offset, int64_t y_f,
                                              int64_t y_h, intptr_t workspace, int32_t accumulate);
}

namespace {

std::vector<float> randomVector(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

intptr_t address(const std::vector<float>& v) { return reinterpret_cast<intptr_t>(v.data()); }

/// A copy of `values` next to an inaccessible page: by default it ends right before the page, so a kernel
/// that reads past the operand faults instead of passing by luck; with `GuardAt::Front` it starts right
/// after it, so a read before the operand faults.
enum class GuardAt { Back, Front };
class Guarded {
 public:
  explicit Guarded(const std::vector<float>& values, GuardAt at = GuardAt::Back) {
    const size_t page = sysconf(_SC_PAGESIZE), bytes = values.size() * sizeof(float);
    length_ = (bytes + page - 1) / page * page + page;
    base_ = static_cast<char*>(mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
    char* guard = at == GuardAt::Back ? base_ + length_ - page : base_;
    EXPECT_EQ(mprotect(guard, page, PROT_NONE), 0);
    data_ = reinterpret_cast<float*>(at == GuardAt::Back ? guard - bytes : base_ + page);
    std::copy(values.begin(), values.end(), data_);
  }
  ~Guarded() { munmap(base_, length_); }
  intptr_t address() const { return reinterpret_cast<intptr_t>(data_); }

 private:
  char* base_ = nullptr;
  size_t length_ = 0;
  float* data_ = nullptr;
};

/// A microkernel's workspace of `bytes` (64-byte aligned), filled with NaN and ending right before an
/// inaccessible page: a kernel that reads workspace it did not write, or uses more than it declares, fails.
Guarded workspace(size_t bytes) { return Guarded(std::vector<float>(bytes / sizeof(float), NAN)); }

struct GemmCase {
  int64_t m, n, k;
  bool transposeB;
  bool accumulate;
};

class Sgemm : public ::testing::TestWithParam<GemmCase> {};

TEST_P(Sgemm, MatchesLoops) {
  const GemmCase p = GetParam();
  // A has a padded row stride and an offset; B is [k, n] or, transposed, [n, k].
  const int64_t lda = p.k + 3, aOffset = 5;
  std::vector<float> a = randomVector(aOffset + p.m * lda, 1), b = randomVector(p.k * p.n, 2);
  std::vector<float> c = randomVector(p.m * p.n, 3), want = c;
  const int64_t bRs = p.transposeB ? 1 : p.n, bCs = p.transposeB ? p.k : 1;
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      double sum = p.accumulate ? want[i * p.n + j] : 0.0;
      for (int64_t l = 0; l < p.k; ++l) sum += double(a[aOffset + i * lda + l]) * b[l * bRs + j * bCs];
      want[i * p.n + j] = float(sum);
    }
  Guarded guardedB(b);
  Guarded ws = workspace(TSR_UKERNEL_SGEMM_WORKSPACE_BYTES);
  tsr_ukernel_sgemm_f32(p.m, p.n, p.k, address(a), aOffset, lda, 1, guardedB.address(), 0, bRs, bCs, address(c), 0,
                        p.n, ws.address(), p.accumulate);
  for (int64_t i = 0; i < p.m * p.n; ++i)
    ASSERT_NEAR(c[i], want[i], 1e-4 * (1 + p.k)) << "element " << i;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Sgemm,
                         ::testing::Values(GemmCase{8, 32, 16, false, false},    // one full tile
                                           GemmCase{1, 1, 1, false, false},      // scalar
                                           GemmCase{13, 45, 7, false, true},     // partial tiles, accumulate
                                           GemmCase{64, 100, 300, false, false}, // K over one block
                                           GemmCase{50, 70, 260, true, false},   // transposed B, M over MC
                                           GemmCase{1, 1000, 1280, true, false}, // few rows, B as [n, k]
                                           GemmCase{3, 37, 21, true, true},      // the same with tails
                                           GemmCase{24, 100, 40, false, true},   // few rows: B read in place
                                           GemmCase{16, 64, 300, false, false},  // the same, K over one block
                                           GemmCase{9, 33, 0, false, false},     // K = 0 zeroes C
                                           GemmCase{37, 1, 300, false, false},   // one column: dot products
                                           GemmCase{37, 3, 45, false, true},     // few columns, tails
                                           GemmCase{64, 2, 1152, true, false})); // the same, B as [n, k]

struct PackedCase {
  int64_t m, n, k;
  int64_t width, col; // the packed matrix's full width, and where this call's columns start in it
  int64_t panel;
  bool accumulate;
};

class SgemmPacked : public ::testing::TestWithParam<PackedCase> {};

/// B packed as the compiler packs a constant weight (panels `panel` wide, zero past the last column) with
/// no slack after it, so reading past the panels faults.
TEST_P(SgemmPacked, MatchesLoops) {
  const PackedCase p = GetParam();
  const int64_t lda = p.k + 1, aOffset = 3;
  const int64_t panels = (p.width + p.panel - 1) / p.panel;
  std::vector<float> a = randomVector(aOffset + p.m * lda, 4), b = randomVector(p.k * p.width, 5);
  std::vector<float> packed(panels * p.k * p.panel, 0.0f);
  for (int64_t q = 0; q < panels; ++q)
    for (int64_t l = 0; l < p.k; ++l)
      for (int64_t j = 0; j < p.panel && q * p.panel + j < p.width; ++j)
        packed[(q * p.k + l) * p.panel + j] = b[l * p.width + q * p.panel + j];
  std::vector<float> c = randomVector(p.m * p.n, 6), want = c;
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      double sum = p.accumulate ? want[i * p.n + j] : 0.0;
      for (int64_t l = 0; l < p.k; ++l) sum += double(a[aOffset + i * lda + l]) * b[l * p.width + p.col + j];
      want[i * p.n + j] = float(sum);
    }
  Guarded guarded(packed);
  Guarded ws = workspace(TSR_UKERNEL_SGEMM_WORKSPACE_BYTES);
  tsr_ukernel_sgemm_packed_f32(p.m, p.n, p.k, address(a), aOffset, lda, 1, guarded.address(), 0, p.panel, p.col,
                               address(c), 0, p.n, ws.address(), p.accumulate);
  for (int64_t i = 0; i < p.m * p.n; ++i)
    ASSERT_NEAR(c[i], want[i], 1e-4 * (1 + p.k)) << "element " << i;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SgemmPacked,
    ::testing::Values(PackedCase{8, 32, 16, 32, 0, 32, false},      // one full tile, one panel
                      PackedCase{64, 100, 300, 100, 0, 32, false},  // K over one block, a zero-padded panel
                      PackedCase{50, 64, 260, 160, 64, 32, true},   // a column slice on panel boundaries
                      PackedCase{13, 45, 7, 100, 37, 32, false},    // a slice that does not line up
                      PackedCase{1, 70, 300, 70, 0, 32, false},     // one row (a decoder's token)
                      PackedCase{3, 50, 40, 96, 32, 32, true},      // three rows, accumulate
                      PackedCase{2, 33, 20, 99, 5, 32, false},      // two rows, unaligned
                      PackedCase{37, 3, 45, 40, 32, 32, false},     // few columns: dot products
                      PackedCase{20, 40, 30, 40, 0, 16, false},     // panels narrower than the tile
                      // Several row blocks and panels (partial row tiles, a zero-padded last panel, K over
                      // two blocks; then a slice, accumulating).
                      PackedCase{100, 150, 300, 150, 0, 32, false},
                      PackedCase{56, 160, 520, 256, 64, 32, true},
                      // A last row block of 1 or 3 rows (49 rows: a 7x7 image's positions).
                      PackedCase{49, 96, 300, 96, 0, 32, true},
                      PackedCase{51, 40, 20, 96, 32, 32, false}));

struct ConvCase {
  int64_t filters, channels, kh, kw, oh, ow, sh, sw, dh, dw;
  int64_t pad = 0; // zeros on every side of the image, read but never stored
};

/// The image of a case: the windows span h x w with the padding, the stored image is smaller by it.
struct ImageSize {
  int64_t h, w;
  explicit ImageSize(const ConvCase& p)
      : h((p.oh - 1) * p.sh + (p.kh - 1) * p.dh + 1 - 2 * p.pad),
        w((p.ow - 1) * p.sw + (p.kw - 1) * p.dw + 1 - 2 * p.pad) {}
  /// x[c][r - pad][s - pad], zero outside the image.
  float at(const std::vector<float>& x, int64_t c, int64_t r, int64_t s, int64_t pad) const {
    r -= pad;
    s -= pad;
    return r < 0 || r >= h || s < 0 || s >= w ? 0.0f : x[(c * h + r) * w + s];
  }
};

/// Runs the convolution microkernel on case `p` (over y = 7 everywhere, kept with `accumulate`; directly
/// where the shapes allow with `direct`) against plain loops.
void checkConv2d(const ConvCase& p, bool accumulate, bool direct = false) {
  const auto [filters, channels, kh, kw, oh, ow, sh, sw, dh, dw, pad] = p;
  const ImageSize image(p);
  const int64_t h = image.h, w = image.w;
  std::vector<float> x = randomVector(channels * h * w, 4), wt = randomVector(filters * channels * kh * kw, 5);
  std::vector<float> y(filters * oh * ow, 7.0f), want(y.size());
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double sum = accumulate ? 7.0 : 0.0;
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t r = 0; r < kh; ++r)
            for (int64_t s = 0; s < kw; ++s)
              sum += double(wt[((f * channels + c) * kh + r) * kw + s]) *
                     image.at(x, c, i * sh + r * dh, j * sw + s * dw, pad);
        want[(f * oh + i) * ow + j] = float(sum);
      }
  Guarded guardedX(x);
  Guarded ws = workspace(TSR_UKERNEL_CONV2D_WORKSPACE_BYTES);
  tsr_ukernel_conv2d_nchw_f32(filters, channels, kh, kw, oh, ow, sh, sw, dh, dw, guardedX.address(), 0, h * w, w, 1,
                              h, w, -pad, -pad, address(wt), 0, channels * kh * kw, address(y), 0, oh * ow,
                              ws.address(), (accumulate ? 1 : 0) | (direct ? 2 : 0));
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], want[i], 1e-4) << "element " << i;
}

class Conv2d : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2d, MatchesLoops) { checkConv2d(GetParam(), /*accumulate=*/false); }

// Unit column stride (rows copied as runs, panels crossing output rows) and strided columns (gathered).
INSTANTIATE_TEST_SUITE_P(Geometries, Conv2d,
                         ::testing::Values(ConvCase{10, 3, 3, 2, 5, 7, 2, 1, 1, 2},
                                           ConvCase{9, 4, 3, 3, 6, 13, 1, 2, 1, 1},
                                           ConvCase{17, 2, 1, 1, 3, 40, 1, 1, 1, 1},
                                           ConvCase{40, 20, 1, 1, 4, 33, 1, 1, 1, 1},  // pointwise: a matrix
                                           ConvCase{50, 300, 1, 1, 1, 1, 1, 1, 1, 1},  // 1x1 image: one column
                                           ConvCase{20, 8, 3, 3, 1, 2, 1, 1, 1, 1, 1}, // few padded columns
                                           ConvCase{12, 3, 3, 3, 14, 14, 1, 1, 1, 1, 1},   // padded
                                           ConvCase{8, 2, 7, 7, 8, 8, 2, 2, 1, 1, 3},      // padded, strided
                                           ConvCase{9, 2, 3, 3, 5, 33, 1, 2, 2, 1, 2},    // padded, gathered
                                           // Padded windows too large for the stack copy: every read checked.
                                           ConvCase{4, 20, 3, 3, 58, 58, 1, 1, 1, 1, 1},
                                           ConvCase{3, 20, 3, 3, 29, 29, 2, 2, 1, 1, 1}));

/// Few input channels (a network's first layer): the direct path, register-blocked for AVX-512 (32 vector
/// registers) and for AVX2 (8 vectors of 16 floats), overwriting and accumulating; and the implicit GEMM
/// the same shapes take when the compiler does not ask for the direct path.
class Conv2dFewChannels : public ::testing::TestWithParam<std::tuple<ConvCase, int32_t, bool>> {};

TEST_P(Conv2dFewChannels, MatchesLoops) {
  const auto [p, registers, accumulate] = GetParam();
  tsr_ukernel_vector_registers = registers;
  checkConv2d(p, accumulate, /*direct=*/true);
  checkConv2d(p, accumulate, /*direct=*/false);
  tsr_ukernel_vector_registers = 32;
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, Conv2dFewChannels,
    ::testing::Combine(
        ::testing::Values(ConvCase{24, 3, 3, 3, 5, 56, 2, 2, 1, 1, 1},  // a stem: blocks of 12, windows padded
                          ConvCase{32, 3, 3, 3, 3, 40, 2, 2, 1, 1},     // 12 + 12 + 4 + 4, a column tail
                          ConvCase{24, 3, 3, 3, 2, 32, 2, 2, 1, 1},     // the last vector ends the image
                          ConvCase{8, 3, 7, 7, 2, 16, 2, 2, 1, 1},      // the same, 7x7
                          ConvCase{64, 3, 7, 7, 4, 37, 2, 2, 1, 1, 3},  // a 7x7 stem: five blocks of 12 and 4
                          ConvCase{7, 3, 3, 3, 4, 50, 1, 1, 1, 1, 1},   // stride 1: 4 + 1 + 1 + 1 filters
                          ConvCase{13, 2, 3, 3, 5, 20, 1, 1, 2, 2},     // dilated
                          ConvCase{5, 1, 5, 5, 3, 33, 2, 2, 1, 1, 2},   // one channel
                          ConvCase{16, 4, 1, 1, 3, 48, 1, 1, 1, 1}),    // pointwise, four channels
        ::testing::Values(32, 8), ::testing::Bool()));

/// out[c][i][j] = window(c, row, col, out[c][i][j]) for every output of a per-channel case, (row, col)
/// being where the window of output (i, j) starts in the (padded) image.
template <typename Window>
void forEachOutput(const ConvCase& p, std::vector<float>& out, Window window) {
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t i = 0; i < p.oh; ++i)
      for (int64_t j = 0; j < p.ow; ++j) {
        float& o = out[(c * p.oh + i) * p.ow + j];
        o = window(c, i * p.sh, j * p.sw, o);
      }
}

class Depthwise : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Depthwise, MatchesLoops) {
  const ConvCase p = GetParam();
  const auto [unused, channels, kh, kw, oh, ow, sh, sw, dh, dw, pad] = p;
  (void)unused;
  const ImageSize image(p);
  const int64_t h = image.h, w = image.w;
  std::vector<float> x = randomVector(channels * h * w, 6), wt = randomVector(channels * kh * kw, 7);
  std::vector<float> y = randomVector(channels * oh * ow, 8), want = y;
  // (Structured bindings are captured by copy: C++17 lambdas cannot capture them by reference.)
  forEachOutput(p, want, [&, kh = kh, kw = kw, dh = dh, dw = dw, pad = pad](int64_t c, int64_t row, int64_t col,
                                                                         float out) {
    double sum = out;  // accumulates
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s)
        sum += double(wt[(c * kh + r) * kw + s]) * image.at(x, c, row + r * dh, col + s * dw, pad);
    return float(sum);
  });
  Guarded guardedX(x), scratch = workspace(TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES);
  tsr_ukernel_depthwise_conv2d_nchw_f32(channels, kh, kw, oh, ow, sh, sw, dh, dw, guardedX.address(), 0, h * w, w, 1,
                                        h, w, -pad, -pad, address(wt), 0, kh * kw, kw, 1, address(y), 0, oh * ow, ow,
                                        scratch.address(), /*accumulate=*/1);
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], want[i], 1e-4) << "element " << i;
}

// Strides 1 and 2 take the flattened plane path (vector chunks across rows, short and long rows, bands
// of rows when a plane is larger than one band); others the row path. The input ends at a guard page.
INSTANTIATE_TEST_SUITE_P(Geometries, Depthwise,
                         ::testing::Values(ConvCase{0, 5, 3, 3, 7, 9, 1, 1, 1, 1},
                                           ConvCase{0, 3, 5, 5, 4, 6, 2, 2, 1, 1},
                                           ConvCase{0, 2, 3, 2, 3, 5, 1, 2, 2, 1},
                                           ConvCase{0, 4, 3, 3, 14, 14, 1, 1, 1, 1},
                                           ConvCase{0, 3, 3, 3, 7, 7, 2, 2, 1, 1},
                                           ConvCase{0, 2, 3, 3, 56, 56, 2, 2, 1, 1},
                                           ConvCase{0, 2, 5, 5, 9, 11, 1, 1, 2, 2},
                                           ConvCase{0, 1, 3, 3, 112, 112, 1, 1, 1, 1},
                                           ConvCase{0, 3, 3, 3, 14, 14, 1, 1, 1, 1, 1},    // padded
                                           ConvCase{0, 2, 3, 3, 56, 56, 2, 2, 1, 1, 1},    // padded, strided
                                           ConvCase{0, 2, 5, 5, 7, 7, 1, 1, 1, 1, 2},      // padded, 5x5
                                           ConvCase{0, 2, 3, 3, 112, 112, 1, 1, 1, 1, 1},  // padded, banded
                                           ConvCase{0, 2, 3, 3, 5, 6, 3, 3, 1, 1, 1},      // padded, stride 3
                                           // padded, stride 2 split into phases: odd sizes, 5x5, two bands
                                           ConvCase{0, 3, 3, 3, 57, 61, 2, 2, 1, 1, 1},
                                           ConvCase{0, 2, 5, 5, 60, 98, 2, 2, 1, 1, 2},
                                           ConvCase{0, 2, 3, 3, 400, 50, 2, 2, 1, 1, 1}));

/// The channels-last depthwise kernel on a case, with channel pitch `pitch` >= channels (a workgroup's
/// share of a wider tensor) and accumulation on or off, against plain loops. The image ends at a guard page.
class DepthwiseChannelsLast : public ::testing::TestWithParam<std::tuple<ConvCase, int64_t, bool>> {};

TEST_P(DepthwiseChannelsLast, MatchesLoops) {
  const auto [p, extra, accumulate] = GetParam();
  const ImageSize image(p);
  const int64_t h = image.h, w = image.w, c = p.channels, pitch = c + extra;
  std::vector<float> x = randomVector(h * w * pitch, 16), wt = randomVector(p.kh * p.kw * pitch, 17);
  std::vector<float> y = randomVector(p.oh * p.ow * pitch, 18), want = y;
  for (int64_t i = 0; i < p.oh; ++i)
    for (int64_t j = 0; j < p.ow; ++j)
      for (int64_t ch = 0; ch < c; ++ch) {
        double sum = accumulate ? y[(i * p.ow + j) * pitch + ch] : 0.0;
        for (int64_t r = 0; r < p.kh; ++r)
          for (int64_t s = 0; s < p.kw; ++s) {
            int64_t row = i * p.sh + r * p.dh - p.pad, col = j * p.sw + s * p.dw - p.pad;
            if (row >= 0 && row < h && col >= 0 && col < w)
              sum += double(wt[(r * p.kw + s) * pitch + ch]) * x[(row * w + col) * pitch + ch];
          }
        want[(i * p.ow + j) * pitch + ch] = float(sum);
      }
  Guarded guardedX(x), scratch = workspace(TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES);
  tsr_ukernel_depthwise_conv2d_nhwc_f32(c, p.kh, p.kw, p.oh, p.ow, p.sh, p.sw, p.dh, p.dw, guardedX.address(), 0,
                                        w * pitch, pitch, h, w, -p.pad, -p.pad, address(wt), 0, p.kw * pitch, pitch,
                                        address(y), 0, p.ow * pitch, pitch, scratch.address(), accumulate);
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], want[i], 1e-4) << "element " << i;
}

// Channels in whole groups of 16 and a partial group; images with padding, strides and dilations; 3x3,
// 5x5 and 7x7 filters and ConvNeXt's 7x7 layers; rows too wide for the blocked path's buffers (the loops
// that remain, with a scalar channel tail).
INSTANTIATE_TEST_SUITE_P(
    Geometries, DepthwiseChannelsLast,
    ::testing::Combine(::testing::Values(ConvCase{0, 16, 3, 3, 5, 9, 1, 1, 1, 1},
                                         ConvCase{0, 32, 3, 3, 7, 7, 2, 2, 1, 1, 1},
                                         ConvCase{0, 21, 5, 5, 9, 11, 1, 1, 2, 2},
                                         ConvCase{0, 3, 3, 3, 4, 4, 1, 1, 1, 1, 1},
                                         ConvCase{0, 48, 7, 7, 14, 14, 1, 1, 1, 1, 3},
                                         ConvCase{0, 96, 7, 7, 7, 7, 1, 1, 1, 1, 3},
                                         ConvCase{0, 32, 5, 5, 10, 19, 1, 1, 1, 1, 2},
                                         ConvCase{0, 16, 3, 3, 6, 9, 2, 1, 1, 1, 1},
                                         ConvCase{0, 17, 3, 3, 2, 1100, 1, 1, 1, 1, 1},
                                         ConvCase{0, 16, 3, 2, 6, 17, 1, 3, 1, 1, 1}),
                       ::testing::Values(0, 16), ::testing::Bool()));

/// A depthwise case for the channel-blocked path (groups of 16 channels in the vector lanes): the image
/// and where the windows start in it, row and output pitches, accumulation and the weights' layout.
struct DepthwiseCase {
  int64_t channels, kh, kw, oh, ow, sh, sw, dh, dw;
  int64_t height, width, row0, col0;  // the image, and where the windows start in it (minus the pads)
  int64_t rowPitch = 0;               // x_h when larger than the row (0: packed rows)
  int64_t outPitch = 0;               // y_h when larger than the output row (0: packed rows)
  bool accumulate = false;
  bool channelsLast = false;          // weights as [kh][kw][channels] instead of [channels][kh][kw]
};

class DepthwiseBlocked : public ::testing::TestWithParam<DepthwiseCase> {};

TEST_P(DepthwiseBlocked, MatchesLoops) {
  const DepthwiseCase p = GetParam();
  const int64_t xh = p.rowPitch ? p.rowPitch : p.width, yh = p.outPitch ? p.outPitch : p.ow;
  // Gaps after every plane; the elements outside the image (row and plane gaps) are NaN, so reading one
  // into a result shows.
  const int64_t xc = p.height * xh + 5, yc = p.oh * yh + 3;
  std::vector<float> x(p.channels * xc, std::numeric_limits<float>::quiet_NaN());
  const std::vector<float> image = randomVector(p.channels * p.height * p.width, 11);
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t r = 0; r < p.height; ++r)
      for (int64_t s = 0; s < p.width; ++s) x[c * xc + r * xh + s] = image[(c * p.height + r) * p.width + s];
  const std::vector<float> wt = randomVector(p.channels * p.kh * p.kw, 12);
  const int64_t w_c = p.channelsLast ? 1 : p.kh * p.kw, w_h = p.channelsLast ? p.kw * p.channels : p.kw,
                w_w = p.channelsLast ? p.channels : 1;
  // Every element of y starts random: the outputs accumulate onto it or are overwritten, the others
  // (row and plane gaps) must stay as they are.
  const std::vector<float> y0 = randomVector(p.channels * yc, 13);
  std::vector<float> want = y0;
  for (int64_t c = 0; c < p.channels; ++c)
    for (int64_t i = 0; i < p.oh; ++i)
      for (int64_t j = 0; j < p.ow; ++j) {
        double sum = p.accumulate ? y0[c * yc + i * yh + j] : 0.0;
        for (int64_t r = 0; r < p.kh; ++r)
          for (int64_t s = 0; s < p.kw; ++s) {
            const int64_t row = i * p.sh + r * p.dh + p.row0, col = j * p.sw + s * p.dw + p.col0;
            if (row >= 0 && row < p.height && col >= 0 && col < p.width)
              sum += double(wt[c * w_c + r * w_h + s * w_w]) * x[c * xc + row * xh + col];
          }
        want[c * yc + i * yh + j] = float(sum);
      }
  Guarded scratch = workspace(TSR_UKERNEL_DEPTHWISE_WORKSPACE_BYTES);
  auto run = [&](intptr_t xAddress) {
    std::vector<float> y = y0;
    tsr_ukernel_depthwise_conv2d_nchw_f32(p.channels, p.kh, p.kw, p.oh, p.ow, p.sh, p.sw, p.dh, p.dw, xAddress, 0,
                                          xc, xh, 1, p.height, p.width, p.row0, p.col0, address(wt), 0, w_c, w_h, w_w,
                                          address(y), 0, yc, yh, scratch.address(), p.accumulate);
    for (size_t k = 0; k < y.size(); ++k) {
      const int64_t c = k / yc, row = k % yc / yh, col = k % yc % yh;
      if (row < p.oh && col < p.ow)
        ASSERT_NEAR(y[k], want[k], 1e-4) << "channel " << c << " output (" << row << ", " << col << ")";
      else
        ASSERT_EQ(y[k], want[k]) << "element " << k << " outside the outputs";
    }
  };
  // The image against a guard page at its end, then at its start; register blockings for AVX-512 (32
  // vectors of 16 floats) and for AVX2 (8).
  for (int32_t registers : {32, 8}) {
    SCOPED_TRACE(testing::Message() << registers << " vector registers");
    tsr_ukernel_vector_registers = registers;
    {
      SCOPED_TRACE("guard page after the input");
      Guarded guardedX(x);
      run(guardedX.address());
    }
    {
      SCOPED_TRACE("guard page before the input");
      Guarded guardedX(x, GuardAt::Front);
      run(guardedX.address());
    }
  }
  tsr_ukernel_vector_registers = 32;
}

// Groups of 16 channels in the vector lanes: full groups and last groups of 1 (left to the plane path), 6
// and 8 channels; 3x3, 5x5 and 7x7 filters at strides 1 and 2 (with AVX-512: register blocks of 16
// stored straight into the planes, of 14 where they divide the rows, of 8 or of 4; with AVX2 all of 4),
// other strides and dilations; padding, windows inside the image, strided input rows and output rows;
// bands of rows in a ring, narrow planes packed across rows, tiny planes, and views too wide for the
// buffers (left to the plane path).
INSTANTIATE_TEST_SUITE_P(
    Geometries, DepthwiseBlocked,
    ::testing::Values(DepthwiseCase{16, 3, 3, 7, 7, 1, 1, 1, 1, 7, 7, -1, -1},                    // MobileNet 7x7
                      DepthwiseCase{17, 3, 3, 14, 14, 1, 1, 1, 1, 14, 14, -1, -1, 0, 0, true},     // tail of 1
                      DepthwiseCase{22, 5, 5, 14, 14, 1, 1, 1, 1, 14, 14, -2, -2},                 // tail of 6
                      DepthwiseCase{40, 3, 3, 28, 28, 2, 2, 1, 1, 56, 56, -1, -1, 0, 0, true},     // tail of 8
                      DepthwiseCase{32, 3, 3, 112, 112, 1, 1, 1, 1, 112, 112, -1, -1},
                      DepthwiseCase{16, 3, 3, 56, 56, 2, 2, 1, 1, 112, 112, -1, -1},
                      DepthwiseCase{16, 3, 3, 28, 28, 1, 1, 1, 1, 28, 28, -1, -1},                 // bands
                      DepthwiseCase{16, 5, 5, 14, 14, 2, 2, 1, 1, 28, 28, -1, -2},                 // asymmetric
                      DepthwiseCase{16, 5, 5, 7, 7, 1, 1, 1, 1, 7, 7, -2, -2, 0, 0, true},
                      DepthwiseCase{16, 7, 7, 7, 7, 1, 1, 1, 1, 7, 7, -3, -3},                     // ConvNeXt
                      DepthwiseCase{16, 7, 7, 28, 28, 1, 1, 1, 1, 28, 28, -3, -3, 0, 0, true},
                      DepthwiseCase{16, 7, 7, 9, 11, 2, 2, 1, 1, 20, 23, -3, -3},
                      DepthwiseCase{16, 3, 5, 9, 10, 1, 1, 1, 1, 9, 10, -1, -2},                   // 3x5
                      DepthwiseCase{16, 3, 3, 10, 12, 1, 1, 1, 1, 20, 30, 4, 5},                   // inside
                      DepthwiseCase{16, 5, 5, 6, 7, 2, 2, 1, 1, 20, 30, 3, 2},                     // inside
                      DepthwiseCase{18, 3, 3, 9, 11, 1, 1, 1, 1, 9, 11, -1, -1, 16, 13},           // pitches
                      DepthwiseCase{16, 7, 7, 12, 5, 2, 1, 1, 1, 24, 6, -3, -3, 9, 0, true},       // pitched
                      DepthwiseCase{16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1},                     // 1x1
                      DepthwiseCase{16, 3, 3, 2, 3, 2, 2, 1, 1, 4, 6, -1, -1, 0, 0, true},         // 2x3
                      DepthwiseCase{16, 3, 3, 6, 6, 1, 1, 1, 1, 4, 4, -3, -2},                     // pad rows
                      DepthwiseCase{16, 3, 3, 3, 6, 1, 1, 1, 1, 8, 6, 2, -1, 0, 0, true},          // rows inside
                      DepthwiseCase{16, 3, 3, 10, 10, 1, 1, 2, 2, 10, 10, -2, -2},                 // dilated
                      DepthwiseCase{16, 3, 3, 5, 6, 3, 3, 1, 1, 15, 18, -1, -1},                   // stride 3
                      DepthwiseCase{16, 1, 1, 7, 7, 2, 2, 1, 1, 14, 14, 0, 0},                     // rows skipped
                      DepthwiseCase{32, 3, 3, 14, 14, 1, 1, 1, 1, 14, 14, -1, -1, 0, 0, false, true},
                      DepthwiseCase{16, 3, 3, 5, 32, 1, 1, 1, 1, 5, 32, -1, -1, 40, 35, true},     // pitched
                      DepthwiseCase{16, 7, 7, 4, 16, 1, 1, 1, 1, 4, 16, -3, -3},
                      DepthwiseCase{20, 5, 5, 3, 16, 2, 2, 1, 1, 6, 32, -2, -2, 0, 0, true},
                      DepthwiseCase{16, 5, 5, 4, 4, 1, 1, 1, 1, 4, 4, -2, -2, 0, 6},               // 4 wide
                      DepthwiseCase{16, 3, 3, 4, 300, 1, 1, 1, 1, 4, 300, -1, -1},                 // wide rows
                      DepthwiseCase{16, 7, 7, 2, 1000, 1, 1, 1, 1, 2, 1000, -3, -3}));             // too wide

class MaxPool : public ::testing::TestWithParam<ConvCase> {};

TEST_P(MaxPool, MatchesLoops) {
  const ConvCase p = GetParam();
  const auto [accumulate, channels, kh, kw, oh, ow, sh, sw, dh, dw, unusedPad] = p;
  (void)unusedPad;
  const ImageSize image(p);
  const int64_t h = image.h, w = image.w;
  std::vector<float> x = randomVector(channels * h * w, 9);
  x[3] = std::numeric_limits<float>::quiet_NaN();  // propagates like arith.maximumf
  std::vector<float> y = randomVector(channels * oh * ow, 10), want = y;
  forEachOutput(p, want, [&, accumulate = accumulate, kh = kh, kw = kw, dh = dh, dw = dw](int64_t c, int64_t row,
                                                                                         int64_t col, float out) {
    float m = accumulate ? out : -std::numeric_limits<float>::infinity();
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s) {
        float v = x[(c * h + row + r * dh) * w + col + s * dw];
        m = std::isnan(v) || std::isnan(m) ? std::numeric_limits<float>::quiet_NaN() : std::max(m, v);
      }
    return m;
  });
  Guarded guardedX(x);
  tsr_ukernel_max_pool2d_nchw_f32(channels, kh, kw, oh, ow, sh, sw, dh, dw, guardedX.address(), 0, h * w, w, 1,
                                  address(y), 0, oh * ow, ow, static_cast<int32_t>(accumulate));
  for (size_t i = 0; i < y.size(); ++i) {
    if (std::isnan(want[i]))
      ASSERT_TRUE(std::isnan(y[i])) << "element " << i;
    else
      ASSERT_EQ(y[i], want[i]) << "element " << i;
  }
}

// The first field says whether the output is max-accumulated. Strides 1 and 2 take the separable path
// (rows of at least 16 outputs: whole vectors, a last vector overlapping, several bands of rows) or the
// flattened path (shorter rows); stride 3 the loop per element.
INSTANTIATE_TEST_SUITE_P(Geometries, MaxPool,
                         ::testing::Values(ConvCase{0, 3, 3, 3, 55, 55, 2, 2, 1, 1},
                                           ConvCase{1, 2, 3, 3, 17, 40, 2, 2, 1, 1},
                                           ConvCase{0, 2, 2, 2, 5, 32, 1, 1, 1, 1},
                                           ConvCase{1, 1, 3, 3, 300, 100, 1, 1, 1, 1},
                                           ConvCase{0, 2, 3, 2, 9, 20, 2, 2, 2, 3},
                                           ConvCase{1, 2, 3, 3, 7, 7, 2, 2, 1, 1},
                                           ConvCase{0, 2, 2, 2, 9, 13, 1, 1, 1, 1},
                                           ConvCase{0, 2, 3, 3, 4, 5, 3, 3, 1, 1},
                                           ConvCase{1, 1, 3, 2, 6, 6, 1, 2, 2, 1}));

struct WinogradCase {
  int64_t filters, channels, oh, ow;
  int64_t height, width, row0, col0;  // the image, and where the windows start in it (minus the pads)
  int64_t rowPitch = 0;               // x_h when larger than the row (0: packed rows)
  int64_t colStride = 1;              // x_w
  bool accumulate = false;
};

/// (G w G^T)[a][b] for one 3x3 filter, G the F(4x4, 3x3) filter transform (points 0, +-1, +-2, infinity):
/// what the compiler stores as U(6a + b, f, c).
std::vector<double> winogradFilter(const float* w) {
  static const double g[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  double gw[6][3] = {};
  for (int a = 0; a < 6; ++a)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) gw[a][j] += g[a][k] * w[k * 3 + j];
  std::vector<double> u(36, 0.0);
  for (int a = 0; a < 6; ++a)
    for (int b = 0; b < 6; ++b)
      for (int j = 0; j < 3; ++j) u[a * 6 + b] += gw[a][j] * g[b][j];
  return u;
}

class Winograd : public ::testing::TestWithParam<WinogradCase> {};

TEST_P(Winograd, MatchesDirectConvolution) {
  const WinogradCase p = GetParam();
  const int64_t xw = p.colStride, xh = std::max(p.rowPitch, (p.width - 1) * xw + 1), xc = p.height * xh;
  // The image ends right before a guard page (its last element is the last one stored).
  std::vector<float> x = randomVector((p.channels - 1) * xc + (p.height - 1) * xh + (p.width - 1) * xw + 1, 11);
  std::vector<float> w = randomVector(p.filters * p.channels * 9, 12);
  // U with padded strides and an offset; it too ends at a guard page.
  const int64_t uF = p.channels + 3, uT = p.filters * uF + 5, uOffset = 7;
  std::vector<float> u(uOffset + 35 * uT + (p.filters - 1) * uF + p.channels, 0.0f);
  for (int64_t f = 0; f < p.filters; ++f)
    for (int64_t c = 0; c < p.channels; ++c) {
      std::vector<double> t = winogradFilter(&w[(f * p.channels + c) * 9]);
      for (int64_t i = 0; i < 36; ++i) u[uOffset + i * uT + f * uF + c] = float(t[i]);
    }
  // y has padded rows and filter planes: what lies outside the oh x ow outputs must stay untouched.
  const int64_t yH = p.ow + 5, yF = p.oh * yH + 9, yOffset = 3;
  std::vector<float> y = randomVector(yOffset + p.filters * yF, 13), want = y;
  auto at = [&](int64_t c, int64_t r, int64_t s) {
    return r < 0 || r >= p.height || s < 0 || s >= p.width ? 0.0 : double(x[c * xc + r * xh + s * xw]);
  };
  std::vector<double> bound(y.size(), -1.0);  // the sum of |terms| of each output; -1 elsewhere
  for (int64_t f = 0; f < p.filters; ++f)
    for (int64_t i = 0; i < p.oh; ++i)
      for (int64_t j = 0; j < p.ow; ++j) {
        const int64_t o = yOffset + f * yF + i * yH + j;
        double sum = p.accumulate ? want[o] : 0.0, magnitude = std::abs(sum);
        for (int64_t c = 0; c < p.channels; ++c)
          for (int64_t r = 0; r < 3; ++r)
            for (int64_t s = 0; s < 3; ++s) {
              double term = w[((f * p.channels + c) * 3 + r) * 3 + s] * at(c, p.row0 + i + r, p.col0 + j + s);
              sum += term;
              magnitude += std::abs(term);
            }
        want[o] = float(sum);
        bound[o] = magnitude;
      }
  Guarded guardedX(x), guardedU(u);
  Guarded ws = workspace(TSR_UKERNEL_WINOGRAD_WORKSPACE_BYTES);
  tsr_ukernel_conv2d_winograd_f43_nchw_f32(p.filters, p.channels, p.oh, p.ow, guardedX.address(), 0, xc, xh, xw,
                                           p.height, p.width, p.row0, p.col0, guardedU.address(), uOffset, uT, uF,
                                           address(y), yOffset, yF, yH, ws.address(), p.accumulate);
  for (size_t i = 0; i < y.size(); ++i) {
    if (bound[i] < 0.0)
      ASSERT_EQ(y[i], want[i]) << "element " << i << " (outside the outputs)";
    else
      ASSERT_NEAR(y[i], want[i], 1e-4 * bound[i] + 1e-6) << "element " << i;
  }
}

// Padded layers, filters and channels off the register tile and the chunk, partial tiles, slices of rows,
// strided rows and columns, several tile blocks and channel chunks. The image and U end at guard pages.
INSTANTIATE_TEST_SUITE_P(
    Geometries, Winograd,
    ::testing::Values(WinogradCase{64, 64, 14, 14, 14, 14, -1, -1},             // resnet-like, pad 1
                      WinogradCase{13, 70, 26, 26, 26, 26, -1, -1},             // filter tails, 2 chunks of 35
                      WinogradCase{9, 5, 7, 9, 7, 9, -1, -1},                   // partial tiles
                      WinogradCase{8, 8, 8, 12, 16, 12, 3, -1},                 // output rows 4..11
                      WinogradCase{16, 3, 12, 12, 12, 12, -1, -1, 0, 1, true},  // accumulate
                      WinogradCase{11, 6, 11, 13, 13, 15, 0, 0, 21},            // unpadded, x_h > width
                      WinogradCase{16, 96, 30, 30, 30, 30, -1, -1},             // 64 tiles, 2 chunks
                      WinogradCase{5, 4, 9, 10, 11, 30, -2, 22, 0, 2},          // x_w 2, column slice
                      WinogradCase{3, 130, 21, 70, 21, 70, -1, -1, 0, 1, true}, // 3 chunks, 16+ tile rows
                      WinogradCase{4, 3, 6, 90, 8, 92, 0, 0, 97},               // 16 tiles inside the image
                      WinogradCase{1, 1, 1, 1, 3, 3, 0, 0}));                   // one output

}  // namespace
