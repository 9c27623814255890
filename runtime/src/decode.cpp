// Decoding of the METADATA and SCHEDULE sections. Every count is checked against the bytes that remain before
// anything is reserved, so a corrupt count cannot trigger a huge allocation.
#include <cstring>
#include <set>

#include "model.h"
#include "status.h"

namespace tessera::rt {
namespace {

class Reader {
public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

  bool fail(std::string message) {
    if (!failed_) error_ = std::move(message);
    failed_ = true;
    return false;
  }

  void prefix(const std::string& p) { error_ = p + error_; }

  template <typename T>
  bool read(T& out, const char* what) {
    if (failed_) return false;
    if (remaining() < sizeof(T)) return fail(format("truncated while reading %s", what));
    std::memcpy(&out, p_, sizeof(T));  // the format is little-endian, like every host we build for
    p_ += sizeof(T);
    return true;
  }

  bool readString(std::string& out, const char* what) {
    uint32_t n = 0;
    if (!read(n, what)) return false;
    if (n > remaining())
      return fail(format("%s length %u exceeds the %zu remaining bytes", what, n, remaining()));
    out.assign(reinterpret_cast<const char*>(p_), n);
    if (out.find('\0') != std::string::npos) return fail(format("%s contains a NUL byte", what));
    p_ += n;
    return true;
  }

  // Reads a count whose elements take at least `min_element_size` bytes each.
  bool readCount(uint32_t& n, size_t min_element_size, const char* what) {
    if (!read(n, what)) return false;
    if (min_element_size && n > remaining() / min_element_size)
      return fail(format("%s %u is larger than the section allows", what, n));
    return true;
  }

private:
  const uint8_t* p_;
  const uint8_t* end_;
  bool failed_ = false;
  std::string error_;
};

bool readTensor(Reader& r, const Metadata& md, const char* role, size_t index, TensorDesc& t) {
  std::string what = format("%s %zu", role, index);
  if (!r.readString(t.name, "tensor name")) return false;
  uint32_t rank = 0;
  if (!r.read(t.dtype, "dtype") || !r.read(rank, "rank")) return false;
  if (tsr_dtype_size(t.dtype) == 0)
    return r.fail(format("%s '%s' has unknown dtype %u", what.c_str(), t.name.c_str(), t.dtype));
  if (rank > kMaxRank)
    return r.fail(format("%s '%s' has rank %u (max %u)", what.c_str(), t.name.c_str(), rank, kMaxRank));
  t.dims.resize(rank);
  for (auto& d : t.dims) {
    if (!r.read(d, "dim")) return false;
    if (d < 0 && static_cast<uint64_t>(-(d + 1)) >= md.symbols.size())
      return r.fail(format("%s '%s' refers to dim symbol %lld but there are %zu", what.c_str(),
                           t.name.c_str(), static_cast<long long>(-(d + 1)), md.symbols.size()));
  }
  return r.read(t.buffer, "buffer index");
}

bool finish(Reader& r, std::string& error) {
  if (!r.failed() && r.remaining() != 0) r.fail(format("%zu trailing bytes", r.remaining()));
  if (r.failed()) error = r.error();
  return !r.failed();
}

}  // namespace

bool decodeMetadata(const uint8_t* data, size_t size, Metadata& md, std::string& error) {
  Reader r(data, size);
  uint32_t n = 0;
  if (r.readCount(n, 4 + 16, "symbol count")) {
    md.symbols.resize(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i) {
      Symbol& s = md.symbols[i];
      if (r.readString(s.name, "symbol name") && r.read(s.min, "symbol min") && r.read(s.max, "symbol max") &&
          s.max < s.min)
        r.fail(format("symbol '%s' has bounds [%lld, %lld]", s.name.c_str(), static_cast<long long>(s.min),
                      static_cast<long long>(s.max)));
    }
  }
  for (int io = 0; io < 2 && !r.failed(); ++io) {
    auto& list = io == 0 ? md.inputs : md.outputs;
    const char* role = io == 0 ? "input" : "output";
    if (!r.readCount(n, 4 + 4 + 4 + 4, io == 0 ? "input count" : "output count")) break;
    list.resize(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i) readTensor(r, md, role, i, list[i]);
  }
  return finish(r, error);
}

bool decodeSchedule(const uint8_t* data, size_t size, size_t symbol_count, Schedule& sc, std::string& error) {
  Reader r(data, size);
  uint32_t n = 0;
  // Reads one ref; a symbolic ref must name an existing symbol.
  auto readRef = [&](Ref& out, const char* what) {
    if (!r.read(out, what)) return false;
    if (!isLiteral(out) && refSymbol(out) >= symbol_count)
      return r.fail(format("%s refers to dim symbol %zu but there are %zu", what, refSymbol(out), symbol_count));
    return true;
  };
  if (r.read(sc.arena_size, "arena size") && r.read(sc.arena_alignment, "arena alignment")) {
    uint32_t a = sc.arena_alignment;
    if (a == 0 || (a & (a - 1)) != 0 || a > TSR_SECTION_ALIGNMENT)
      r.fail(format("arena alignment %u is not a power of two <= %u", a, TSR_SECTION_ALIGNMENT));
  }
  if (r.readCount(n, 24, "buffer count")) {
    sc.buffers.resize(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i) {
      Buffer& b = sc.buffers[i];
      bool ok = r.read(b.kind, "buffer kind") && r.read(b.index, "buffer index") &&
                r.read(b.offset, "buffer offset") && readRef(b.size, "buffer size");
      if (!ok) {
      } else if (b.kind > TSR_BUFFER_DYNAMIC) {
        r.fail(format("buffer %u has unknown kind %u", i, b.kind));
      } else if ((b.kind == TSR_BUFFER_ARENA || b.kind == TSR_BUFFER_CONSTANT) && !isLiteral(b.size)) {
        r.fail(format("buffer %u (%s): size must be a literal", i, bufferKindName(b.kind)));
      } else if (b.kind == TSR_BUFFER_DYNAMIC && b.offset != 0) {
        r.fail(format("buffer %u (dynamic): offset must be 0", i));
      }
      if (r.failed() && r.error().rfind(format("buffer %u ", i), 0) != 0) r.prefix(format("buffer %u: ", i));
    }
  }
  if (r.readCount(n, 4, "kernel count")) {
    sc.kernels.resize(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i)
      if (r.readString(sc.kernels[i], "kernel symbol") && sc.kernels[i].empty())
        r.fail(format("kernel %u has an empty symbol name", i));
  }
  if (r.readCount(n, 4, "step count")) {
    sc.steps.resize(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i) {
      Step& s = sc.steps[i];
      if (!r.read(s.kind, "step kind")) break;
      if (s.kind == TSR_STEP_DISPATCH) {
        uint32_t count = 0;
        r.read(s.kernel, "kernel index");
        for (auto& c : s.workgroup_count) {
          if (!readRef(c, "workgroup count")) break;
          if (c >= kMaxWorkgroupCount)
            r.fail(format("workgroup count %lld is not below 2^31", static_cast<long long>(c)));
        }
        if (r.readCount(count, 20, "binding count")) {
          s.bindings.resize(count);
          for (auto& b : s.bindings)
            if (!r.read(b.buffer, "binding buffer") || !r.read(b.offset, "binding offset") ||
                !readRef(b.length, "binding length"))
              break;
        }
        if (r.readCount(count, 8, "constant count")) {
          s.constants.resize(count);
          for (size_t j = 0; j < s.constants.size() && !r.failed(); ++j)
            if (readRef(s.constants[j], "constant") && s.constants[j] > int64_t{UINT32_MAX})
              r.fail(format("constant %zu is %lld, which does not fit in 32 bits", j,
                            static_cast<long long>(s.constants[j])));
        }
      } else if (s.kind == TSR_STEP_COPY) {
        r.read(s.src_buffer, "copy source") && r.read(s.src_offset, "copy source offset") &&
            r.read(s.dst_buffer, "copy destination") && r.read(s.dst_offset, "copy destination offset") &&
            readRef(s.length, "copy length");
      } else if (s.kind == TSR_STEP_SHAPE) {
        if (r.read(s.op, "shape op") && r.read(s.symbol, "shape symbol") && readRef(s.a, "shape operand a") &&
            readRef(s.b, "shape operand b")) {
          if (s.op < TSR_SHAPE_ADD || s.op > TSR_SHAPE_EQ)
            r.fail(format("unknown shape op %u", s.op));
          else if (s.op != TSR_SHAPE_CHECK_EQ && s.symbol >= symbol_count)
            r.fail(format("shape result symbol %u out of range (%zu symbols)", s.symbol, symbol_count));
          else if (s.op == TSR_SHAPE_READ_I64 && (!isLiteral(s.a) || !isLiteral(s.b)))
            r.fail("read_i64 operands must be literals (buffer, element)");
          else if (s.op == TSR_SHAPE_READ_I64 && static_cast<uint64_t>(s.a) >= sc.buffers.size())
            r.fail(format("read_i64 buffer %lld out of range (%zu buffers)", static_cast<long long>(s.a),
                          sc.buffers.size()));
        }
      } else if (s.kind != TSR_STEP_BARRIER) {
        r.fail(format("step %u has unknown kind %u", i, s.kind));
      }
      if (r.failed() && r.error().rfind("step ", 0) != 0) r.prefix(format("step %u: ", i));
    }
  }
  return finish(r, error);
}

const char* bufferKindName(uint32_t kind) {
  switch (kind) {
  case TSR_BUFFER_INPUT: return "input";
  case TSR_BUFFER_OUTPUT: return "output";
  case TSR_BUFFER_CONSTANT: return "constant";
  case TSR_BUFFER_ARENA: return "arena";
  case TSR_BUFFER_DYNAMIC: return "dynamic";
  }
  return "unknown";
}

const char* stepKindName(uint32_t kind) {
  switch (kind) {
  case TSR_STEP_DISPATCH: return "dispatch";
  case TSR_STEP_COPY: return "copy";
  case TSR_STEP_BARRIER: return "barrier";
  case TSR_STEP_SHAPE: return "shape";
  }
  return "unknown";
}

const char* shapeOpName(uint32_t op) {
  switch (op) {
  case TSR_SHAPE_ADD: return "add";
  case TSR_SHAPE_SUB: return "sub";
  case TSR_SHAPE_MUL: return "mul";
  case TSR_SHAPE_DIV_FLOOR: return "div_floor";
  case TSR_SHAPE_DIV_CEIL: return "div_ceil";
  case TSR_SHAPE_MAX: return "max";
  case TSR_SHAPE_MIN: return "min";
  case TSR_SHAPE_EQ: return "eq";
  case TSR_SHAPE_READ_I64: return "read_i64";
  case TSR_SHAPE_CHECK_EQ: return "check_eq";
  }
  return "unknown";
}

std::string refString(const Metadata& md, Ref r) {
  if (isLiteral(r)) return std::to_string(r);
  size_t sym = refSymbol(r);
  return sym < md.symbols.size() ? md.symbols[sym].name : format("?%zu", sym);
}

std::string shapeString(const Metadata& md, const Step& s) {
  std::string args = s.op == TSR_SHAPE_READ_I64
                         ? format("b%lld, %lld", static_cast<long long>(s.a), static_cast<long long>(s.b))
                         : refString(md, s.a) + ", " + refString(md, s.b);
  std::string call = std::string(shapeOpName(s.op)) + "(" + args + ")";
  if (s.op == TSR_SHAPE_CHECK_EQ) return call;
  return refString(md, -static_cast<Ref>(s.symbol) - 1) + " = " + call;
}

}  // namespace tessera::rt
