// The seam between the session and the targets that run code. The session walks the schedule and runs the
// host steps (SHAPE, COPY, BARRIER) itself; it hands each DISPATCH step, with every ref resolved and every byte
// range checked, to the executor of the step's executable, and each TRANSFER step to the session state of the
// executor of its code section. An executor is created by the loader, one per code
// section the executables use, and is immutable after that, so one model's executor serves all its sessions.
// An executor that keeps state per session (device memory, recorded commands) gives each session an
// ExecutorSession, which may queue dispatches and run them together when the session settles it.
#ifndef TESSERA_RUNTIME_SRC_EXECUTOR_H
#define TESSERA_RUNTIME_SRC_EXECUTOR_H

#include <ctime>
#include <cstdint>
#include <memory>
#include <vector>

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
  const uint64_t* buffer_sizes = nullptr;  // per binding: the size of the schedule buffer it lies in
  uint32_t constant_count = 0;
  const uint32_t* constants = nullptr;
};

// Whether this runtime has an executor that keeps state per session. The size-optimized runtime has only the
// CPU executor, which keeps none: the session's code for such state compiles away, and so do its members.
#ifdef TESSERA_HAVE_VULKAN_EXECUTOR
#define TESSERA_EXECUTOR_SESSIONS 1
#else
#define TESSERA_EXECUTOR_SESSIONS 0
#endif
inline constexpr bool kExecutorSessions = TESSERA_EXECUTOR_SESSIONS;

// A dispatch's time as the device measured it, placed on the host's clock (nowNs()).
struct DeviceTime {
  size_t step = 0;
  uint64_t start_ns = 0, duration_ns = 0;
};

// One TRANSFER step as the session resolved it: `length` bytes of schedule buffer `buffer` from `offset` on,
// which are at `host` in host memory (its range checked).
struct Transfer {
  size_t step = 0;
  uint32_t direction = 0;  // TSR_TRANSFER_*
  uint32_t buffer = 0;
  uint64_t offset = 0, length = 0;
  uint64_t buffer_size = 0;  // the whole buffer's, this run
  uint8_t* host = nullptr;
};

// What an executor keeps for one session; used by that session's thread only.
class ExecutorSession {
public:
  virtual ~ExecutorSession() = default;
  // With `on`, times the dispatches it runs on the device's own clock if it can (timedOnDevice says whether):
  // then dispatches stay queued while profiling, and their times come from takeDeviceTimes.
  virtual void profileOnDevice(bool on) { (void)on; }
  virtual bool timedOnDevice() const { return false; }
  // Appends the device times of the dispatches settled since the last call, in step order.
  virtual void takeDeviceTimes(std::vector<DeviceTime>& out) { (void)out; }
  // Host memory the session's arena lives in (schedule.arena_size bytes at schedule.arena_alignment), which
  // this executor's kernels read and write in place; NULL: the session allocates its arena itself.
  virtual uint8_t* arena() const { return nullptr; }
  // Runs `d` (an executable of this executor's code section) or queues it after the dispatches queued before.
  // Returns NULL or an error status (caller owns) and then sets `failed_step` to the step it is about, which
  // is `d.step` unless queued work failed.
  virtual tsr_status* dispatch(const Dispatch& d, const HostThreads& threads, size_t& failed_step) = 0;
  // Makes the device's copy (TSR_TRANSFER_TO_DEVICE) or the host's (TO_HOST) of `t`'s bytes current, or queues
  // that after the dispatches queued before. Nothing to do for an executor whose device works on the host's
  // bytes in place. Errors as for dispatch.
  virtual tsr_status* transfer(const Transfer& t, size_t& failed_step) {
    (void)t;
    (void)failed_step;
    return nullptr;
  }
  // Runs what is queued and waits for it: afterwards the host may read what those dispatches wrote and write
  // what they read. Errors as for dispatch.
  virtual tsr_status* settle(size_t& failed_step) = 0;
  // Drops what is queued without running it (the run failed before it settled).
  virtual void abandon() = 0;
};

class Executor {
public:
  virtual ~Executor() = default;
  // Runs every workgroup of `d` (an executable of this executor's code section) and returns when all are done:
  // NULL or an error status (caller owns). Sessions of one model call this concurrently. Called only for
  // sessions that openSession gave no state.
  virtual tsr_status* dispatch(const Dispatch& d, const HostThreads& threads) const = 0;
  // The state a new session keeps with this executor, or none (out stays NULL): NULL or an error status.
  virtual tsr_status* openSession(std::unique_ptr<ExecutorSession>& out) const {
    out.reset();
    return nullptr;
  }
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
