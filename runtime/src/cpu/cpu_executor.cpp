// The CPU executor. Only the workgroups of one dispatch run in parallel: the caller and the session's workers
// take chunks of the flattened grid from the pool (thread_pool.h), and the dispatch ends when every chunk has
// run. Each workgroup is one direct call of the export's tsr_kernel_fn.
#include "cpu/cpu_executor.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <vector>

#include "platform.h"
#include "status.h"
#include "thread_pool.h"

namespace tessera::rt {
namespace {

// Chunks handed out per thread and dispatch: several, so uneven workgroups balance out.
constexpr uint64_t kChunksPerThread = 8;

// One dispatch as the threads see it. The first failing workgroup records itself; the others then skip theirs.
struct DispatchJob {
  tsr_kernel_fn fn;
  tsr_kernel_env env;
  tsr_dispatch_state ds;
  const HostThreads* threads;
  std::atomic<bool> failed{false};
  int rc = 0;  // rc and at: written once, by the thread that set `failed`
  uint32_t at[3] = {0, 0, 0};
};

// Runs workgroups [first, last) of a dispatch in x-fastest order as thread `worker`, with that thread's scratch.
void runWorkgroups(void* context, uint64_t first, uint64_t last, uint32_t worker) {
  DispatchJob& job = *static_cast<DispatchJob*>(context);
  const tsr_dispatch_state& ds = job.ds;
  tsr_workgroup_state wg{};
  wg.worker_id = worker;
  if (job.threads->scratch_size) {
    wg.scratch = job.threads->scratch + worker * job.threads->scratch_stride;
    wg.scratch_size = job.threads->scratch_size;
  }
  WorkerTime* time = job.threads->worker_times ? &job.threads->worker_times[worker] : nullptr;
  const uint64_t start = time ? nowNs() : 0;
  const uint64_t nx = ds.workgroup_count[0], nxy = nx * ds.workgroup_count[1];
  for (uint64_t id = first; id < last; ++id) {
    if (job.failed.load(std::memory_order_relaxed)) return;  // the dispatch fails anyway: stop early
    wg.workgroup_id[0] = static_cast<uint32_t>(id % nx);
    wg.workgroup_id[1] = static_cast<uint32_t>((id / nx) % ds.workgroup_count[1]);
    wg.workgroup_id[2] = static_cast<uint32_t>(id / nxy);
    if (int rc = job.fn(&job.env, &ds, &wg)) {
      bool expected = false;
      if (job.failed.compare_exchange_strong(expected, true, std::memory_order_relaxed)) {
        job.rc = rc;  // published to the caller by the pool's completion count
        std::memcpy(job.at, wg.workgroup_id, sizeof job.at);
      }
      break;
    }
  }
  if (time) {
    const uint64_t end = nowNs();
    if (!time->workgroups) time->first_start = start;
    time->last_end = end;
    time->busy += end - start;
    time->workgroups += last - first;
  }
}

class CpuExecutor final : public Executor {
public:
  struct Kernel {
    tsr_kernel_fn fn = nullptr;
    const std::string* symbol = nullptr;  // in the model's schedule, for messages
  };

  // Kernels of every executable, export by export; executables in other code sections take no entries.
  std::vector<Kernel> kernels;
  std::vector<size_t> first_kernel;  // per executable of the schedule: its export 0 in `kernels`
  CodeLibrary code;

  tsr_status* dispatch(const Dispatch& d, const HostThreads& threads) const override {
    const Kernel& k = kernels[first_kernel[d.executable] + d.export_index];
    DispatchJob job;
    job.fn = k.fn;
    job.env = {TSR_KERNEL_ABI_VERSION, 0};
    job.ds = {};
    std::memcpy(job.ds.workgroup_count, d.workgroup_count, sizeof job.ds.workgroup_count);
    job.ds.constant_count = d.constant_count;
    job.ds.constants = d.constants;
    job.ds.binding_count = d.binding_count;
    job.ds.bindings = d.bindings;
    job.ds.binding_lengths = d.binding_lengths;
    job.threads = &threads;
    // A single workgroup runs inline: waking workers would only add latency.
    const uint64_t total = d.workgroups;
    if (threads.pool && total > 1)
      threads.pool->run(total, std::max<uint64_t>(1, total / (threads.count * kChunksPerThread)), runWorkgroups,
                        &job);
    else
      runWorkgroups(&job, 0, total, 0);
    if (!job.failed.load(std::memory_order_relaxed)) return nullptr;
    if (const char* why = kernelValueError(job.rc))  // the inputs' values
      return makeStatus(TSR_STATUS_INVALID_ARGUMENT, format("step %zu: %s (kernel '%s')", d.step, why, k.symbol->c_str()));
    if (job.rc == TSR_KERNEL_ERROR_DISPATCH_MISMATCH)  // the schedule, not the inputs or the kernel
      return makeStatus(TSR_STATUS_INVALID_ARTIFACT,
                        format("artifact: step %zu does not match kernel '%s' (fewer bindings or constants than it "
                               "reads, a binding shorter than its tensor, or workgroup (%u,%u,%u) outside its grid)",
                               d.step, k.symbol->c_str(), job.at[0], job.at[1], job.at[2]));
    return makeStatus(TSR_STATUS_KERNEL_FAILED,
                      format("kernel '%s' (step %zu) failed with code %d at workgroup (%u,%u,%u)", k.symbol->c_str(),
                             d.step, job.rc, job.at[0], job.at[1], job.at[2]));
  }
};

tsr_status* unsupported(std::string message) { return makeStatus(TSR_STATUS_UNSUPPORTED, "artifact: " + message); }

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// The host must be able to run the code before anything is mapped: a wrong arch or feature is an error,
// never SIGILL.
tsr_status* checkHost(const tsr_artifact_header& h, const tsr_model_options& options) {
  const char* triple = h.target_triple;  // NUL-terminated: readContainer checked
  const size_t arch = std::strcspn(triple, "-");
  if (arch != std::strlen(hostArch()) || std::strncmp(triple, hostArch(), arch) != 0)
    return unsupported(format("compiled for '%s' but this host is %s", triple, hostArch()));
  if (uint64_t unknown = h.required_cpu_features & ~knownCpuFeatures())
    return unsupported(format("requires unknown CPU feature bits 0x%llx (newer compiler?)", ull(unknown)));
  uint64_t have = hostCpuFeatures() & ~options.disabled_cpu_features;
  if (uint64_t missing = h.required_cpu_features & ~have)
    return unsupported(format("this CPU lacks required features: %s (compiled for cpu '%s')",
                              cpuFeatureNames(missing).c_str(), h.target_cpu));
  return nullptr;
}

}  // namespace

tsr_status* createCpuExecutor(const ExecutorLoad& load, std::unique_ptr<Executor>& out) {
  if (tsr_status* st = checkHost(*load.header, *load.options)) return st;
  const Schedule& sc = *load.schedule;
  // The kernel ABI calls a function once per workgroup: there is no notion of invocations within one.
  for (const Executable& e : sc.executables) {
    if (e.code_section != load.code_section) continue;
    for (const Export& x : e.exports) {
      const uint32_t* wg = x.workgroup_size;
      if (wg[0] != 1 || wg[1] != 1 || wg[2] != 1)
        return makeStatus(TSR_STATUS_INVALID_ARTIFACT,
                          format("artifact: kernel '%s' has workgroup size [%u,%u,%u] but CPU kernels have [1,1,1]",
                                 x.symbol.c_str(), wg[0], wg[1], wg[2]));
    }
  }

  auto cpu = std::make_unique<CpuExecutor>();
  // The kernels of a model linked into the program are in its kernel table; otherwise in the code section.
  // The compiler writes the table in the schedule's export order, so the entry after the last one found is
  // tried first and a load stays linear (any order still resolves, by a scan).
  uint32_t next = 0;
  auto lookup = [&](const std::string& symbol) -> void* {
    if (!load.linked_kernels) return cpu->code.symbol(symbol.c_str());
    for (uint32_t n = 0; n < load.linked_kernel_count; ++n) {
      const uint32_t i = (next + n) % load.linked_kernel_count;
      if (load.linked_kernels[i].symbol && symbol == load.linked_kernels[i].symbol) {
        next = i + 1;
        return reinterpret_cast<void*>(load.linked_kernels[i].fn);
      }
    }
    return nullptr;
  };
  if (!load.linked_kernels)
    if (tsr_status* st = cpu->code.load(load.code, load.code_size)) return st;
  cpu->first_kernel.resize(sc.executables.size());
  for (size_t i = 0; i < sc.executables.size(); ++i) {
    const Executable& e = sc.executables[i];
    cpu->first_kernel[i] = cpu->kernels.size();
    if (e.code_section != load.code_section) continue;
    for (const Export& x : e.exports) {
      void* fn = lookup(x.symbol);
      if (!fn)
        return makeStatus(TSR_STATUS_NOT_FOUND, format("artifact: kernel '%s' not found in %s", x.symbol.c_str(),
                                                       load.linked_kernels ? "the linked kernels" : "CPU_CODE"));
      cpu->kernels.push_back({reinterpret_cast<tsr_kernel_fn>(fn), &x.symbol});
    }
  }
  out = std::move(cpu);
  return nullptr;
}

}  // namespace tessera::rt
