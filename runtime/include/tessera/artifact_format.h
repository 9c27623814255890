/* Tessera artifact container, format version 6. Defined once here and coded once, by the artifact codec
 * (runtime/codec/artifact_codec.h), which the compiler's writer, the runtime's loader and the tests share.
 *
 * Layout (all integers little-endian):
 *   tsr_artifact_header                     (fixed size, at offset 0)
 *   tsr_section_entry[section_count]        (right after the header)
 *   sections, each at its entry's offset, aligned to TSR_SECTION_ALIGNMENT
 *
 * `header_hash` covers the header (with header_hash itself zeroed) and the section table; each section
 * entry's `hash` covers that section's bytes. Hash: tsr_hash64 below (FNV-1a over 64-bit words).
 *
 * Sections:
 *   METADATA  tensor metadata of the model's runtime inputs and outputs, and its dim symbols
 *   SCHEDULE  the host schedule: buffers, executables, steps (a data table, run by every executor)
 *   CPU_CODE  an ELF shared object exporting the CPU executables' entry points (tsr_kernel_fn)
 *   WEIGHTS   constant tensors, each 64-byte aligned inside the section, used in place
 *   SOURCES   optional: the names of the ONNX nodes each schedule step computes (for profiles and messages)
 *   SPIRV     SPIR-V modules, one per export of the executables whose code_section is SPIRV (Vulkan)
 *
 * Encodings inside METADATA and SCHEDULE ("str" = u32 byte length + bytes, no terminator;
 * "ref" = i64 value reference: >= 0 is that literal value, < 0 is the current value of dim symbol
 * (-ref - 1), so sizes, dims and counts can be known only at run time):
 *   METADATA:
 *     u32 symbol_count; symbol_count × { str name; i64 min; i64 max }
 *       the model's dim symbols: input dims named in the model, and values computed by SHAPE steps
 *       (a computed symbol may have a negative min: ONNX shape operands use -1 and 0 as markers)
 *     u32 input_count;  input_count  × tensor
 *     u32 output_count; output_count × tensor
 *     tensor = { str name; u32 dtype (TSR_DTYPE_*); u32 rank; rank × i64 dim; u32 buffer }
 *       dim >= 0 is static; dim < 0 is the symbol with index (-dim - 1). An input dim symbol is bound
 *       from the caller's tensor (the same symbol in two places must agree, and lie in [min, max]);
 *       every other symbol is set by a SHAPE step before it is used.
 *       buffer is the schedule buffer that holds this tensor
 *   SCHEDULE:
 *     u64 arena_size; u32 arena_alignment; u64 scratch_size
 *       scratch_size: the bytes of scratch (tsr_workgroup_state) each thread's CPU kernels use at most; the
 *       session gives every thread at least that much (a kernel checks its share and fails otherwise)
 *     u32 buffer_count; buffer_count × { u32 kind (TSR_BUFFER_*); u32 index; u64 offset; ref size }
 *       INPUT/OUTPUT: index = I/O position, offset 0; CONSTANT: offset into WEIGHTS;
 *       ARENA: offset into the arena (size must be a literal); DYNAMIC: allocated by the session for
 *       each run with the size the ref has then (offset 0)
 *     u32 executable_count; executable_count × executable
 *       executable = { str name; u32 code_section (TSR_SECTION_*: where its code lives, which also
 *                      selects the runtime executor that runs it); u32 export_count; export_count × export }
 *       export     = { str symbol; u32 workgroup_size[3]; u32 workgroup_count[3]; u32 binding_count;
 *                      binding_count × { u32 access (TSR_ACCESS_*); u64 bytes }; u32 constant_count }
 *         the signature every dispatch of the export must match: workgroup_count is the grid the kernel
 *         was compiled for (0 on an axis: any), bytes the length of each binding (0: set by run-time dims)
 *     u32 step_count;   step_count × { u32 kind (TSR_STEP_*); payload }
 *       DISPATCH: u32 executable; u32 export; ref workgroup_count[3]; u32 binding_count;
 *                 binding_count × { u32 buffer; u64 offset; ref length };
 *                 u32 constant_count; constant_count × ref   (each must fit in u32 at run time)
 *       COPY:     u32 src_buffer; u64 src_offset; u32 dst_buffer; u64 dst_offset; ref length
 *       BARRIER:  no payload (all earlier steps complete before later ones start)
 *       TRANSFER: u32 code_section; u32 direction (TSR_TRANSFER_*); u32 buffer; u64 offset; ref length
 *                 the executor of code_section (one whose kernels work on memory of their own: SPIRV) makes its
 *                 copy (TO_DEVICE) or the host's (TO_HOST) of bytes [offset, offset + length) of buffer current;
 *                 the compiler puts one wherever bytes cross between host steps (the caller, CPU kernels, COPY,
 *                 shape reads) and that executor's kernels. An executor whose device works on host memory in
 *                 place may skip them.
 *       SHAPE:    u32 op (TSR_SHAPE_*); u32 symbol; ref a; ref b
 *                 sets dim symbol `symbol` (except CHECK_EQ); an error at run time (bad value,
 *                 division by zero, overflow, out-of-bounds read) fails the run with a message
 *   SOURCES:
 *     u32 step_count (the schedule's); step_count × { u32 name_count; name_count × str node_name }
 *       a step made by no node (a barrier, a copy the planner added) has no names
 *   SPIRV:
 *     u32 module_count; module_count × { str entry_point; u32 word_count; word_count × u32 word }
 *       each module starts with the SPIR-V magic 0x07230203; entry points are distinct. An export of an
 *       executable whose code_section is SPIRV names, in `symbol`, the module with that entry_point; the
 *       module's GLCompute entry point of that name runs it (the SPIR-V kernel ABI is in kernel_abi.h).
 * CPU kernels get the dynamic dims of their bindings as dispatch constants, in binding order, then
 * dim order, followed by their scalar arguments (see kernel_abi.h).
 */
#ifndef TESSERA_ARTIFACT_FORMAT_H
#define TESSERA_ARTIFACT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TSR_ARTIFACT_MAGIC "TESSERA\x1a"
#define TSR_ARTIFACT_MAGIC_SIZE 8
#define TSR_ARTIFACT_FORMAT_VERSION 6u
#define TSR_SECTION_ALIGNMENT 4096u
#define TSR_WEIGHT_ALIGNMENT 64u
#define TSR_SPIRV_MAGIC 0x07230203u

typedef struct tsr_artifact_header {
  char magic[TSR_ARTIFACT_MAGIC_SIZE];
  uint32_t format_version;
  uint32_t kernel_abi_version;
  uint64_t file_size;
  uint32_t header_size;      /* sizeof(tsr_artifact_header) */
  uint32_t section_count;
  uint64_t required_cpu_features; /* TSR_CPU_* bits the CPU code was compiled for */
  char target_triple[64];    /* NUL-padded, e.g. "x86_64-unknown-linux-gnu" */
  char target_cpu[64];       /* NUL-padded, e.g. "znver4" */
  uint64_t header_hash;
} tsr_artifact_header;

typedef struct tsr_section_entry {
  uint32_t kind;             /* TSR_SECTION_* */
  uint32_t reserved;
  uint64_t offset;
  uint64_t size;
  uint64_t hash;
} tsr_section_entry;

enum {
  TSR_SECTION_METADATA = 1,
  TSR_SECTION_SCHEDULE = 2,
  TSR_SECTION_CPU_CODE = 3,
  TSR_SECTION_WEIGHTS = 4,
  TSR_SECTION_SOURCES = 5,
  TSR_SECTION_SPIRV = 6,
};

enum {
  TSR_BUFFER_INPUT = 0,
  TSR_BUFFER_OUTPUT = 1,
  TSR_BUFFER_CONSTANT = 2,
  TSR_BUFFER_ARENA = 3,
  TSR_BUFFER_DYNAMIC = 4,
};

/* How an export uses a binding: a dispatch may not bind an INPUT or CONSTANT buffer to a binding it writes. */
enum { TSR_ACCESS_READ = 1, TSR_ACCESS_WRITE = 2, TSR_ACCESS_READ_WRITE = 3 };

enum { TSR_STEP_DISPATCH = 1, TSR_STEP_COPY = 2, TSR_STEP_BARRIER = 3, TSR_STEP_SHAPE = 4, TSR_STEP_TRANSFER = 5 };

/* TRANSFER step directions. */
enum { TSR_TRANSFER_TO_DEVICE = 1, TSR_TRANSFER_TO_HOST = 2 };

/* SHAPE step operations: symbol = f(a, b) on int64 values (refs resolved first). */
enum {
  TSR_SHAPE_ADD = 1,       /* a + b */
  TSR_SHAPE_SUB = 2,       /* a - b */
  TSR_SHAPE_MUL = 3,       /* a * b */
  TSR_SHAPE_DIV_FLOOR = 4, /* floor(a / b), b != 0 */
  TSR_SHAPE_DIV_CEIL = 5,  /* ceil(a / b), b != 0 */
  TSR_SHAPE_MAX = 6,
  TSR_SHAPE_MIN = 7,
  TSR_SHAPE_READ_I64 = 8,  /* element b of the int64 tensor in buffer a (a, b literals) */
  TSR_SHAPE_CHECK_EQ = 9,  /* fail the run unless a == b (e.g. broadcast dims); symbol unused */
  TSR_SHAPE_EQ = 10,       /* a == b ? 1 : 0 (selects are written as c * x + (1 - c) * y) */
};

/* Element types: the values of ONNX TensorProto.DataType. */
enum {
  TSR_DTYPE_FLOAT32 = 1,
  TSR_DTYPE_UINT8 = 2,
  TSR_DTYPE_INT8 = 3,
  TSR_DTYPE_UINT16 = 4,
  TSR_DTYPE_INT16 = 5,
  TSR_DTYPE_INT32 = 6,
  TSR_DTYPE_INT64 = 7,
  TSR_DTYPE_BOOL = 9,
  TSR_DTYPE_FLOAT16 = 10,
  TSR_DTYPE_FLOAT64 = 11,
  TSR_DTYPE_UINT32 = 12,
  TSR_DTYPE_UINT64 = 13,
  TSR_DTYPE_BFLOAT16 = 16,
};

/* x86-64 CPU features the code may require. */
enum {
  TSR_CPU_SSE42 = 1u << 0,
  TSR_CPU_AVX = 1u << 1,
  TSR_CPU_AVX2 = 1u << 2,
  TSR_CPU_FMA = 1u << 3,
  TSR_CPU_F16C = 1u << 4,
  TSR_CPU_BMI2 = 1u << 5,
  TSR_CPU_AVX512F = 1u << 6,
  TSR_CPU_AVX512BW = 1u << 7,
  TSR_CPU_AVX512DQ = 1u << 8,
  TSR_CPU_AVX512VL = 1u << 9,
  TSR_CPU_AVX512VNNI = 1u << 10,
  TSR_CPU_AVX512BF16 = 1u << 11,
};

/* Size in bytes of one element of `dtype`, or 0 if unknown. Bool is one byte. */
static inline size_t tsr_dtype_size(uint32_t dtype) {
  switch (dtype) {
  case TSR_DTYPE_UINT8: case TSR_DTYPE_INT8: case TSR_DTYPE_BOOL: return 1;
  case TSR_DTYPE_UINT16: case TSR_DTYPE_INT16: case TSR_DTYPE_FLOAT16: case TSR_DTYPE_BFLOAT16: return 2;
  case TSR_DTYPE_FLOAT32: case TSR_DTYPE_INT32: case TSR_DTYPE_UINT32: return 4;
  case TSR_DTYPE_INT64: case TSR_DTYPE_UINT64: case TSR_DTYPE_FLOAT64: return 8;
  default: return 0;
  }
}

/* FNV-1a over little-endian 64-bit words (tail bytes one at a time). Seed with TSR_HASH_SEED. */
#define TSR_HASH_SEED 0xcbf29ce484222325ull
static inline uint64_t tsr_hash64(uint64_t h, const void* data, size_t size) {
  const unsigned char* p = (const unsigned char*)data;
  const uint64_t prime = 0x100000001b3ull;
  while (size >= 8) {
    uint64_t w = 0;
    for (int i = 7; i >= 0; --i) w = (w << 8) | p[i];
    h = (h ^ w) * prime;
    h ^= h >> 29;
    p += 8;
    size -= 8;
  }
  while (size--) h = (h ^ *p++) * prime;
  return h;
}

#ifdef __cplusplus
}
#endif
#endif /* TESSERA_ARTIFACT_FORMAT_H */
