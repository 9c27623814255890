// The seam between the session and the targets that run code. The session walks the schedule and runs the
// host steps (SHAPE, COPY, BARRIER) itself; it hands each DISPATCH step, with every ref resolved and every byte
// range checked, to the executor of the step's executable. An executor is created by the loader, one per code
// section the executables use, and is immutable after that, so one model's executor serves all its sessions.
#ifndef TESSERA_RUNTIME_SRC_EXECUTOR_H
#define TESSERA_RUNTIME_SRC_EXECUTOR_H

#include <ctime>
#include <cstdint>
#include <memory>

#include "model.h"
#include "tessera/runtime.h"

namespace tessera::rt {

class ThreadPool;

// A session's host threads, lent to an executor for one dispatch: the pool (null when the session runs on the
// calling thread alone) and one scratch region per thread (thread t's starts at scratch + t * scratch_stride).
struct HostThreads {
  ThreadPool* pool = nullptr;
  uint32_t count = 1;
  uint8_t* scratch = nullptr;
  uint64_t scratch_size = 0, scratch_stride = 0;
  // When profiling: one entry per thread, reset by the session before each dispatch, filled by the executor
  // (each thread writes only its own entry).
  struct WorkerTime* worker_times = nullptr;
};

// One thread's share of a dispatch, in steady-clock nanoseconds (see nowNs()).
struct WorkerTime {
  uint64_t first_start = 0, last_end = 0, busy = 0;
  uint64_t workgroups = 0;
};

// CLOCK_MONOTONIC, which is what std::chrono::steady_clock reads on Linux (called directly: one libc import
// instead of a libstdc++ one in the size-optimized runtime).
inline uint64_t nowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

// One DISPATCH step as the session resolved it. The grid is not empty and has fewer than 2^32 workgroups;
// binding and constant counts match the export (the loader checked).
struct Dispatch {
  size_t step = 0;  // index in the schedule, for messages
  uint32_t executable = 0, export_index = 0;
  uint32_t workgroup_count[3] = {1, 1, 1};
  uint64_t workgroups = 1;  // the product of workgroup_count
  uint32_t binding_count = 0;
  void* const* bindings = nullptr;  // host addresses, offsets applied
  const uint64_t* binding_lengths = nullptr;
  uint32_t constant_count = 0;
  const uint32_t* constants = nullptr;
};

class Executor {
public:
  virtual ~Executor() = default;
  // Runs every workgroup of `d` (an executable of this executor's code section) and returns when all are done:
  // NULL or an error status (caller owns). Sessions of one model call this concurrently.
  virtual tsr_status* dispatch(const Dispatch& d, const HostThreads& threads) const = 0;
};

// What the loader gives an executor factory: the validated model and the bytes of the executor's code section,
// all valid for the model's lifetime. The factory checks that this host can run the code before it maps any.
struct ExecutorLoad {
  uint32_t code_section = 0;  // TSR_SECTION_*
  const uint8_t* code = nullptr;
  size_t code_size = 0;
  const tsr_artifact_header* header = nullptr;
  const Schedule* schedule = nullptr;  // the executor serves the executables whose code_section it is
  const tsr_model_options* options = nullptr;
  // For a model linked into the program (CPU code only): its kernels, in place of `code`.
  const tsr_linked_kernel* linked_kernels = nullptr;
  uint32_t linked_kernel_count = 0;
  // The model's constant data (TSR_BUFFER_CONSTANT buffers are ranges of it), immutable for its lifetime.
  const uint8_t* weights = nullptr;
  uint64_t weights_size = 0;
};

// Creates the executor into `out`; returns NULL or an error status (caller owns).
using ExecutorFactory = tsr_status* (*)(const ExecutorLoad& load, std::unique_ptr<Executor>& out);

// The factory for executables in code section `code_section`, or NULL if this runtime cannot run that code.
ExecutorFactory executorFactory(uint32_t code_section);

}  // namespace tessera::rt

#endif
