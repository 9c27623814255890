/* memcpy, memmove and memset for the kernels' shared object. The code generator turns the copies and fills
 * it does not inline into calls of these. The shared object is linked without libc, so its references are
 * unversioned, and the dynamic loader binds unversioned references to glibc's oldest versions (memcpy
 * GLIBC_2.2.5: an SSE2 memmove, 16 bytes at a time). Defined here with hidden visibility, every kernel calls
 * these instead, compiled with the kernels for the artifact's CPU (whole 512-bit vectors on AVX-512).
 * `no_builtin` keeps the compiler from turning their loops back into calls of themselves. */
#include <stddef.h>
#include <stdint.h>

#define TSR_LIBC __attribute__((visibility("hidden"), used, no_builtin))

typedef unsigned char v64b __attribute__((vector_size(64), aligned(1)));
typedef unsigned char v32b __attribute__((vector_size(32), aligned(1)));
typedef unsigned char v16b __attribute__((vector_size(16), aligned(1)));
typedef uint64_t u64u __attribute__((aligned(1)));
typedef uint32_t u32u __attribute__((aligned(1)));
typedef uint16_t u16u __attribute__((aligned(1)));

/* Copies of n < 64 bytes as two overlapping moves of the largest size that fits (both loaded before
 * either is stored, so overlapping ranges are fine too). */
static inline __attribute__((always_inline)) void copy_small(unsigned char* d, const unsigned char* s, size_t n) {
  if (n >= 32) {
    v32b a = *(const v32b*)s, b = *(const v32b*)(s + n - 32);
    *(v32b*)d = a, *(v32b*)(d + n - 32) = b;
  } else if (n >= 16) {
    v16b a = *(const v16b*)s, b = *(const v16b*)(s + n - 16);
    *(v16b*)d = a, *(v16b*)(d + n - 16) = b;
  } else if (n >= 8) {
    uint64_t a = *(const u64u*)s, b = *(const u64u*)(s + n - 8);
    *(u64u*)d = a, *(u64u*)(d + n - 8) = b;
  } else if (n >= 4) {
    uint32_t a = *(const u32u*)s, b = *(const u32u*)(s + n - 4);
    *(u32u*)d = a, *(u32u*)(d + n - 4) = b;
  } else if (n >= 2) {
    uint16_t a = *(const u16u*)s, b = *(const u16u*)(s + n - 2);
    *(u16u*)d = a, *(u16u*)(d + n - 2) = b;
  } else if (n == 1) {
    *d = *s;
  }
}

TSR_LIBC void* memcpy(void* restrict d, const void* restrict s, size_t n) {
  unsigned char* to = (unsigned char*)d;
  const unsigned char* from = (const unsigned char*)s;
  if (n < 64) {
    copy_small(to, from, n);
    return d;
  }
  v64b last = *(const v64b*)(from + n - 64); /* the tail as one vector overlapping the last whole one */
  for (size_t i = 0; i + 64 < n; i += 64) *(v64b*)(to + i) = *(const v64b*)(from + i);
  *(v64b*)(to + n - 64) = last;
  return d;
}

TSR_LIBC void* memmove(void* d, const void* s, size_t n) {
  unsigned char* to = (unsigned char*)d;
  const unsigned char* from = (const unsigned char*)s;
  if (n < 64) {
    copy_small(to, from, n);
    return d;
  }
  /* The vector at the far end of the copy's direction is loaded first: the loop may overwrite it. */
  if ((uintptr_t)to - (uintptr_t)from >= n) { /* d before s, or no overlap: front to back */
    v64b last = *(const v64b*)(from + n - 64);
    for (size_t i = 0; i + 64 < n; i += 64) *(v64b*)(to + i) = *(const v64b*)(from + i);
    *(v64b*)(to + n - 64) = last;
  } else { /* d inside (s, s + n): back to front */
    v64b first = *(const v64b*)from;
    for (size_t i = n; i > 64; i -= 64) *(v64b*)(to + i - 64) = *(const v64b*)(from + i - 64);
    *(v64b*)to = first;
  }
  return d;
}

TSR_LIBC void* memset(void* d, int c, size_t n) {
  unsigned char* to = (unsigned char*)d;
  v64b fill = (v64b){0} + (unsigned char)c;
  if (n < 64) {
    unsigned char bytes[64] __attribute__((aligned(64)));
    *(v64b*)bytes = fill;
    copy_small(to, bytes, n);
    return d;
  }
  for (size_t i = 0; i + 64 < n; i += 64) *(v64b*)(to + i) = fill;
  *(v64b*)(to + n - 64) = fill;
  return d;
}
