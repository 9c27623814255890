// Cross-checks between METADATA, SCHEDULE and WEIGHTS: after this, every index the executor follows is in
// range, every literal byte range lies inside its buffer, and every dim symbol a step or an output needs has
// been set (by an input dim or an earlier SHAPE step) by the time it is needed. Ranges that involve symbols
// are checked by the executor once their values are known.
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
    if (isLiteral(b.size) && staticByteSize(t, bytes) && bytes != static_cast<uint64_t>(b.size))
      return fail(error, format("%s '%s' needs %llu bytes but its buffer %u has %llu", role, t.name.c_str(),
                                static_cast<unsigned long long>(bytes), t.buffer,
                                static_cast<unsigned long long>(b.size)));
  }
  return true;
}

unsigned long long ull(int64_t v) { return static_cast<unsigned long long>(v); }

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
    case TSR_BUFFER_CONSTANT:  // decodeSchedule made CONSTANT and ARENA sizes literal
      if (!rangeInside(b.offset, static_cast<uint64_t>(b.size), weights_size))
        return fail(error, format("%s: bytes [%llu, +%llu) lie outside WEIGHTS (%llu bytes)", where().c_str(),
                                  static_cast<unsigned long long>(b.offset), ull(b.size),
                                  static_cast<unsigned long long>(weights_size)));
      if (b.offset % TSR_WEIGHT_ALIGNMENT != 0)
        return fail(error, format("%s: offset %llu is not %u-byte aligned", where().c_str(),
                                  static_cast<unsigned long long>(b.offset), TSR_WEIGHT_ALIGNMENT));
      break;
    case TSR_BUFFER_ARENA:
      if (!rangeInside(b.offset, static_cast<uint64_t>(b.size), sc.arena_size))
        return fail(error, format("%s: bytes [%llu, +%llu) lie outside the arena (%llu bytes)", where().c_str(),
                                  static_cast<unsigned long long>(b.offset), ull(b.size),
                                  static_cast<unsigned long long>(sc.arena_size)));
      break;
    }
  }
  if (!checkIo(md.inputs, TSR_BUFFER_INPUT, sc, error) || !checkIo(md.outputs, TSR_BUFFER_OUTPUT, sc, error))
    return false;

  // Which symbols have a value so far, walking the steps in order: input dims from the start, SHAPE results
  // from their step on. Each symbol gets one value per run, so a buffer's size cannot change once allocated.
  const size_t nsym = md.symbols.size();
  std::vector<std::string> input_of(nsym);  // input binding the symbol, if any
  std::vector<long long> set_by_step(nsym, -1);
  std::vector<bool> known(nsym, false);
  for (const auto& t : md.inputs)
    for (int64_t d : t.dims)
      if (d < 0 && !known[refSymbol(d)]) {
        known[refSymbol(d)] = true;
        input_of[refSymbol(d)] = t.name;
      }
  auto symName = [&](Ref r) { return md.symbols[refSymbol(r)].name.c_str(); };
  size_t step = 0;
  auto uses = [&](Ref r, const char* what) {
    if (isLiteral(r) || known[refSymbol(r)]) return true;
    return fail(error, format("step %zu: %s uses dim symbol '%s' before an input or SHAPE step sets it", step, what,
                              symName(r)));
  };
  auto bufferOk = [&](const char* what, uint32_t buffer) {
    if (buffer >= sc.buffers.size())
      return fail(error, format("step %zu: %s buffer %u out of range (%zu buffers)", step, what, buffer,
                                sc.buffers.size()));
    // The executor resolves a buffer's size when a step first touches it.
    std::string size_what = format("%s buffer %u size", what, buffer);
    return uses(sc.buffers[buffer].size, size_what.c_str());
  };
  auto checkRange = [&](const char* what, uint32_t buffer, uint64_t offset, Ref length) {
    if (!bufferOk(what, buffer) || !uses(length, what)) return false;
    Ref size = sc.buffers[buffer].size;
    if (isLiteral(size) && isLiteral(length) &&
        !rangeInside(offset, static_cast<uint64_t>(length), static_cast<uint64_t>(size)))
      return fail(error, format("step %zu: %s range [%llu, +%llu) exceeds buffer %u size %llu", step, what,
                                static_cast<unsigned long long>(offset), ull(length), buffer, ull(size)));
    return true;
  };
  for (; step < sc.steps.size(); ++step) {
    const Step& s = sc.steps[step];
    const size_t i = step;
    if (s.kind == TSR_STEP_DISPATCH) {
      if (s.kernel >= sc.kernels.size())
        return fail(error, format("step %zu: kernel %u out of range (%zu kernels)", i, s.kernel, sc.kernels.size()));
      uint64_t total = 1;
      for (Ref c : s.workgroup_count) {
        if (!uses(c, "workgroup count")) return false;
        if (isLiteral(c)) total *= static_cast<uint64_t>(c);  // each < 2^31, so this cannot wrap before the check
        if (total > UINT32_MAX) return fail(error, format("step %zu: more than 2^32 workgroups", i));
      }
      for (size_t j = 0; j < s.bindings.size(); ++j) {
        std::string what = format("binding %zu", j);
        if (!checkRange(what.c_str(), s.bindings[j].buffer, s.bindings[j].offset, s.bindings[j].length))
          return false;
      }
      for (size_t j = 0; j < s.constants.size(); ++j) {
        std::string what = format("constant %zu", j);
        if (!uses(s.constants[j], what.c_str())) return false;
      }
    } else if (s.kind == TSR_STEP_COPY) {
      if (!checkRange("copy source", s.src_buffer, s.src_offset, s.length) ||
          !checkRange("copy destination", s.dst_buffer, s.dst_offset, s.length))
        return false;
      uint32_t k = sc.buffers[s.dst_buffer].kind;
      if (k == TSR_BUFFER_INPUT || k == TSR_BUFFER_CONSTANT)
        return fail(error, format("step %zu: copy writes to read-only %s buffer %u", i, bufferKindName(k),
                                  s.dst_buffer));
    } else if (s.kind == TSR_STEP_SHAPE) {
      if (s.op == TSR_SHAPE_READ_I64) {
        uint32_t buffer = static_cast<uint32_t>(s.a);  // decodeSchedule checked the index
        if (!bufferOk("read_i64", buffer)) return false;
        Ref size = sc.buffers[buffer].size;
        if (isLiteral(size) && static_cast<uint64_t>(size) / 8 <= static_cast<uint64_t>(s.b))
          return fail(error, format("step %zu: read_i64 element %lld lies outside buffer %u (%lld bytes)", i,
                                    static_cast<long long>(s.b), buffer, static_cast<long long>(size)));
      } else if (!uses(s.a, "shape operand") || !uses(s.b, "shape operand")) {
        return false;
      }
      if (s.op != TSR_SHAPE_CHECK_EQ) {
        const char* name = md.symbols[s.symbol].name.c_str();
        if (!input_of[s.symbol].empty())
          return fail(error, format("step %zu: shape step sets symbol '%s', which input '%s' binds", i, name,
                                    input_of[s.symbol].c_str()));
        if (set_by_step[s.symbol] >= 0)
          return fail(error, format("step %zu: symbol '%s' is already set by step %lld", i, name,
                                    set_by_step[s.symbol]));
        set_by_step[s.symbol] = static_cast<long long>(i);
        known[s.symbol] = true;
      }
    }
  }

  // After the last step: output dims give the reported shapes, and I/O buffers not touched by any step are
  // resolved then (an output's memory is still needed; an input's size is still checked).
  for (const auto& t : md.outputs)
    for (int64_t d : t.dims)
      if (d < 0 && !known[refSymbol(d)])
        return fail(error, format("output '%s' uses dim symbol '%s', which no input or SHAPE step sets",
                                  t.name.c_str(), symName(d)));
  for (size_t i = 0; i < sc.buffers.size(); ++i) {
    const Buffer& b = sc.buffers[i];
    if ((b.kind == TSR_BUFFER_INPUT || b.kind == TSR_BUFFER_OUTPUT) && !isLiteral(b.size) && !known[refSymbol(b.size)])
      return fail(error, format("buffer %zu (%s): size uses dim symbol '%s', which no input or SHAPE step sets", i,
                                bufferKindName(b.kind), symName(b.size)));
  }
  return true;
}

}  // namespace tessera::rt
