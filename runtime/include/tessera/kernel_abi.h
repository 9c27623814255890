/* Tessera CPU kernel ABI: the one calling convention every generated CPU kernel uses.
 *
 * A kernel is `int fn(const tsr_kernel_env*, const tsr_dispatch_state*, const tsr_workgroup_state*)`.
 * It has the same shape as a Vulkan dispatch: bindings (buffers), push-style constants, a 3-D workgroup
 * grid. The runtime calls it once per workgroup id; calls for different ids may run concurrently. A kernel
 * returns 0 on success, or a TSR_KERNEL_ERROR_* code. Shapes are not part of the signature: static dims are compiled in, dynamic dims
 * arrive as constants, so the ABI does not depend on tensor rank. Bindings are row-major and dense;
 * a kernel's first constants are the dynamic dims of its bindings, in binding order then dim order,
 * followed by its scalar arguments (values computed on the host, e.g. from shape operands). */
/* Tessera SPIR-V kernel ABI (executables whose code_section is TSR_SECTION_SPIRV, run by the Vulkan executor).
 * The same dispatch as above, mapped onto one vkCmdDispatch:
 *   - entry point: the export's symbol, execution model GLCompute; its local size is the export's
 *     workgroup_size, set in the module by the compiler (the runtime does not specialize it);
 *   - bindings: descriptor set 0, binding i = dispatch binding i, a storage buffer
 *     (VK_DESCRIPTOR_TYPE_STORAGE_BUFFER) covering exactly that binding's byte range; a zero-length binding
 *     is bound to a small buffer whose contents are unspecified (kernels must not read past a binding's length);
 *   - status: descriptor set 0, binding binding_count (after the dispatch's own) is a storage buffer whose first
 *     u32 the executor zeroes before the dispatch and reads after it; a kernel whose run-time check fails (an
 *     index outside its dim) stores its TSR_KERNEL_ERROR_* code there. Kernels without checks or constants
 *     do not declare it;
 *   - parameters: when constant_count > 0, the status word is followed in that binding by the dispatch's u32
 *     constants[constant_count], in the same order as for CPU kernels, then the byte length of each binding
 *     (u32, binding order): 4 * (1 + constant_count + binding_count) bytes in all; a kernel of run-time shape
 *     checks its bindings against its dims with them. The executor writes them before each submission, so
 *     command buffers recorded once stay valid when they change (no push constants);
 *   - grid: vkCmdDispatch(workgroup_count[0], workgroup_count[1], workgroup_count[2]); with parameters, the
 *     executor may dispatch indirectly, the same counts read from its own memory.
 * A SPIR-V kernel must stay inside its bindings on its own (indices clamped, bounds checked against the constants
 * it is given): a failed check reports through the status word, it does not stop the kernel. */
#ifndef TESSERA_KERNEL_ABI_H
#define TESSERA_KERNEL_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TSR_KERNEL_ABI_VERSION 2u

/* Process-wide services a kernel may use. Reserved; kernels must not rely on any field yet. */
typedef struct tsr_kernel_env {
  uint32_t abi_version;
  uint32_t reserved;
} tsr_kernel_env;

/* Everything constant across the workgroups of one dispatch. Field order is ABI: codegen indexes it. */
typedef struct tsr_dispatch_state {
  uint32_t workgroup_count[3];
  uint32_t constant_count;
  const uint32_t* constants;
  uint32_t binding_count;
  uint32_t reserved;
  void* const* bindings;            /* binding_count base pointers, already offset */
  const uint64_t* binding_lengths;  /* byte length of each binding */
} tsr_dispatch_state;

/* Per-invocation state: which workgroup this call computes and the worker's scratch memory. */
typedef struct tsr_workgroup_state {
  uint32_t workgroup_id[3];
  uint32_t worker_id;
  void* scratch;
  uint64_t scratch_size;
} tsr_workgroup_state;

/* What a kernel's nonzero return means. Codes from 1 to 255 are value errors (the inputs' values are
 * wrong, not the artifact); other nonzero codes are failures of the kernel itself. */
#define TSR_KERNEL_ERROR_INDEX_OUT_OF_RANGE 1 /* an index outside the dim it indexes (Gather, scatters) */
#define TSR_KERNEL_ERROR_DIVISION_BY_ZERO 2   /* an integer Div or Mod by zero */
/* The dispatch does not match what the kernel was compiled for: fewer bindings or constants than it
 * reads, a binding shorter than its tensor, or a workgroup id outside its grid (a forged or corrupt
 * schedule). Checked on entry, before the kernel touches any binding. */
#define TSR_KERNEL_ERROR_DISPATCH_MISMATCH 256

typedef int (*tsr_kernel_fn)(const tsr_kernel_env* env, const tsr_dispatch_state* dispatch,
                             const tsr_workgroup_state* workgroup);

#ifdef __cplusplus
}
#endif
#endif /* TESSERA_KERNEL_ABI_H */
