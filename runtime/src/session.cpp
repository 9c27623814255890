// Sessions. A session owns everything a run writes (arena, scratch, session-owned outputs, staging, dynamic
// buffers) and its worker threads, so sessions of one model never share mutable state.
//
// Steps run in order on the calling thread, which already satisfies BARRIER. SHAPE and COPY run here; each
// DISPATCH goes, resolved, to the executor of its executable (executor.h), which returns when every workgroup
// is done and may run them in parallel on the session's threads. An executor with per-session state may
// instead queue consecutive dispatches of its own: the session settles them (runs and waits for them) before
// any other step and at the end of the run, so every host step sees their results.
//
// A run binds the input dim symbols from the caller's tensors, then executes the steps in order: SHAPE steps
// set the other symbols, and every other ref is resolved when its step runs. A buffer whose size is a
// literal is ready before the first step; one whose size is symbolic is resolved (and for dynamic and
// session-owned output buffers, allocated) when a step first touches it, with the value the size has then.
#include <algorithm>
#include <climits>
#include <cstring>
#include <iterator>
#include <memory>
#include <utility>

#include "runtime_impl.h"
#include "status.h"
#include "thread_pool.h"

using namespace tessera::rt;

namespace {

// A block from the session allocator, kept across runs.
struct Block {
  void* ptr = nullptr;
  size_t size = 0;
};

// Threads for thread_count 0: one per available CPU, but past this a single inference rarely gains and the
// machine is likely shared.
constexpr uint32_t kDefaultMaxThreads = 16;
// Requests above this are clamped (tsr_session_thread_count reports the result).
constexpr uint32_t kMaxThreads = 256;

}  // namespace

struct tsr_session {
  const tsr_model* model = nullptr;
  tsr_allocator allocator{};
  uint32_t threads = 1;
  std::unique_ptr<ThreadPool> pool;  // only when threads > 1
  Block arena, scratch;              // scratch: one region per thread (see host_threads)
  bool arena_from_executor = false;  // the arena is an executor session's memory, not the allocator's
#if TESSERA_EXECUTOR_SESSIONS
  // Per model executor, its state for this session (or NULL), and per executable, its executor's.
  std::vector<std::unique_ptr<ExecutorSession>> executor_sessions;
  std::vector<ExecutorSession*> executable_sessions;
  ExecutorSession* section_sessions[TSR_SECTION_SPIRV + 1] = {};  // per code section (TRANSFER steps name one)
  std::vector<DeviceTime> device_times;
#endif
  HostThreads host_threads;          // the pool, thread count and scratch regions, as executors see them
  std::vector<Block> output_blocks;   // session-owned outputs, one per model output
  std::vector<Block> staging;         // inputs smaller than their literal-size buffer, one per input
  std::vector<Block> dynamic_blocks;  // per schedule buffer; used by DYNAMIC buffers only, grown as needed
  std::vector<std::vector<int64_t>> output_dims;
  std::vector<int64_t> symbol_values;
  std::vector<std::string> symbol_source;  // which input fixed each symbol, for messages
  // Per schedule buffer, rebuilt each run: base pointer, resolved size, whether both are known yet.
  std::vector<uint8_t*> buffer_base;
  std::vector<uint64_t> buffer_size;
  std::vector<uint8_t> buffer_ready;
  std::vector<uint64_t> input_bytes;       // byte size of each caller input tensor
  std::vector<tsr_tensor> caller_outputs;  // the caller's output descriptors (data == NULL: session-owned)
  std::vector<void*> binding_ptrs;
  std::vector<uint64_t> binding_lengths;
#if TESSERA_EXECUTOR_SESSIONS
  std::vector<uint64_t> binding_buffer_sizes;  // what executors with sessions get as Dispatch::buffer_sizes
#endif
  std::vector<uint32_t> constants;
  bool profiling = false;
  std::vector<tsr_profile_event> profile;  // the last run's steps when profiling
  std::vector<tsr_profile_worker_slice> worker_slices;  // and each thread's share of its dispatches
  std::vector<WorkerTime> worker_times;                 // one per thread, for the dispatch running now

  ~tsr_session() {
    pool.reset();  // join the workers before freeing memory they could touch
#if TESSERA_EXECUTOR_SESSIONS
    executor_sessions.clear();  // waits for their devices, frees an executor's arena; before the model goes
#endif
    if (!(kExecutorSessions && arena_from_executor)) deallocate(allocator, arena.ptr);
    deallocate(allocator, scratch.ptr);
    for (auto* list : {&output_blocks, &staging, &dynamic_blocks})
      for (Block& b : *list) deallocate(allocator, b.ptr);
    releaseModel(model);
  }

  // Makes `b` at least `size` bytes; false on allocation failure.
  bool ensure(Block& b, size_t size, size_t alignment = 64) {
    if (b.ptr && b.size >= size) return true;
    deallocate(allocator, b.ptr);
    b.ptr = allocate(allocator, size, alignment);
    b.size = b.ptr ? size : 0;
    return b.ptr != nullptr;
  }
};

namespace {

// A decimal integer (format rather than std::to_string: one formatter in the size-optimized runtime).
std::string decimal(int64_t v) { return format("%lld", static_cast<long long>(v)); }

// Declared dims: a literal, or the name of the dim symbol a ref names ("[N,32]").
std::string refsString(const tsr_model& m, const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += isLiteral(dims[i]) ? decimal(dims[i]) : m.metadata.symbols[refSymbol(dims[i])].name;
  }
  s += ']';
  return s;
}

// Dims known at run time: plain numbers, negative ones included ("[-1,32]").
std::string valuesString(const int64_t* dims, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i) s += format("%s%lld", i ? "," : "", static_cast<long long>(dims[i]));
  s += ']';
  return s;
}

// Product of dims times element size; false on overflow.
bool byteSize(uint32_t dtype, const int64_t* dims, size_t rank, uint64_t& out) {
  out = tsr_dtype_size(dtype);
  for (size_t i = 0; i < rank; ++i) {
    uint64_t d = static_cast<uint64_t>(dims[i]);
    if (d && out > UINT64_MAX / d) return false;
    out *= d;
  }
  return true;
}

tsr_status* badArg(std::string message) { return makeStatus(TSR_STATUS_INVALID_ARGUMENT, std::move(message)); }
tsr_status* badArtifact(std::string message) {
  return makeStatus(TSR_STATUS_INVALID_ARTIFACT, "artifact: " + std::move(message));
}

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// Value of `r` now. The loader checked that every symbol a step or output reads is set before it is read.
int64_t value(const tsr_session& s, Ref r) { return isLiteral(r) ? r : s.symbol_values[refSymbol(r)]; }

// "16" for a literal, "N=3" for a symbol: messages show where a value came from.
std::string operand(const tsr_session& s, Ref r) {
  if (isLiteral(r)) return decimal(r);
  return format("%s=%lld", s.model->metadata.symbols[refSymbol(r)].name.c_str(), static_cast<long long>(value(s, r)));
}

// Ensures `b` has at least `bytes` bytes; false on allocation failure (or a size no allocator can give).
bool ensureBytes(tsr_session& s, Block& b, uint64_t bytes) {
  return bytes <= SIZE_MAX / 2 && s.ensure(b, static_cast<size_t>(bytes));
}

// Makes buffer `b` usable: resolves its size and gives it memory. Literal-size buffers are made ready when a
// run starts; the rest on first use, so that SHAPE steps before that use have set their size.
tsr_status* prepareBuffer(tsr_session& s, uint32_t b) {
  if (s.buffer_ready[b]) return nullptr;
  const tsr_model& m = *s.model;
  const Buffer& buf = m.schedule.buffers[b];
  const int64_t v = value(s, buf.size);
  // The loader checked that the size is set before this use: a negative one was computed from input values.
  if (v < 0) return badArg(format("buffer %u: size %s is negative", b, operand(s, buf.size).c_str()));
  const uint64_t size = static_cast<uint64_t>(v);
  switch (buf.kind) {
  case TSR_BUFFER_INPUT: {
    // A symbolic input size must describe exactly the caller's tensor (its dims were checked already).
    const TensorDesc& t = m.metadata.inputs[buf.index];
    if (size != s.input_bytes[buf.index])
      return badArtifact(format("input '%s': buffer %u size %s does not match the tensor's %llu bytes",
                                t.name.c_str(), b, operand(s, buf.size).c_str(), ull(s.input_bytes[buf.index])));
    break;  // base was set by bindInput
  }
  case TSR_BUFFER_OUTPUT: {
    const tsr_tensor& out = s.caller_outputs[buf.index];
    if (out.data) {
      if (out.byte_size < size)
        return badArg(format("output '%s': caller buffer holds %zu bytes but %llu are needed",
                             m.metadata.outputs[buf.index].name.c_str(), out.byte_size, ull(size)));
      s.buffer_base[b] = static_cast<uint8_t*>(out.data);
    } else {
      if (!ensureBytes(s, s.output_blocks[buf.index], size)) return outOfMemoryStatus();
      s.buffer_base[b] = static_cast<uint8_t*>(s.output_blocks[buf.index].ptr);
    }
    break;
  }
  case TSR_BUFFER_DYNAMIC:
    if (!ensureBytes(s, s.dynamic_blocks[b], size)) return outOfMemoryStatus();
    s.buffer_base[b] = static_cast<uint8_t*>(s.dynamic_blocks[b].ptr);
    break;
  case TSR_BUFFER_CONSTANT:  // kernels only read constants
    s.buffer_base[b] = const_cast<uint8_t*>(m.weights) + buf.offset;
    break;
  case TSR_BUFFER_ARENA:
    s.buffer_base[b] = static_cast<uint8_t*>(s.arena.ptr) + buf.offset;
    break;
  }
  s.buffer_size[b] = size;
  s.buffer_ready[b] = 1;
  return nullptr;
}

tsr_status* bindInput(tsr_session& s, size_t i, const tsr_tensor& in) {
  const tsr_model& m = *s.model;
  const TensorDesc& t = m.metadata.inputs[i];
  const char* name = t.name.c_str();
  if (in.dtype != t.dtype)
    return badArg(format("input '%s': expected dtype %s but got %s", name, tsr_dtype_name(t.dtype),
                         tsr_dtype_name(in.dtype)));
  if (in.rank && !in.dims) return badArg(format("input '%s': dims is NULL", name));
  std::vector<int64_t> got(in.dims, in.dims + in.rank);
  auto shapeError = [&] {
    return badArg(format("input '%s': expected shape %s but got %s", name, refsString(m, t.dims).c_str(),
                         valuesString(got.data(), got.size()).c_str()));
  };
  if (got.size() != t.dims.size()) return shapeError();
  for (size_t k = 0; k < got.size(); ++k) {
    int64_t want = t.dims[k];
    if (got[k] < 0) return shapeError();
    if (want >= 0) {
      if (got[k] != want) return shapeError();
      continue;
    }
    size_t sym = static_cast<size_t>(-(want + 1));
    const Symbol& sy = m.metadata.symbols[sym];
    if (got[k] < sy.min || got[k] > sy.max)
      return badArg(format("input '%s': dim %zu ('%s') is %lld but must be in [%lld, %lld]", name, k,
                           sy.name.c_str(), static_cast<long long>(got[k]), static_cast<long long>(sy.min),
                           static_cast<long long>(sy.max)));
    if (s.symbol_values[sym] < 0) {
      s.symbol_values[sym] = got[k];
      s.symbol_source[sym] = t.name;
    } else if (s.symbol_values[sym] != got[k]) {
      return badArg(format("input '%s': dim %zu ('%s') is %lld but input '%s' set it to %lld", name, k,
                           sy.name.c_str(), static_cast<long long>(got[k]), s.symbol_source[sym].c_str(),
                           static_cast<long long>(s.symbol_values[sym])));
    }
  }
  uint64_t bytes = 0;
  const Buffer& buf = m.schedule.buffers[t.buffer];
  const bool literal = isLiteral(buf.size);
  const uint64_t capacity = literal ? static_cast<uint64_t>(buf.size) : UINT64_MAX;
  if (!byteSize(t.dtype, in.dims, in.rank, bytes) || bytes > capacity)
    return badArg(format("input '%s': shape %s needs more than the %llu bytes the model was compiled for", name,
                         valuesString(in.dims, in.rank).c_str(), ull(capacity)));
  if (in.byte_size != bytes)
    return badArg(format("input '%s': byte_size is %zu but %s %s needs %llu", name, in.byte_size,
                         tsr_dtype_name(t.dtype), valuesString(in.dims, in.rank).c_str(), ull(bytes)));
  if (bytes && !in.data) return badArg(format("input '%s': data is NULL", name));
  s.input_bytes[i] = bytes;
  uint8_t* base = static_cast<uint8_t*>(in.data);
  if (literal && bytes < capacity) {
    // Kernels may touch the whole buffer: a smaller input goes through zero-padded session memory.
    if (!ensureBytes(s, s.staging[i], capacity)) return outOfMemoryStatus();
    if (bytes) std::memcpy(s.staging[i].ptr, in.data, bytes);
    std::memset(static_cast<uint8_t*>(s.staging[i].ptr) + bytes, 0, capacity - bytes);
    base = static_cast<uint8_t*>(s.staging[i].ptr);
  }
  s.buffer_base[t.buffer] = base;
  if (literal) {
    s.buffer_size[t.buffer] = capacity;
    s.buffer_ready[t.buffer] = 1;
  }
  return nullptr;
}

tsr_status* bindOutput(tsr_session& s, size_t i, const tsr_tensor& out) {
  const tsr_model& m = *s.model;
  const TensorDesc& t = m.metadata.outputs[i];
  if (out.dtype != 0 && out.dtype != t.dtype)
    return badArg(format("output '%s': expected dtype %s but got %s", t.name.c_str(), tsr_dtype_name(t.dtype),
                         tsr_dtype_name(out.dtype)));
  s.caller_outputs[i] = out;
  // A literal size is known now: check or allocate before any step runs.
  return isLiteral(m.schedule.buffers[t.buffer].size) ? prepareBuffer(s, t.buffer) : nullptr;
}

// Runs one SHAPE step. Values are int64; every failure names the step and its operands.
tsr_status* runShape(tsr_session& s, size_t index, const Step& st) {
  const tsr_model& m = *s.model;
  auto what = [&] { return format("step %zu: shape %s", index, shapeString(m.metadata, st).c_str()); };
  int64_t r = 0;
  if (st.op == TSR_SHAPE_READ_I64) {
    const uint32_t b = static_cast<uint32_t>(st.a);
    if (tsr_status* e = prepareBuffer(s, b)) return e;
    const Buffer& buf = m.schedule.buffers[b];
    // An input's bytes past the caller's tensor are padding, not data.
    const uint64_t avail = buf.kind == TSR_BUFFER_INPUT ? s.input_bytes[buf.index] : s.buffer_size[b];
    if (static_cast<uint64_t>(st.b) >= avail / 8)
      return badArg(format("%s: element %lld is outside the %llu bytes of buffer %u", what().c_str(),
                           static_cast<long long>(st.b), ull(avail), b));
    std::memcpy(&r, s.buffer_base[b] + static_cast<uint64_t>(st.b) * 8, 8);
  } else {
    const int64_t a = value(s, st.a), b = value(s, st.b);
    auto operands = [&] {
      std::string o;
      for (Ref x : {st.a, st.b})
        if (!isLiteral(x)) o += format("%s%s", o.empty() ? " (" : ", ", operand(s, x).c_str());
      if (!o.empty()) o += ')';
      return o;
    };
    bool overflow = false;
    switch (st.op) {
    case TSR_SHAPE_ADD: overflow = __builtin_add_overflow(a, b, &r); break;
    case TSR_SHAPE_SUB: overflow = __builtin_sub_overflow(a, b, &r); break;
    case TSR_SHAPE_MUL: overflow = __builtin_mul_overflow(a, b, &r); break;
    case TSR_SHAPE_DIV_FLOOR:
    case TSR_SHAPE_DIV_CEIL:
      if (b == 0) return badArg(format("%s: division by zero%s", what().c_str(), operands().c_str()));
      if (a == INT64_MIN && b == -1) {
        overflow = true;
        break;
      }
      r = a / b;  // truncates toward zero; adjust when there is a remainder
      if (a % b != 0) {
        bool negative = (a < 0) != (b < 0);
        if (st.op == TSR_SHAPE_DIV_FLOOR && negative) --r;
        if (st.op == TSR_SHAPE_DIV_CEIL && !negative) ++r;
      }
      break;
    case TSR_SHAPE_MAX: r = a > b ? a : b; break;
    case TSR_SHAPE_MIN: r = a < b ? a : b; break;
    case TSR_SHAPE_EQ: r = a == b; break;
    case TSR_SHAPE_CHECK_EQ:
      if (a != b)
        return badArg(format("step %zu: shape check failed: %s != %s (the inputs give a dim or element count "
                             "that the compiled model does not allow)",
                             index, operand(s, st.a).c_str(), operand(s, st.b).c_str()));
      return nullptr;
    }
    if (overflow) return badArg(format("%s: int64 overflow%s", what().c_str(), operands().c_str()));
  }
  const Symbol& sy = m.metadata.symbols[st.symbol];
  if (r < sy.min || r > sy.max)
    return badArg(format("%s: result %lld is outside [%lld, %lld]", what().c_str(), static_cast<long long>(r),
                         static_cast<long long>(sy.min), static_cast<long long>(sy.max)));
  s.symbol_values[st.symbol] = r;
  return nullptr;
}

// Resolves a byte range of buffer `b` for a step, giving the buffer memory first if needed. Messages name the
// range as `what`, followed by `item` when it is >= 0 ("binding 2"): formatted only on failure, since this
// runs for every binding of every dispatch.
tsr_status* resolveRange(tsr_session& s, size_t index, const char* what, long long item, uint32_t b, uint64_t offset,
                         Ref length, uint64_t& out_length) {
  if (tsr_status* e = prepareBuffer(s, b)) return e;
  const int64_t v = value(s, length);
  auto name = [&] { return item < 0 ? std::string(what) : format("%s %lld", what, item); };
  if (v < 0)
    return badArg(format("step %zu: %s length %s is negative", index, name().c_str(), operand(s, length).c_str()));
  out_length = static_cast<uint64_t>(v);
  const uint64_t size = s.buffer_size[b];
  if (offset > size || out_length > size - offset)
    return badArtifact(format("step %zu: %s range [%llu, +%llu) exceeds buffer %u size %llu", index, name().c_str(),
                              ull(offset), ull(out_length), b, ull(size)));
  return nullptr;
}

// The state executable `e`'s executor keeps for this session, or NULL.
ExecutorSession* sessionOf([[maybe_unused]] const tsr_session& s, [[maybe_unused]] uint32_t e) {
#if TESSERA_EXECUTOR_SESSIONS
  return s.executable_sessions[e];
#else
  return nullptr;
#endif
}

// The state the executor of code section `section` keeps for this session, or NULL.
ExecutorSession* sessionOfSection([[maybe_unused]] const tsr_session& s, [[maybe_unused]] uint32_t section) {
#if TESSERA_EXECUTOR_SESSIONS
  return section < std::size(s.section_sessions) ? s.section_sessions[section] : nullptr;
#else
  return nullptr;
#endif
}

// Opens the state each executor keeps for session `s`. The arena is the memory of the first that shares
// its memory with the host (a model has one device), if any.
tsr_status* openExecutorSessions([[maybe_unused]] tsr_session& s) {
#if TESSERA_EXECUTOR_SESSIONS
  const tsr_model& m = *s.model;
  const Schedule& sc = m.schedule;
  s.executor_sessions.resize(m.executors.size());
  s.executable_sessions.assign(sc.executables.size(), nullptr);
  for (size_t x = 0; x < m.executors.size(); ++x) {
    if (tsr_status* st = m.executors[x]->openSession(s.executor_sessions[x])) return st;
    ExecutorSession* es = s.executor_sessions[x].get();
    for (size_t e = 0; e < sc.executables.size(); ++e)
      if (m.executable_executors[e] == m.executors[x].get()) {
        s.executable_sessions[e] = es;
        s.section_sessions[sc.executables[e].code_section] = es;  // a code section the loader knows
      }
    if (es && es->arena() && !s.arena_from_executor) {
      s.arena.ptr = es->arena();
      s.arena.size = sc.arena_size;
      s.arena_from_executor = true;
    }
  }
#endif
  return nullptr;
}

// Profiling: asks each executor to time its dispatches on its device (or not, when `on` is false).
void profileOnDevices([[maybe_unused]] tsr_session& s, [[maybe_unused]] bool on) {
#if TESSERA_EXECUTOR_SESSIONS
  for (auto& es : s.executor_sessions)
    if (es) es->profileOnDevice(on);
#endif
}

// Profiling: the dispatches `es` settled get their device times in place of the host's (the time they were
// queued).
void applyDeviceTimes([[maybe_unused]] tsr_session& s, [[maybe_unused]] ExecutorSession* es,
                      [[maybe_unused]] uint64_t run_start) {
#if TESSERA_EXECUTOR_SESSIONS
  s.device_times.clear();
  es->takeDeviceTimes(s.device_times);
  for (const DeviceTime& t : s.device_times)
    for (auto ev = s.profile.rbegin(); ev != s.profile.rend(); ++ev)
      if (ev->step == t.step) {
        ev->start_ns = t.start_ns > run_start ? t.start_ns - run_start : 0;
        ev->duration_ns = t.duration_ns;
        break;
      }
#endif
}

// Runs or queues one DISPATCH; `workgroups` receives the size of its grid (for the profile) once it is known.
// An error is about step `index` unless queued work failed, when `failed_step` (otherwise left as it is)
// names the step that did.
tsr_status* runDispatch(tsr_session& s, size_t index, const Step& st, uint64_t& workgroups, size_t& failed_step) {
  Dispatch d;
  d.step = index;
  d.executable = st.executable;
  d.export_index = st.export_index;
  // The loader checked the literal parts of the signature; a grid or length set by run-time dims is checked here.
  const Export& ex = s.model->schedule.executables[st.executable].exports[st.export_index];
  for (int k = 0; k < 3; ++k) {
    const int64_t c = value(s, st.workgroup_count[k]);
    if (c < 0)
      return badArg(format("step %zu: workgroup count %s is negative", index, operand(s, st.workgroup_count[k]).c_str()));
    if (c >= kMaxWorkgroupCount)
      return badArg(format("step %zu: workgroup count %s is not below 2^31", index,
                           operand(s, st.workgroup_count[k]).c_str()));
    if (ex.workgroup_count[k] && c != int64_t{ex.workgroup_count[k]})
      return badArtifact(format("step %zu: workgroup count %s along axis %d but kernel '%s' was compiled for %u",
                                index, operand(s, st.workgroup_count[k]).c_str(), k, ex.symbol.c_str(),
                                ex.workgroup_count[k]));
    d.workgroup_count[k] = static_cast<uint32_t>(c);
    d.workgroups *= static_cast<uint64_t>(c);
    if (d.workgroups > UINT32_MAX) return badArg(format("step %zu: more than 2^32 workgroups", index));
  }
  workgroups = d.workgroups;
  if (d.workgroups == 0) return nullptr;  // an empty grid (e.g. a zero-size dim): nothing to compute

  const size_t n = st.bindings.size();
  s.binding_ptrs.resize(n);
  s.binding_lengths.resize(n);
#if TESSERA_EXECUTOR_SESSIONS
  s.binding_buffer_sizes.resize(n);
#endif
  for (size_t j = 0; j < n; ++j) {
    const Binding& bd = st.bindings[j];
    if (tsr_status* e = resolveRange(s, index, "binding", static_cast<long long>(j), bd.buffer, bd.offset, bd.length,
                                     s.binding_lengths[j]))
      return e;
    if (ex.bindingBytes(j) && s.binding_lengths[j] != ex.bindingBytes(j))
      return badArtifact(format("step %zu: binding %zu is %llu bytes but kernel '%s' was compiled for %llu", index,
                                j, ull(s.binding_lengths[j]), ex.symbol.c_str(), ull(ex.bindingBytes(j))));
    s.binding_ptrs[j] = s.buffer_base[bd.buffer] + bd.offset;
#if TESSERA_EXECUTOR_SESSIONS
    s.binding_buffer_sizes[j] = s.buffer_size[bd.buffer];
#endif
  }
  s.constants.resize(st.constants.size());
  for (size_t j = 0; j < st.constants.size(); ++j) {
    const int64_t c = value(s, st.constants[j]);
    // Kernels read constants as unsigned 32-bit sizes: -1 would arrive as 4294967295.
    if (c < 0)
      return badArg(format("step %zu: constant %zu (%s) is negative", index, j, operand(s, st.constants[j]).c_str()));
    if (c > int64_t{UINT32_MAX})
      return badArg(format("step %zu: constant %zu (%s) does not fit in 32 bits", index, j,
                           operand(s, st.constants[j]).c_str()));
    s.constants[j] = static_cast<uint32_t>(c);
  }
  d.binding_count = static_cast<uint32_t>(n);
  d.bindings = s.binding_ptrs.data();
  d.binding_lengths = s.binding_lengths.data();
#if TESSERA_EXECUTOR_SESSIONS
  d.buffer_sizes = s.binding_buffer_sizes.data();
#endif
  d.constant_count = static_cast<uint32_t>(s.constants.size());
  d.constants = s.constants.data();
  if (ExecutorSession* es = sessionOf(s, st.executable)) return es->dispatch(d, s.host_threads, failed_step);
  return s.model->executable_executors[st.executable]->dispatch(d, s.host_threads);
}

// Adds the ONNX nodes that made step `index` (when the artifact records them) to its error, so a failed
// shape check or kernel points at the model, not only at the schedule.
tsr_status* namingNodes(const tsr_session& s, size_t index, tsr_status* e) {
  const std::vector<std::string>& sources = s.model->step_sources;
  if (e == outOfMemoryStatus() || index >= sources.size() || sources[index].empty()) return e;
  const bool several = std::strstr(sources[index].c_str(), ", ") != nullptr;
  e->message += format(" (ONNX node%s %s)", several ? "s" : "", sources[index].c_str());
  return e;
}

// Moves each thread's share of the dispatch that just ran (the last profile event) into the profile, leaving
// the threads' entries cleared for the next dispatch.
void recordWorkers(tsr_session& s, uint64_t run_start) {
  for (uint32_t w = 0; w < s.worker_times.size(); ++w) {
    const WorkerTime t = std::exchange(s.worker_times[w], WorkerTime{});
    if (!t.workgroups) continue;
    tsr_profile_worker_slice slice{};
    slice.event = static_cast<uint32_t>(s.profile.size() - 1);
    slice.worker = w;
    slice.workgroups = static_cast<uint32_t>(t.workgroups);
    slice.start_ns = t.first_start - run_start;
    slice.duration_ns = t.last_end - t.first_start;
    slice.busy_ns = t.busy;
    s.worker_slices.push_back(slice);
  }
}

tsr_status* execute(tsr_session& s) {
  const Schedule& sc = s.model->schedule;
  ThreadPool::RunScope run(s.pool.get());
  s.profile.clear();
  s.worker_slices.clear();
  s.host_threads.worker_times = nullptr;
  if (s.profiling) {
    s.worker_times.assign(s.host_threads.count, WorkerTime{});
    s.host_threads.worker_times = s.worker_times.data();
  }
  const uint64_t run_start = s.profiling ? nowNs() : 0;
  ExecutorSession* queued = nullptr;  // holds dispatches that were queued and not settled yet
  if (kExecutorSessions) profileOnDevices(s, s.profiling);
  auto settle = [&]() -> tsr_status* {
    if (!queued) return nullptr;
    size_t failed = 0;
    ExecutorSession* es = std::exchange(queued, nullptr);
    tsr_status* e = es->settle(failed);
    if (s.profiling && es->timedOnDevice()) applyDeviceTimes(s, es, run_start);
    return e ? namingNodes(s, failed, e) : nullptr;
  };
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& st = sc.steps[i];
    // Queued dispatches run before any step but a BARRIER or a dispatch or transfer that joins them (the
    // device orders those itself).
    if (queued && st.kind != TSR_STEP_BARRIER &&
        !(st.kind == TSR_STEP_DISPATCH && sessionOf(s, st.executable) == queued) &&
        !(kExecutorSessions && st.kind == TSR_STEP_TRANSFER && sessionOfSection(s, st.code_section) == queued))
      if (tsr_status* e = settle()) return e;
    if (s.profiling && st.kind != TSR_STEP_BARRIER) {
      tsr_profile_event ev{};
      ev.name = st.kind == TSR_STEP_DISPATCH ? sc.executables[st.executable].name.c_str() : tessera::codec::stepKindName(st.kind);
      ev.step = static_cast<uint32_t>(i);
      ev.start_ns = nowNs() - run_start;
      s.profile.push_back(ev);
    }
    tsr_status* e = nullptr;
    uint64_t workgroups = 0;
    size_t failed = i;
    if (st.kind == TSR_STEP_COPY) {
      uint64_t len = 0;
      if (!(e = resolveRange(s, i, "copy source", -1, st.src_buffer, st.src_offset, st.length, len)) &&
          !(e = resolveRange(s, i, "copy destination", -1, st.dst_buffer, st.dst_offset, st.length, len)) && len)
        std::memmove(s.buffer_base[st.dst_buffer] + st.dst_offset, s.buffer_base[st.src_buffer] + st.src_offset, len);
    } else if (st.kind == TSR_STEP_DISPATCH) {
      e = runDispatch(s, i, st, workgroups, failed);
      if (kExecutorSessions && !e && sessionOf(s, st.executable)) {
        queued = sessionOf(s, st.executable);
        if (s.profiling && !queued->timedOnDevice())  // each step's time is its own: run it now
          e = std::exchange(queued, nullptr)->settle(failed);
      }
      if (s.profiling) recordWorkers(s, run_start);
    } else if (st.kind == TSR_STEP_SHAPE) {
      e = runShape(s, i, st);
    } else if (kExecutorSessions && st.kind == TSR_STEP_TRANSFER) {
      // (Only an executor with sessions has memory of its own: the validator refuses transfers for others.)
      Transfer t;
      t.step = i;
      t.direction = st.direction;
      t.buffer = st.src_buffer;
      t.offset = st.src_offset;
      ExecutorSession* es = sessionOfSection(s, st.code_section);
      if (!(e = resolveRange(s, i, "transfer", -1, st.src_buffer, st.src_offset, st.length, t.length)) && es) {
        t.host = s.buffer_base[st.src_buffer] + st.src_offset;
        t.buffer_size = s.buffer_size[st.src_buffer];
        e = es->transfer(t, failed);
        if (!e) queued = es;
      }
    }
    // BARRIER: nothing to wait for: a dispatch returns only when all its workgroups are done.
    if (s.profiling && st.kind != TSR_STEP_BARRIER) {
      tsr_profile_event& ev = s.profile.back();
      ev.duration_ns = nowNs() - run_start - ev.start_ns;
      ev.workgroups = static_cast<uint32_t>(workgroups);  // at most 2^32 - 1: runDispatch checked
    }
    if (e) {
      if (kExecutorSessions && queued) std::exchange(queued, nullptr)->abandon();
      return namingNodes(s, failed, e);
    }
  }
  return kExecutorSessions ? settle() : nullptr;
}

}  // namespace

extern "C" {

void tsr_session_options_initialize(tsr_session_options* options) {
  if (options) std::memset(options, 0, sizeof *options);
}

tsr_status* tsr_session_create(const tsr_model* model, const tsr_session_options* options,
                               tsr_session** out_session) {
  return guard([&]() -> tsr_status* {
    if (!model || !out_session) return badArg("model and out_session must not be NULL");
    tsr_session_options o;
    tsr_session_options_initialize(&o);
    if (options) o = *options;
    auto s = std::make_unique<tsr_session>();
    retainModel(model);
    s->model = model;
    s->allocator = o.allocator.alloc ? o.allocator : model->allocator;
    uint32_t threads = o.thread_count ? std::min(o.thread_count, kMaxThreads)
                                      : std::min(availableCpus(), kDefaultMaxThreads);
    const Schedule& sc = model->schedule;
    if (tsr_status* st = openExecutorSessions(*s)) return st;
    // The arena is allocated once, here: runs never allocate unless shapes are dynamic or outputs new.
    if (!(kExecutorSessions && s->arena_from_executor) && !s->ensure(s->arena, sc.arena_size, sc.arena_alignment))
      return outOfMemoryStatus();
    if (threads > 1) {
      s->pool = std::make_unique<ThreadPool>(threads);
      threads = s->pool->threads();  // fewer if the OS would not start them all
      if (threads == 1) s->pool.reset();
    }
    s->threads = threads;
    HostThreads& ht = s->host_threads;
    ht.pool = s->pool.get();
    ht.count = threads;
    // Each thread's scratch holds what the artifact's kernels need for their temporaries, or more if asked.
    if (uint64_t scratch = std::max(o.scratch_size, sc.scratch_size)) {
      // Each thread's region starts on its own cache line.
      if (scratch > (SIZE_MAX / 2) / threads) return outOfMemoryStatus();
      ht.scratch_size = scratch;
      ht.scratch_stride = (scratch + 63) & ~uint64_t{63};
      if (!ensureBytes(*s, s->scratch, ht.scratch_stride * threads)) return outOfMemoryStatus();
      ht.scratch = static_cast<uint8_t*>(s->scratch.ptr);
    }
    s->output_blocks.resize(model->metadata.outputs.size());
    s->staging.resize(model->metadata.inputs.size());
    s->dynamic_blocks.resize(sc.buffers.size());
    s->output_dims.resize(model->metadata.outputs.size());
    s->caller_outputs.resize(model->metadata.outputs.size());
    s->input_bytes.resize(model->metadata.inputs.size());
    s->buffer_base.resize(sc.buffers.size());
    s->buffer_size.resize(sc.buffers.size());
    s->buffer_ready.resize(sc.buffers.size());
    *out_session = s.release();
    return nullptr;
  });
}

void tsr_session_release(tsr_session* session) { delete session; }

uint32_t tsr_session_thread_count(const tsr_session* session) { return session ? session->threads : 0; }

void tsr_session_set_profiling(tsr_session* session, int enabled) {
  if (session) session->profiling = enabled != 0;
}

size_t tsr_session_profile_worker_slices(const tsr_session* session, const tsr_profile_worker_slice** out_slices) {
  if (!session || !out_slices) return 0;
  *out_slices = session->worker_slices.data();
  return session->worker_slices.size();
}

size_t tsr_session_profile_events(const tsr_session* session, const tsr_profile_event** out_events) {
  if (!session || !out_events) return 0;
  *out_events = session->profile.data();
  return session->profile.size();
}

tsr_status* tsr_session_run(tsr_session* session, const tsr_tensor* inputs, size_t input_count,
                            tsr_tensor* outputs, size_t output_count) {
  return guard([&]() -> tsr_status* {
    if (!session) return badArg("session must not be NULL");
    tsr_session& s = *session;
    const tsr_model& m = *s.model;
    const Metadata& md = m.metadata;
    if (input_count != md.inputs.size())
      return badArg(format("expected %zu inputs but got %zu", md.inputs.size(), input_count));
    if (output_count != md.outputs.size())
      return badArg(format("expected %zu outputs but got %zu", md.outputs.size(), output_count));
    if ((input_count && !inputs) || (output_count && !outputs)) return badArg("inputs/outputs must not be NULL");

    s.symbol_values.assign(md.symbols.size(), -1);
    s.symbol_source.assign(md.symbols.size(), std::string());
    std::fill(s.buffer_ready.begin(), s.buffer_ready.end(), 0);
    for (size_t i = 0; i < input_count; ++i)
      if (tsr_status* st = bindInput(s, i, inputs[i])) return st;
    for (size_t i = 0; i < output_count; ++i)
      if (tsr_status* st = bindOutput(s, i, outputs[i])) return st;
    for (size_t b = 0; b < m.schedule.buffers.size(); ++b) {
      uint32_t kind = m.schedule.buffers[b].kind;
      if (kind == TSR_BUFFER_CONSTANT || kind == TSR_BUFFER_ARENA)
        if (tsr_status* st = prepareBuffer(s, static_cast<uint32_t>(b))) return st;
    }
    if (tsr_status* st = execute(s)) return st;

    // I/O buffers no step touched still get resolved: outputs need memory, inputs their size check.
    for (const auto* list : {&md.inputs, &md.outputs})
      for (const TensorDesc& t : *list)
        if (tsr_status* st = prepareBuffer(s, t.buffer)) return st;
    for (size_t i = 0; i < output_count; ++i) {
      const TensorDesc& t = md.outputs[i];
      std::vector<int64_t>& dims = s.output_dims[i];
      dims = t.dims;
      for (size_t k = 0; k < dims.size(); ++k) {
        if (isLiteral(dims[k])) continue;
        dims[k] = value(s, t.dims[k]);  // the loader checked that an input or SHAPE step sets it
        if (dims[k] < 0)
          return badArg(format("output '%s': dim %zu (%s) is negative", t.name.c_str(), k,
                               operand(s, t.dims[k]).c_str()));
      }
      uint64_t bytes = 0;
      if (!byteSize(t.dtype, dims.data(), dims.size(), bytes) || bytes > s.buffer_size[t.buffer])
        return badArtifact(format("output '%s': shape %s needs more than the %llu bytes of its buffer %u",
                                  t.name.c_str(), valuesString(dims.data(), dims.size()).c_str(),
                                  ull(s.buffer_size[t.buffer]), t.buffer));
    }
    for (size_t i = 0; i < output_count; ++i) {
      const TensorDesc& t = md.outputs[i];
      tsr_tensor& out = outputs[i];
      uint64_t bytes = 0;
      byteSize(t.dtype, s.output_dims[i].data(), s.output_dims[i].size(), bytes);
      out.dtype = t.dtype;
      out.rank = static_cast<uint32_t>(t.dims.size());
      out.dims = s.output_dims[i].data();
      out.data = s.buffer_base[t.buffer];
      out.byte_size = static_cast<size_t>(bytes);
    }
    return nullptr;
  });
}

}  // extern "C"
