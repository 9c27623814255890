// Sessions and the single-threaded CPU executor. A session owns everything a run writes (arena, scratch,
// session-owned outputs, staging), so sessions of one model never share mutable state.
#include <cstring>
#include <memory>

#include "runtime_impl.h"
#include "status.h"

using namespace tessera::rt;

namespace {

// A block from the session allocator, kept across runs.
struct Block {
  void* ptr = nullptr;
  size_t size = 0;
};

}  // namespace

struct tsr_session {
  const tsr_model* model = nullptr;
  tsr_allocator allocator{};
  uint32_t threads = 1;
  Block arena, scratch;
  std::vector<Block> output_blocks;   // session-owned outputs, one per model output
  std::vector<Block> staging;         // inputs smaller than their buffer (dynamic shapes), one per input
  std::vector<std::vector<int64_t>> output_dims;
  std::vector<int64_t> symbol_values;
  std::vector<std::string> symbol_source;  // which input fixed each symbol, for messages
  std::vector<uint8_t*> buffer_base;       // per schedule buffer, rebuilt each run
  std::vector<void*> binding_ptrs;
  std::vector<uint64_t> binding_lengths;

  ~tsr_session() {
    for (Block* b : {&arena, &scratch}) deallocate(allocator, b->ptr);
    for (auto* list : {&output_blocks, &staging})
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

std::string shapeString(const tsr_model& m, const int64_t* dims, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i) s += ",";
    s += dims[i] >= 0 ? std::to_string(dims[i]) : m.metadata.symbols[static_cast<size_t>(-(dims[i] + 1))].name;
  }
  return s + "]";
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
    std::string g = "[";
    for (size_t k = 0; k < got.size(); ++k) g += (k ? "," : "") + std::to_string(got[k]);
    return badArg(format("input '%s': expected shape %s but got %s]", name,
                         shapeString(m, t.dims.data(), t.dims.size()).c_str(), g.c_str()));
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
  if (!byteSize(t.dtype, in.dims, in.rank, bytes) || bytes > buf.size)
    return badArg(format("input '%s': shape %s needs more than the %llu bytes the model was compiled for", name,
                         shapeString(m, in.dims, in.rank).c_str(), static_cast<unsigned long long>(buf.size)));
  if (in.byte_size != bytes)
    return badArg(format("input '%s': byte_size is %zu but %s %s needs %llu", name, in.byte_size,
                         tsr_dtype_name(t.dtype), shapeString(m, in.dims, in.rank).c_str(),
                         static_cast<unsigned long long>(bytes)));
  if (bytes && !in.data) return badArg(format("input '%s': data is NULL", name));
  uint8_t* base = static_cast<uint8_t*>(in.data);
  if (bytes < buf.size) {
    // Kernels may touch the whole buffer: a smaller (dynamic) input goes through zero-padded session memory.
    if (!s.ensure(s.staging[i], buf.size)) return outOfMemoryStatus();
    std::memcpy(s.staging[i].ptr, in.data, bytes);
    std::memset(static_cast<uint8_t*>(s.staging[i].ptr) + bytes, 0, buf.size - bytes);
    base = static_cast<uint8_t*>(s.staging[i].ptr);
  }
  s.buffer_base[t.buffer] = base;
  return nullptr;
}

tsr_status* bindOutput(tsr_session& s, size_t i, const tsr_tensor& out) {
  const tsr_model& m = *s.model;
  const TensorDesc& t = m.metadata.outputs[i];
  const Buffer& buf = m.schedule.buffers[t.buffer];
  if (out.dtype != 0 && out.dtype != t.dtype)
    return badArg(format("output '%s': expected dtype %s but got %s", t.name.c_str(), tsr_dtype_name(t.dtype),
                         tsr_dtype_name(out.dtype)));
  std::vector<int64_t>& dims = s.output_dims[i];
  dims = t.dims;
  for (int64_t& d : dims)
    if (d < 0) d = s.symbol_values[static_cast<size_t>(-(d + 1))];  // validated: an input fixed it
  if (out.data) {
    if (out.byte_size < buf.size)
      return badArg(format("output '%s': caller buffer holds %zu bytes but %llu are needed", t.name.c_str(),
                           out.byte_size, static_cast<unsigned long long>(buf.size)));
    s.buffer_base[t.buffer] = static_cast<uint8_t*>(out.data);
  } else {
    if (!s.ensure(s.output_blocks[i], buf.size)) return outOfMemoryStatus();
    s.buffer_base[t.buffer] = static_cast<uint8_t*>(s.output_blocks[i].ptr);
  }
  return nullptr;
}

// Runs workgroups [first, last) of one dispatch in x-fastest order. A thread pool will call this per chunk.
int runWorkgroups(tsr_kernel_fn fn, const tsr_kernel_env& env, const tsr_dispatch_state& ds, uint64_t first,
                  uint64_t last, uint32_t worker, const tsr_session& s, uint32_t failed_at[3]) {
  tsr_workgroup_state wg{};
  wg.worker_id = worker;
  wg.scratch = s.scratch.ptr;
  wg.scratch_size = s.scratch.size;
  const uint64_t nx = ds.workgroup_count[0], nxy = nx * ds.workgroup_count[1];
  for (uint64_t id = first; id < last; ++id) {
    wg.workgroup_id[0] = static_cast<uint32_t>(id % nx);
    wg.workgroup_id[1] = static_cast<uint32_t>((id / nx) % ds.workgroup_count[1]);
    wg.workgroup_id[2] = static_cast<uint32_t>(id / nxy);
    if (int rc = fn(&env, &ds, &wg)) {
      std::memcpy(failed_at, wg.workgroup_id, sizeof wg.workgroup_id);
      return rc;
    }
  }
  return 0;
}

tsr_status* execute(tsr_session& s) {
  const tsr_model& m = *s.model;
  const Schedule& sc = m.schedule;
  const tsr_kernel_env env{TSR_KERNEL_ABI_VERSION, 0};
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& st = sc.steps[i];
    if (st.kind == TSR_STEP_COPY) {
      std::memmove(s.buffer_base[st.dst_buffer] + st.dst_offset, s.buffer_base[st.src_buffer] + st.src_offset,
                   st.length);
    } else if (st.kind == TSR_STEP_DISPATCH) {
      const size_t n = st.bindings.size();
      s.binding_ptrs.resize(n);
      s.binding_lengths.resize(n);
      for (size_t b = 0; b < n; ++b) {
        s.binding_ptrs[b] = s.buffer_base[st.bindings[b].buffer] + st.bindings[b].offset;
        s.binding_lengths[b] = st.bindings[b].length;
      }
      tsr_dispatch_state ds{};
      std::memcpy(ds.workgroup_count, st.workgroup_count, sizeof ds.workgroup_count);
      ds.constant_count = static_cast<uint32_t>(st.constants.size());
      ds.constants = st.constants.data();
      ds.binding_count = static_cast<uint32_t>(n);
      ds.bindings = s.binding_ptrs.data();
      ds.binding_lengths = s.binding_lengths.data();
      uint64_t total = uint64_t{st.workgroup_count[0]} * st.workgroup_count[1] * st.workgroup_count[2];
      uint32_t at[3] = {0, 0, 0};
      if (int rc = runWorkgroups(m.kernels[st.kernel], env, ds, 0, total, 0, s, at))
        return makeStatus(TSR_STATUS_KERNEL_FAILED,
                          format("kernel '%s' (step %zu) failed with code %d at workgroup (%u,%u,%u)",
                                 sc.kernels[st.kernel].c_str(), i, rc, at[0], at[1], at[2]));
    }
    // BARRIER: nothing to wait for while one thread runs every step in order.
  }
  return nullptr;
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
    s->threads = 1;
    const Schedule& sc = model->schedule;
    // The arena is allocated once, here: runs never allocate unless shapes are dynamic or outputs new.
    if (!s->ensure(s->arena, sc.arena_size, sc.arena_alignment)) return outOfMemoryStatus();
    if (o.scratch_size && !s->ensure(s->scratch, o.scratch_size)) return outOfMemoryStatus();
    s->output_blocks.resize(model->metadata.outputs.size());
    s->staging.resize(model->metadata.inputs.size());
    s->output_dims.resize(model->metadata.outputs.size());
    s->buffer_base.resize(sc.buffers.size());
    *out_session = s.release();
    return nullptr;
  });
}

void tsr_session_release(tsr_session* session) { delete session; }

uint32_t tsr_session_thread_count(const tsr_session* session) { return session ? session->threads : 0; }

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
    for (size_t i = 0; i < input_count; ++i)
      if (tsr_status* st = bindInput(s, i, inputs[i])) return st;
    for (size_t i = 0; i < output_count; ++i)
      if (tsr_status* st = bindOutput(s, i, outputs[i])) return st;
    for (size_t b = 0; b < m.schedule.buffers.size(); ++b) {
      const Buffer& buf = m.schedule.buffers[b];
      if (buf.kind == TSR_BUFFER_CONSTANT)
        s.buffer_base[b] = const_cast<uint8_t*>(m.weights) + buf.offset;  // kernels only read constants
      else if (buf.kind == TSR_BUFFER_ARENA)
        s.buffer_base[b] = static_cast<uint8_t*>(s.arena.ptr) + buf.offset;
    }
    if (tsr_status* st = execute(s)) return st;

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
