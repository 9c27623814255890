// Cross-checks between METADATA, SCHEDULE (with its executable table) and WEIGHTS: after this, every index an
// executor follows is in range, every literal byte range lies inside its buffer, every dispatch matches its
// export's signature, and every dim symbol a step or an output needs has been set (by an input dim or an
// earlier SHAPE step) by the time it is needed. Ranges that involve symbols are checked by the runtime once
// their values are known.
#include <set>

#include "runtime/codec/artifact_codec.h"
#include "runtime/codec/codec_internal.h"

namespace tessera::codec {
namespace {

using detail::ull;

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
                                ull(bytes), t.buffer, ull(b.size)));
  }
  return true;
}

bool readOnly(uint32_t buffer_kind) { return buffer_kind == TSR_BUFFER_INPUT || buffer_kind == TSR_BUFFER_CONSTANT; }

// The executable table on its own: code in a code section, and well-formed export signatures.
bool checkExecutables(const Schedule& sc, std::string& error) {
  for (size_t e = 0; e < sc.executables.size(); ++e) {
    const Executable& x = sc.executables[e];
    const char* name = x.name.c_str();
    if (!sectionHoldsCode(x.code_section)) {
      if (!isKnownSection(x.code_section))
        return fail(error, format("executable %zu '%s': unknown code section %u", e, name, x.code_section));
      return fail(error, format("executable %zu '%s': section %s holds no code", e, name,
                                sectionKindName(x.code_section)));
    }
    for (size_t k = 0; k < x.exports.size(); ++k) {
      const Export& ex = x.exports[k];
      if (ex.symbol.empty())
        return fail(error, format("executable %zu '%s': export %zu has an empty symbol name", e, name, k));
      const uint32_t* wg = ex.workgroup_size;
      if (!wg[0] || !wg[1] || !wg[2])
        return fail(error, format("executable %zu '%s': export '%s' has workgroup size [%u,%u,%u], not all >= 1",
                                  e, name, ex.symbol.c_str(), wg[0], wg[1], wg[2]));
      for (uint32_t c : ex.workgroup_count)
        if (c >= kMaxWorkgroupCount)
          return fail(error, format("executable %zu '%s': export '%s' has a grid of %u workgroups, not below 2^31",
                                    e, name, ex.symbol.c_str(), c));
      for (size_t j = 0; j < ex.binding_access.size(); ++j) {
        uint32_t a = ex.binding_access[j];
        if (a < TSR_ACCESS_READ || a > TSR_ACCESS_READ_WRITE)
          return fail(error, format("executable %zu '%s': export '%s' binding %zu has unknown access %u", e, name,
                                    ex.symbol.c_str(), j, a));
      }
    }
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
    case TSR_BUFFER_CONSTANT:  // decodeSchedule made CONSTANT and ARENA sizes literal
      if (!rangeInside(b.offset, static_cast<uint64_t>(b.size), weights_size))
        return fail(error, format("%s: bytes [%llu, +%llu) lie outside WEIGHTS (%llu bytes)", where().c_str(),
                                  ull(b.offset), ull(b.size), ull(weights_size)));
      if (b.offset % TSR_WEIGHT_ALIGNMENT != 0)
        return fail(error, format("%s: offset %llu is not %u-byte aligned", where().c_str(),
                                  ull(b.offset), TSR_WEIGHT_ALIGNMENT));
      break;
    case TSR_BUFFER_ARENA:
      if (!rangeInside(b.offset, static_cast<uint64_t>(b.size), sc.arena_size))
        return fail(error, format("%s: bytes [%llu, +%llu) lie outside the arena (%llu bytes)", where().c_str(),
                                  ull(b.offset), ull(b.size), ull(sc.arena_size)));
      break;
    }
  }
  if (!checkIo(md.inputs, TSR_BUFFER_INPUT, sc, error) || !checkIo(md.outputs, TSR_BUFFER_OUTPUT, sc, error) ||
      !checkExecutables(sc, error))
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
    // The runtime resolves a buffer's size when a step first touches it.
    std::string size_what = format("%s buffer %u size", what, buffer);
    return uses(sc.buffers[buffer].size, size_what.c_str());
  };
  auto checkRange = [&](const char* what, uint32_t buffer, uint64_t offset, Ref length) {
    if (!bufferOk(what, buffer) || !uses(length, what)) return false;
    Ref size = sc.buffers[buffer].size;
    if (isLiteral(size) && isLiteral(length) &&
        !rangeInside(offset, static_cast<uint64_t>(length), static_cast<uint64_t>(size)))
      return fail(error, format("step %zu: %s range [%llu, +%llu) exceeds buffer %u size %llu", step, what,
                                ull(offset), ull(length), buffer, ull(size)));
    return true;
  };
  for (; step < sc.steps.size(); ++step) {
    const Step& s = sc.steps[step];
    const size_t i = step;
    if (s.kind == TSR_STEP_DISPATCH) {
      if (s.executable >= sc.executables.size())
        return fail(error, format("step %zu: executable %u out of range (%zu executables)", i, s.executable,
                                  sc.executables.size()));
      const Executable& exe = sc.executables[s.executable];
      if (s.export_index >= exe.exports.size())
        return fail(error, format("step %zu: export %u out of range (executable '%s' has %zu)", i, s.export_index,
                                  exe.name.c_str(), exe.exports.size()));
      const Export& ex = exe.exports[s.export_index];
      const std::string callee = exe.name + "::" + ex.symbol;
      if (s.bindings.size() != ex.binding_access.size())
        return fail(error, format("step %zu: %zu bindings but %s takes %zu", i, s.bindings.size(), callee.c_str(),
                                  ex.binding_access.size()));
      if (s.constants.size() != ex.constant_count)
        return fail(error, format("step %zu: %zu constants but %s takes %u", i, s.constants.size(), callee.c_str(),
                                  ex.constant_count));
      uint64_t total = 1;
      for (int k = 0; k < 3; ++k) {
        const Ref c = s.workgroup_count[k];
        if (!uses(c, "workgroup count")) return false;
        if (ex.workgroup_count[k] && isLiteral(c) && c != Ref{ex.workgroup_count[k]})
          return fail(error, format("step %zu: workgroup count %s along axis %d but %s was compiled for %u", i,
                                    refString(md, c).c_str(), k, callee.c_str(), ex.workgroup_count[k]));
        if (isLiteral(c)) total *= static_cast<uint64_t>(c);  // each < 2^31, so this cannot wrap before the check
        if (total > UINT32_MAX) return fail(error, format("step %zu: more than 2^32 workgroups", i));
      }
      for (size_t j = 0; j < s.bindings.size(); ++j) {
        std::string what = format("binding %zu", j);
        const Binding& b = s.bindings[j];
        if (!checkRange(what.c_str(), b.buffer, b.offset, b.length)) return false;
        const uint64_t bytes = ex.bindingBytes(j);
        if (bytes && isLiteral(b.length) && static_cast<uint64_t>(b.length) != bytes)
          return fail(error, format("step %zu: binding %zu is %llu bytes but %s was compiled for %llu", i, j,
                                    ull(b.length), callee.c_str(), ull(bytes)));
        const uint32_t k = sc.buffers[b.buffer].kind;
        if ((ex.binding_access[j] & TSR_ACCESS_WRITE) && readOnly(k))
          return fail(error, format("step %zu: binding %zu writes to read-only %s buffer %u (%s access %s)", i, j,
                                    bufferKindName(k), b.buffer, callee.c_str(), accessName(ex.binding_access[j])));
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
      if (readOnly(k))
        return fail(error, format("step %zu: copy writes to read-only %s buffer %u", i, bufferKindName(k),
                                  s.dst_buffer));
#ifndef TESSERA_CPU_ONLY_RUNTIME  // whose session skips transfers: it never follows their indices
    } else if (s.kind == TSR_STEP_TRANSFER) {
      // Only SPIRV kernels work on memory of their own, and only an executable's section has an executor.
      bool used = false;
      for (const Executable& e : sc.executables) used = used || e.code_section == s.code_section;
      if (s.code_section != TSR_SECTION_SPIRV || !used)
        return fail(error, format("step %zu: transfer for section %s, which no executable with memory of its own "
                                  "uses",
                                  i, sectionKindName(s.code_section)));
      if (!checkRange("transfer", s.src_buffer, s.src_offset, s.length)) return false;
      const uint32_t k = sc.buffers[s.src_buffer].kind;
      if (s.direction == TSR_TRANSFER_TO_HOST && readOnly(k))
        return fail(error, format("step %zu: transfer to the host writes to read-only %s buffer %u", i,
                                  bufferKindName(k), s.src_buffer));
#endif
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

}  // namespace tessera::codec
