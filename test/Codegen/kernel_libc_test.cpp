// The kernels' own memcpy, memmove and memset (codegen/cpu/ukernels/memory.c, linked into every x86-64
// artifact) against byte-by-byte references: every length around the 64-byte vector step, misaligned
// starts, and overlapping moves in both directions.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" {
void* tsr_test_memcpy(void* d, const void* s, size_t n);
void* tsr_test_memmove(void* d, const void* s, size_t n);
void* tsr_test_memset(void* d, int c, size_t n);
}

namespace {

std::vector<unsigned char> pattern(size_t n) {
  std::vector<unsigned char> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>(i * 7 + 3);
  return v;
}

TEST(KernelLibc, CopyAndFillEveryLengthAndAlignment) {
  for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(65), size_t(127), size_t(200), size_t(1000)})
    for (size_t at : {size_t(0), size_t(1), size_t(13)}) {
      std::vector<unsigned char> src = pattern(n + 64), dst(n + 64, 0xAA), want = dst;
      for (size_t i = 0; i < n; ++i) want[at + i] = src[at + 3 + i];
      EXPECT_EQ(tsr_test_memcpy(dst.data() + at, src.data() + at + 3, n), dst.data() + at);
      EXPECT_EQ(dst, want) << "memcpy of " << n << " bytes at " << at;
      std::vector<unsigned char> fill(n + 64, 0x11), fillWant = fill;
      for (size_t i = 0; i < n; ++i) fillWant[at + i] = 0xC3;
      EXPECT_EQ(tsr_test_memset(fill.data() + at, 0x1C3, n), fill.data() + at); // only the low byte counts
      EXPECT_EQ(fill, fillWant) << "memset of " << n << " bytes at " << at;
    }
}

TEST(KernelLibc, MoveOverlappingBothWays) {
  for (size_t n : {size_t(5), size_t(64), size_t(100), size_t(300)})
    for (ptrdiff_t shift : {-65, -64, -3, -1, 1, 3, 64, 65}) {
      std::vector<unsigned char> buf = pattern(n + 200), want = buf;
      const size_t from = 100, to = static_cast<size_t>(100 + shift);
      std::vector<unsigned char> moved(buf.begin() + from, buf.begin() + from + n);
      for (size_t i = 0; i < n; ++i) want[to + i] = moved[i];
      tsr_test_memmove(buf.data() + to, buf.data() + from, n);
      EXPECT_EQ(buf, want) << "memmove of " << n << " bytes by " << shift;
    }
}

} // namespace
