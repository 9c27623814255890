/* Tessera runtime C API.
 *
 * Load an artifact into an immutable *model*, create one *session* per thread, run it.
 *
 *   tsr_model* model = NULL;
 *   tsr_status* st = tsr_model_load_file("model.tsr", NULL, &model);
 *   if (st) { fprintf(stderr, "%s\n", tsr_status_message(st)); tsr_status_free(st); return 1; }
 *   tsr_session* session = NULL;
 *   st = tsr_session_create(model, NULL, &session);
 *   ... tsr_session_run(session, inputs, 1, outputs, 1) ...
 *   tsr_session_release(session);
 *   tsr_model_release(model);
 *
 * Conventions: every fallible function returns a tsr_status*; NULL means success, anything else is an error the
 * caller owns and must free with tsr_status_free. Output parameters come last and are written only on success.
 * No function aborts or lets an exception escape. There is no global state.
 *
 * Thread safety: a tsr_model is immutable after loading; any number of threads may query it and create
 * sessions from it concurrently. A tsr_session is used by one thread at a time. A session keeps its model
 * alive, so the model may be released before its sessions. Status objects are plain values.
 *
 * Threads: a session may own worker threads (tsr_session_options.thread_count). tsr_session_run executes the
 * schedule's steps in order on the calling thread; the workgroups of one dispatch are shared between the caller
 * and the workers, and the dispatch ends when all of them are done. Workers spin briefly after a dispatch and
 * then sleep; they are started by tsr_session_create and joined by tsr_session_release.
 */
#ifndef TESSERA_RUNTIME_H
#define TESSERA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "tessera/artifact_format.h"
#include "tessera/kernel_abi.h"

#ifdef __cplusplus
extern "C" {
#endif
/* The C API is the library's interface even when it is compiled with hidden visibility. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* ---- Status ---------------------------------------------------------------------------------------- */

typedef enum tsr_code {
  TSR_STATUS_OK = 0,
  TSR_STATUS_INVALID_ARGUMENT = 1, /* bad call: NULL pointer, wrong input count/dtype/shape, small buffer */
  TSR_STATUS_NOT_FOUND = 2,        /* file does not exist, kernel symbol missing */
  TSR_STATUS_IO_ERROR = 3,         /* open/read/mmap/memfd failed */
  TSR_STATUS_INVALID_ARTIFACT = 4, /* corrupt or inconsistent artifact (hash, bounds, encoding) */
  TSR_STATUS_UNSUPPORTED = 5,      /* valid artifact this runtime or CPU cannot run (version, arch, features) */
  TSR_STATUS_OUT_OF_MEMORY = 6,
  TSR_STATUS_KERNEL_FAILED = 7,    /* a kernel returned nonzero */
  TSR_STATUS_INTERNAL = 8,
} tsr_code;

typedef struct tsr_status tsr_status;

/* Code of `status`; TSR_STATUS_OK for NULL. */
tsr_code tsr_status_code(const tsr_status* status);
/* Message of `status` (never NULL; "ok" for NULL). Valid until tsr_status_free. */
const char* tsr_status_message(const tsr_status* status);
/* Frees `status`; NULL is a no-op. */
void tsr_status_free(tsr_status* status);
/* Name of a status code, e.g. "invalid_artifact". */
const char* tsr_code_name(tsr_code code);

/* ---- Memory ---------------------------------------------------------------------------------------- */

/* Allocator for the runtime's large buffers (artifact copies, session arenas, session-owned outputs).
 * `alignment` is a power of two >= 64. A zero-initialized allocator (alloc == NULL) means the C library. */
typedef struct tsr_allocator {
  void* self;
  void* (*alloc)(void* self, size_t size, size_t alignment);
  void (*free)(void* self, void* ptr);
} tsr_allocator;

/* ---- Tensors --------------------------------------------------------------------------------------- */

/* Name of a TSR_DTYPE_* value ("float32", "int64", ...); "unknown" otherwise. */
const char* tsr_dtype_name(uint32_t dtype);

/* Static description of a model input or output. Pointers stay valid while the model lives. */
typedef struct tsr_tensor_info {
  const char* name;
  uint32_t dtype;       /* TSR_DTYPE_* */
  uint32_t rank;
  const int64_t* dims;  /* rank entries; dim >= 0 is static, dim < 0 is symbol (-dim - 1) */
} tsr_tensor_info;

/* A tensor passed to or returned from tsr_session_run. */
typedef struct tsr_tensor {
  uint32_t dtype;       /* TSR_DTYPE_*; for outputs 0 on entry means "whatever the model produces" */
  uint32_t rank;
  const int64_t* dims;
  void* data;
  size_t byte_size;
} tsr_tensor;

/* ---- Model ----------------------------------------------------------------------------------------- */

typedef struct tsr_model tsr_model;

typedef struct tsr_model_options {
  tsr_allocator allocator;
  /* TSR_CPU_* bits treated as absent even when the CPU has them: tests and fallback experiments. */
  uint64_t disabled_cpu_features;
  /* The Vulkan device for the model's SPIR-V kernels: an index (as tsr_vulkan_devices_string lists them) or a
   * case-insensitive part of its name. NULL or "": the environment variable TESSERA_VULKAN_DEVICE, else the
   * first discrete GPU, else the first integrated GPU, else the first device. */
  const char* vulkan_device;
  /* A file for the Vulkan driver's pipeline cache: pipelines are created from it when it holds a cache the
   * driver recognizes, and it is written (replaced) after they are, so later loads skip shader compilation.
   * NULL or "": the environment variable TESSERA_VULKAN_PIPELINE_CACHE, else no cache file. */
  const char* vulkan_pipeline_cache;
} tsr_model_options;

void tsr_model_options_initialize(tsr_model_options* options);

/* The Vulkan devices this runtime can run SPIR-V kernels on, one line each ("INDEX: NAME (TYPE, Vulkan X.Y)",
 * the default one marked " [default]"), or one line saying why there are none (no loader, no driver, a runtime
 * built without the Vulkan executor). Writes at most `capacity` bytes, NUL-terminated; returns the length of
 * the whole text (call with capacity 0 to size the buffer). */
size_t tsr_vulkan_devices_string(char* buffer, size_t capacity);

/* Maps `path` read-only and validates it completely before any code is mapped. `options` may be NULL. */
tsr_status* tsr_model_load_file(const char* path, const tsr_model_options* options, tsr_model** out_model);

/* Loads an artifact from memory. The bytes are copied (into 4 KiB-aligned memory from the allocator), so
 * `data` may be freed as soon as this returns. */
tsr_status* tsr_model_load_memory(const void* data, size_t size, const tsr_model_options* options,
                                  tsr_model** out_model);

/* One kernel of a model linked into the program: the export `symbol` of the model's schedule and its code. */
typedef struct tsr_linked_kernel {
  const char* symbol;
  tsr_kernel_fn fn;
} tsr_linked_kernel;

/* A model linked into the program (`tessera-compile --emit=static` writes NAME.o defining `NAME_model` and
 * NAME.h declaring it): its artifact without the CPU_CODE section, and its kernels, compiled for
 * `kernel_abi_version`. */
typedef struct tsr_static_model {
  uint32_t kernel_abi_version;  /* TSR_KERNEL_ABI_VERSION of the kernels */
  const void* artifact;         /* TSR_SECTION_ALIGNMENT-aligned; used in place for the model's lifetime */
  uint64_t artifact_size;
  const tsr_linked_kernel* kernels;
  uint32_t kernel_count;
} tsr_static_model;

/* Loads a model linked into the program: no file, no copy, no dynamic loading. The artifact is validated as
 * tsr_model_load_file validates one, the host's CPU is checked against the features the kernels need, and every
 * export of the schedule must name one of `kernels`. `options` may be NULL. */
tsr_status* tsr_model_load_static(const tsr_static_model* linked, const tsr_model_options* options,
                                  tsr_model** out_model);

/* Drops the caller's reference; the model is freed when its last session is released too. NULL is a no-op. */
void tsr_model_release(tsr_model* model);

size_t tsr_model_input_count(const tsr_model* model);
size_t tsr_model_output_count(const tsr_model* model);
tsr_status* tsr_model_input_info(const tsr_model* model, size_t index, tsr_tensor_info* out_info);
tsr_status* tsr_model_output_info(const tsr_model* model, size_t index, tsr_tensor_info* out_info);

/* Dim symbols referenced by negative dims and refs: name and inclusive bounds. Input dims bind their symbols;
 * the others are computed while the model runs. */
size_t tsr_model_symbol_count(const tsr_model* model);
tsr_status* tsr_model_symbol_info(const tsr_model* model, size_t index, const char** out_name,
                                  int64_t* out_min, int64_t* out_max);

/* The ONNX nodes schedule step `step` computes, as "name, name, ..." ("" when the artifact does not record
 * them or no node made the step); NULL when `step` is out of range. Valid while the model lives. */
const char* tsr_model_step_source(const tsr_model* model, size_t step);

/* Human-readable metadata and schedule (what `tessera-run --info` prints), snprintf-style: writes at most
 * `capacity` bytes including the terminator into `buffer` (which may be NULL when capacity is 0) and returns
 * the full length without the terminator. The size-optimized runtime (TESSERA_RUNTIME_SMALL, lib/small)
 * leaves this text out and returns the line "model info is not available in this build (size-optimized
 * runtime)" instead. */
size_t tsr_model_info_string(const tsr_model* model, char* buffer, size_t capacity);

/* ---- Session --------------------------------------------------------------------------------------- */

typedef struct tsr_session tsr_session;

typedef struct tsr_session_options {
  tsr_allocator allocator;    /* zero: the model's allocator. A model with Vulkan kernels keeps the session's
                               * arena in memory its device maps instead */
  /* Threads per dispatch, the caller included: 1 runs everything on the caller; T > 1 adds T - 1 workers owned
   * by the session; 0 (default) means one per CPU this process may use, at most 16. Requests above 256 are
   * clamped; tsr_session_thread_count reports the result. */
  uint32_t thread_count;
  uint64_t scratch_size;      /* scratch bytes handed to kernels (tsr_workgroup_state), for each thread: at
                               * least what the model's kernels need for their temporaries (0: just that) */
} tsr_session_options;

void tsr_session_options_initialize(tsr_session_options* options);

tsr_status* tsr_session_create(const tsr_model* model, const tsr_session_options* options,
                               tsr_session** out_session);
void tsr_session_release(tsr_session* session);

/* Threads this session's dispatches run on, the caller included: thread_count after the default and clamping,
 * or fewer if the OS refused to start some workers. 0 for NULL. */
uint32_t tsr_session_thread_count(const tsr_session* session);

/* Runs the model. A kernel that reports a value error (TSR_KERNEL_ERROR_*, kernel_abi.h: an index out of range)
 * fails the run with TSR_STATUS_INVALID_ARGUMENT naming the error, the step and its ONNX nodes; any other nonzero
 * return with TSR_STATUS_KERNEL_FAILED naming the kernel, the step and the workgroup (with several threads, the first failure recorded; the dispatch's other workgroups
 * stop early or finish, and the outputs are then unspecified). `inputs` are in model input order and must match dtype, rank and every static dim; the
 * input data is only read.
 * Outputs, in model output order, come in two kinds:
 *   caller-owned (data != NULL on entry): byte_size is the capacity and must hold the output;
 *   session-owned (data == NULL on entry): data points into session memory valid until the next run or
 *   release of this session.
 * On success every output's dtype, rank, dims (session memory, same lifetime) and byte_size are set; dims that
 * are known only at run time come from this run, and a caller-owned output needs room only for its actual size.
 * A run whose shape computations fail (a shape check, division by zero, overflow, a value out of bounds) returns
 * TSR_STATUS_INVALID_ARGUMENT naming the schedule step. */
tsr_status* tsr_session_run(tsr_session* session, const tsr_tensor* inputs, size_t input_count,
                            tsr_tensor* outputs, size_t output_count);

/* ---- Profiling ------------------------------------------------------------------------------------- */

/* One timed schedule step of the last run. `name` is the executable of a dispatch ("dispatch_5_conv_2d...",
 * named after its root op) or the step kind ("copy", "shape"); times are steady-clock nanoseconds from the
 * start of the run. Valid until the next run or release of the session. */
typedef struct tsr_profile_event {
  const char* name;
  uint32_t step;        /* index in the schedule */
  uint32_t workgroups;  /* dispatches: the workgroups run; 0 otherwise */
  uint64_t start_ns;
  uint64_t duration_ns;
} tsr_profile_event;

/* Turns step timing on or off for this session's later runs (off by default; on costs two clock reads per
 * step). Vulkan dispatches are timed by the device (timestamps around each, in the batches they run in) where
 * its queue keeps timestamps, else run one at a time and timed by the host. */
void tsr_session_set_profiling(tsr_session* session, int enabled);

/* The events of the last run with profiling on, in step order (barriers are not timed). */
size_t tsr_session_profile_events(const tsr_session* session, const tsr_profile_event** out_events);

/* What each thread did in the dispatches of the last profiled run: one slice per dispatch and thread that
 * ran at least one of its workgroups, from its first workgroup's start to its last one's end (same clock as
 * the events). Valid until the next run or release of the session. */
typedef struct tsr_profile_worker_slice {
  uint32_t event;       /* index into tsr_session_profile_events */
  uint32_t worker;      /* 0: the calling thread; 1..threads-1: the session's workers */
  uint32_t workgroups;  /* workgroups this thread ran */
  uint32_t reserved;
  uint64_t start_ns;
  uint64_t duration_ns;
  uint64_t busy_ns;     /* time inside this thread's chunks of the dispatch (<= duration_ns) */
} tsr_profile_worker_slice;

size_t tsr_session_profile_worker_slices(const tsr_session* session, const tsr_profile_worker_slice** out_slices);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif /* TESSERA_RUNTIME_H */
