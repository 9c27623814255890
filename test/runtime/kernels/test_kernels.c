/* Small hand-written kernels with the Tessera CPU kernel ABI, compiled into a shared object that the tests
 * embed as an artifact's CPU_CODE section. Each splits its elements across workgroup x in chunks of
 * constants[0] elements. */
#include <stdint.h>
#include <time.h>

#include "tessera/kernel_abi.h"

#define EXPORT __attribute__((visibility("default")))

static void chunk(const tsr_dispatch_state* d, const tsr_workgroup_state* w, uint64_t n, uint64_t* begin,
                  uint64_t* end) {
  uint64_t per = d->constant_count ? d->constants[0] : n;
  *begin = (uint64_t)w->workgroup_id[0] * per;
  *end = *begin + per < n ? *begin + per : n;
}

/* Whether the first `count` bindings are float arrays at least as long as the last one (the output), so that a
 * forged dispatch makes these kernels fail instead of reading out of bounds (the loader fuzzer runs them). */
static int floats_ok(const tsr_dispatch_state* d, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i)
    if ((uintptr_t)d->bindings[i] % 4 || d->binding_lengths[i] < d->binding_lengths[count - 1]) return 0;
  return 1;
}

/* bindings: a, b, out (float32); out = a + b */
EXPORT int add_f32(const tsr_kernel_env* env, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)env;
  if (d->binding_count != 3 || !floats_ok(d, 3)) return 1;
  const float* a = (const float*)d->bindings[0];
  const float* b = (const float*)d->bindings[1];
  float* out = (float*)d->bindings[2];
  uint64_t begin, end;
  chunk(d, w, d->binding_lengths[2] / 4, &begin, &end);
  for (uint64_t i = begin; i < end; ++i) out[i] = a[i] + b[i];
  return 0;
}

/* bindings: x, weights (constant), out (float32); out = x * weights */
EXPORT int scale_f32(const tsr_kernel_env* env, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)env;
  if (d->binding_count != 3 || !floats_ok(d, 3)) return 1;
  const float* x = (const float*)d->bindings[0];
  const float* s = (const float*)d->bindings[1];
  float* out = (float*)d->bindings[2];
  uint64_t begin, end;
  chunk(d, w, d->binding_lengths[2] / 4, &begin, &end);
  for (uint64_t i = begin; i < end; ++i) out[i] = x[i] * s[i];
  return 0;
}

/* bindings: x, out (float32 [rows, 4]); constants[0] = rows (a dynamic dim), one workgroup per row;
 * out = x * 2 + 1. Checks everything it is given, so a wrong size from the runtime shows up as an error. */
EXPORT int rows_affine_f32(const tsr_kernel_env* env, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)env;
  if (d->binding_count != 2 || d->constant_count < 1) return 1;
  uint64_t rows = d->constants[0], row = w->workgroup_id[0];
  if (rows * 16 > d->binding_lengths[0] || rows * 16 > d->binding_lengths[1]) return 2;
  if ((uintptr_t)d->bindings[0] % 4 || (uintptr_t)d->bindings[1] % 4) return 2;
  if (row >= rows || d->workgroup_count[0] != rows || d->workgroup_count[1] != 1 || d->workgroup_count[2] != 1)
    return 3;
  const float* x = (const float*)d->bindings[0] + row * 4;
  float* out = (float*)d->bindings[1] + row * 4;
  for (int j = 0; j < 4; ++j) out[j] = x[j] * 2 + 1;
  return 0;
}

/* Fails on workgroup x == 1 with code 7, to test error reporting. */
EXPORT int fail_on_second(const tsr_kernel_env* env, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)env;
  (void)d;
  return w->workgroup_id[0] == 1 ? 7 : 0;
}

/* binding 0: uint32 log; appends (x | y << 8 | z << 16) per call, so tests can check the visiting order.
 * The counter restarts at workgroup (0,0,0). */
EXPORT int record_order(const tsr_kernel_env* env, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  static uint32_t next;
  (void)env;
  const uint32_t* id = w->workgroup_id;
  if (!id[0] && !id[1] && !id[2]) next = 0;
  if ((uint64_t)(next + 1) * 4 > d->binding_lengths[0]) return 2;
  ((uint32_t*)d->bindings[0])[next++] = id[0] | id[1] << 8 | id[2] << 16;
  return 0;
}

static void spin_us(uint32_t us) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do clock_gettime(CLOCK_MONOTONIC, &t);
  while ((t.tv_sec - t0.tv_sec) * 1000000000ll + (t.tv_nsec - t0.tv_nsec) < (long long)us * 1000);
}

/* binding 0: uint32 log with one slot per workgroup (x fastest, then y, z), filled with 0xffffffff by the
 * caller; each workgroup writes the worker_id that ran it, then spins constants[0] microseconds so that a
 * dispatch lasts long enough for every thread to join. With constants[1] != 0 it also checks its scratch: the
 * size must be constants[1] and the region 64-byte aligned, and the worker's id written over it before the spin
 * must be intact after it (a region shared with another thread would show). Returns 4 for a workgroup run
 * twice, 5 for clobbered scratch, 6 for a bad scratch size or alignment. */
EXPORT int record_worker(const tsr_kernel_env* env, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)env;
  if (d->binding_count != 1 || d->constant_count < 2) return 1;
  const uint32_t* id = w->workgroup_id;
  uint64_t slot = id[0] + (uint64_t)d->workgroup_count[0] * (id[1] + (uint64_t)d->workgroup_count[1] * id[2]);
  if ((slot + 1) * 4 > d->binding_lengths[0]) return 2;
  uint32_t* log = (uint32_t*)d->bindings[0];
  if (log[slot] != 0xffffffffu) return 4;
  log[slot] = w->worker_id;
  uint32_t* scratch = (uint32_t*)w->scratch;
  uint64_t words = w->scratch_size / 4;
  if (d->constants[1]) {
    if (w->scratch_size != d->constants[1] || !scratch || (uintptr_t)scratch % 64) return 6;
    for (uint64_t i = 0; i < words; ++i) scratch[i] = w->worker_id;
  }
  spin_us(d->constants[0]);
  if (d->constants[1])
    for (uint64_t i = 0; i < words; ++i)
      if (scratch[i] != w->worker_id) return 5;
  return 0;
}

/* Fails with code 11 on every workgroup x >= constants[0]; the others spin constants[1] microseconds. */
EXPORT int fail_from(const tsr_kernel_env* env, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)env;
  if (d->constant_count < 2) return 1;
  if (w->workgroup_id[0] >= d->constants[0]) return 11;
  spin_us(d->constants[1]);
  return 0;
}

/* Distinguishes two builds of this file: the loader must never confuse one with the other. */
#ifdef TSR_TEST_VARIANT
EXPORT int variant_only(const tsr_kernel_env* e, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)e, (void)d, (void)w;
  return 0;
}
#else
EXPORT int plain_only(const tsr_kernel_env* e, const tsr_dispatch_state* d, const tsr_workgroup_state* w) {
  (void)e, (void)d, (void)w;
  return 0;
}
#endif
