// Cross-checks between METADATA, SCHEDULE and WEIGHTS: after this, every index the executor follows is in
// range and every byte range it touches lies inside its buffer.
#include <set>

#include "model.h"
#include "status.h"

namespace tessera::rt {
namespace {

bool rangeInside(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

bool fail(std::string& error, std::string message) {
  error = std::move(message);
  return false;
}

// Byte size of a fully static tensor; false if any dim is symbolic or the size overflows.
bool staticByteSize(const TensorDesc& t, uint64_t& bytes) {
  bytes = tsr_dtype_size(t.dtype);
  for (int64_t d : t.dims) {
    if (d < 0) return false;
    if (d != 0 && bytes > UINT64_MAX / static_cast<uint64_t>(d)) return false;
    bytes *= static_cast<uint64_t>(d);
  }
  return true;
}

bool checkIo(const std::vector<TensorDesc>& list, uint32_t kind, const Schedule& sc, std::string& error) {
  const char* role = kind == TSR_BUFFER_INPUT ? "input" : "output";
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const TensorDesc& t = list[i];
    if (!names.insert(t.name).second) return fail(error, format("duplicate %s name '%s'", role, t.name.c_str()));
    if (t.buffer >= sc.buffers.size())
      return fail(error, format("%s '%s' refers to buffer %u but there are %zu", role, t.name.c_str(), t.buffer,
                                sc.buffers.size()));
    const Buffer& b = sc.buffers[t.buffer];
    if (b.kind != kind || b.index != i)
      return fail(error, format("%s '%s' refers to buffer %u, which is %s %u, not %s %zu", role, t.name.c_str(),
                                t.buffer, bufferKindName(b.kind), b.index, role, i));
    uint64_t bytes = 0;
    if (staticByteSize(t, bytes) && bytes != b.size)
      return fail(error, format("%s '%s' needs %llu bytes but its buffer %u has %llu", role, t.name.c_str(),
                                static_cast<unsigned long long>(bytes), t.buffer,
                                static_cast<unsigned long long>(b.size)));
  }
  return true;
}

}  // namespace

bool validateModel(const Metadata& md, const Schedule& sc, uint64_t weights_size, std::string& error) {
  for (size_t i = 0; i < sc.buffers.size(); ++i) {
    const Buffer& b = sc.buffers[i];
    auto where = [&] { return format("buffer %zu (%s)", i, bufferKindName(b.kind)); };
    switch (b.kind) {
    case TSR_BUFFER_INPUT:
    case TSR_BUFFER_OUTPUT: {
      size_t count = b.kind == TSR_BUFFER_INPUT ? md.inputs.size() : md.outputs.size();
      if (b.index >= count)
        return fail(error, format("%s: index %u but the model has %zu", where().c_str(), b.index, count));
      if (b.offset != 0) return fail(error, format("%s: offset must be 0", where().c_str()));
      break;
    }
    case TSR_BUFFER_CONSTANT:
      if (!rangeInside(b.offset, b.size, weights_size))
        return fail(error, format("%s: bytes [%llu, +%llu) lie outside WEIGHTS (%llu bytes)", where().c_str(),
                                  static_cast<unsigned long long>(b.offset), static_cast<unsigned long long>(b.size),
                                  static_cast<unsigned long long>(weights_size)));
      if (b.offset % TSR_WEIGHT_ALIGNMENT != 0)
        return fail(error, format("%s: offset %llu is not %u-byte aligned", where().c_str(),
                                  static_cast<unsigned long long>(b.offset), TSR_WEIGHT_ALIGNMENT));
      break;
    case TSR_BUFFER_ARENA:
      if (!rangeInside(b.offset, b.size, sc.arena_size))
        return fail(error, format("%s: bytes [%llu, +%llu) lie outside the arena (%llu bytes)", where().c_str(),
                                  static_cast<unsigned long long>(b.offset), static_cast<unsigned long long>(b.size),
                                  static_cast<unsigned long long>(sc.arena_size)));
      break;
    }
  }
  if (!checkIo(md.inputs, TSR_BUFFER_INPUT, sc, error) || !checkIo(md.outputs, TSR_BUFFER_OUTPUT, sc, error))
    return false;

  // An output dim symbol must be fixed by some input, or its shape could not be reported.
  std::set<int64_t> bound;
  for (const auto& t : md.inputs)
    for (int64_t d : t.dims)
      if (d < 0) bound.insert(d);
  for (const auto& t : md.outputs)
    for (int64_t d : t.dims)
      if (d < 0 && !bound.count(d))
        return fail(error, format("output '%s' uses dim symbol '%s', which no input determines", t.name.c_str(),
                                  md.symbols[static_cast<size_t>(-(d + 1))].name.c_str()));

  auto checkRange = [&](size_t step, const char* what, uint32_t buffer, uint64_t offset, uint64_t length) {
    if (buffer >= sc.buffers.size())
      return fail(error, format("step %zu: %s buffer %u out of range (%zu buffers)", step, what, buffer,
                                sc.buffers.size()));
    if (!rangeInside(offset, length, sc.buffers[buffer].size))
      return fail(error, format("step %zu: %s range [%llu, +%llu) exceeds buffer %u size %llu", step, what,
                                static_cast<unsigned long long>(offset), static_cast<unsigned long long>(length),
                                buffer, static_cast<unsigned long long>(sc.buffers[buffer].size)));
    return true;
  };
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& s = sc.steps[i];
    if (s.kind == TSR_STEP_DISPATCH) {
      if (s.kernel >= sc.kernels.size())
        return fail(error, format("step %zu: kernel %u out of range (%zu kernels)", i, s.kernel, sc.kernels.size()));
      uint64_t total = 1;
      for (uint32_t c : s.workgroup_count) {
        if (c == 0) return fail(error, format("step %zu: workgroup count is 0", i));
        total *= c;
        if (total > UINT32_MAX) return fail(error, format("step %zu: more than 2^32 workgroups", i));
      }
      for (size_t j = 0; j < s.bindings.size(); ++j) {
        std::string what = format("binding %zu", j);
        if (!checkRange(i, what.c_str(), s.bindings[j].buffer, s.bindings[j].offset, s.bindings[j].length))
          return false;
      }
    } else if (s.kind == TSR_STEP_COPY) {
      if (!checkRange(i, "copy source", s.src_buffer, s.src_offset, s.length) ||
          !checkRange(i, "copy destination", s.dst_buffer, s.dst_offset, s.length))
        return false;
      uint32_t k = sc.buffers[s.dst_buffer].kind;
      if (k == TSR_BUFFER_INPUT || k == TSR_BUFFER_CONSTANT)
        return fail(error, format("step %zu: copy writes to read-only %s buffer %u", i, bufferKindName(k),
                                  s.dst_buffer));
    }
  }
  return true;
}

}  // namespace tessera::rt
