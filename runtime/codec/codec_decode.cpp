// Decoding of the container and of its METADATA, SCHEDULE, SOURCES and SPIRV sections. Every count is checked
// against the bytes that remain before anything is reserved, so a corrupt count cannot trigger a huge allocation.
#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>

#include "runtime/codec/artifact_codec.h"
#include "runtime/codec/codec_internal.h"

static_assert(sizeof(tsr_artifact_header) == 176, "artifact header layout changed");
static_assert(sizeof(tsr_section_entry) == 32, "section entry layout changed");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the artifact format is little-endian");

namespace tessera::codec {
namespace {

using detail::ull;

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

  // Prefixes the error with "ITEM I: " unless it already names an item of that kind ("ITEM 3 ...", an inner
  // error that names its item). Formats only on failure: loading calls this once per buffer, export and step.
  void prefix(const char* item, uint32_t i) {
    if (!failed_) return;
    size_t n = std::strlen(item);
    const char* e = error_.c_str();
    if (std::strncmp(e, item, n) == 0 && e[n] == ' ' && e[n + 1] >= '0' && e[n + 1] <= '9')
      return;
    error_ = format("%s %u: %s", item, i, error_.c_str());
  }

  // The next `n` bytes into `out`, or passed over when it is NULL.
  bool take(void* out, size_t n, const char* what) {
    if (failed_) return false;
    if (remaining() < n) return fail(format("truncated while reading %s", what));
    if (out) std::memcpy(out, p_, n);  // the format is little-endian, like every host we build for
    p_ += n;
    return true;
  }

  template <typename T>
  bool read(T& out, const char* what) {
    return take(&out, sizeof(T), what);
  }

  bool readString(std::string& out, const char* what) {
    uint32_t n = 0;
    if (!read(n, what)) return false;
    if (n > remaining())
      return fail(format("%s length %u exceeds the %zu remaining bytes", what, n, remaining()));
    if (std::memchr(p_, 0, n)) return fail(format("%s contains a NUL byte", what));
    out.assign(reinterpret_cast<const char*>(p_), n);
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

// Smallest encodings, for count checks.
constexpr size_t kMinTensorSize = 4 + 4 + 4 + 4;      // name length, dtype, rank, buffer
constexpr size_t kMinExecutableSize = 4 + 4 + 4;      // name length, code section, export count
constexpr size_t kMinExportSize = 4 + 12 + 4 + 4;     // symbol length, workgroup size, binding count, constants
constexpr size_t kBindingSize = 4 + 8 + 8;

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
    if (d < 0 && refSymbol(d) >= md.symbols.size())
      return r.fail(format("%s '%s' refers to dim symbol %zu but there are %zu", what.c_str(), t.name.c_str(),
                           refSymbol(d), md.symbols.size()));
  }
  return r.read(t.buffer, "buffer index");
}

bool readExport(Reader& r, Export& x) {
  uint32_t count = 0;
  if (!r.readString(x.symbol, "export symbol")) return false;
  for (uint32_t& w : x.workgroup_size)
    if (!r.read(w, "workgroup size")) return false;
  for (uint32_t& w : x.workgroup_count)
    if (!r.read(w, "workgroup count")) return false;
  if (!r.readCount(count, 12, "binding count")) return false;
  x.binding_access.resize(count);
  x.binding_bytes.resize(count);
  for (uint32_t j = 0; j < count; ++j)
    if (!r.read(x.binding_access[j], "binding access") || !r.read(x.binding_bytes[j], "binding bytes")) return false;
  return r.read(x.constant_count, "constant count");
}

bool finish(Reader& r, std::string& error) {
  if (!r.failed() && r.remaining() != 0) r.fail(format("%zu trailing bytes", r.remaining()));
  if (r.failed()) error = r.error();
  return !r.failed();
}

constexpr uint32_t kSpirvHeaderWords = 5;  // magic, version, generator, id bound, schema

bool readSpirvModule(Reader& r, std::set<std::string>& entry_points, SpirvModule& m) {
  uint32_t words = 0;
  if (!r.readString(m.entry_point, "entry point") || !r.readCount(words, 4, "word count")) return false;
  const char* name = m.entry_point.c_str();
  if (m.entry_point.empty()) return r.fail("empty entry point name");
  if (!entry_points.insert(m.entry_point).second) return r.fail(format("duplicate entry point '%s'", name));
  if (words < kSpirvHeaderWords)
    return r.fail(format("'%s' has %u words, fewer than a SPIR-V header", name, words));
  m.words.resize(words);
  for (uint32_t& w : m.words)
    if (!r.read(w, "SPIR-V word")) return false;
  if (m.words[0] != TSR_SPIRV_MAGIC)
    return r.fail(format("'%s' does not start with the SPIR-V magic 0x%08x (found 0x%08x)", name, TSR_SPIRV_MAGIC,
                         m.words[0]));
  return true;
}

// Fixed-size NUL-padded header strings must contain a terminator.
bool terminated(const char* s, size_t n) { return std::memchr(s, '\0', n) != nullptr; }

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
    if (!r.readCount(n, kMinTensorSize, io == 0 ? "input count" : "output count")) break;
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
  r.read(sc.scratch_size, "scratch size");
  if (r.readCount(n, 4 + 4 + 8 + 8, "buffer count")) {
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
      r.prefix("buffer", i);
    }
  }
  if (r.readCount(n, kMinExecutableSize, "executable count")) {
    sc.executables.resize(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i) {
      Executable& e = sc.executables[i];
      uint32_t count = 0;
      if (r.readString(e.name, "executable name") && r.read(e.code_section, "code section") &&
          r.readCount(count, kMinExportSize, "export count")) {
        e.exports.resize(count);
        for (uint32_t k = 0; k < count && readExport(r, e.exports[k]); ++k) {
        }
      }
      r.prefix("executable", i);
    }
  }
  if (r.readCount(n, 4, "step count")) {
    sc.steps.resize(n);
    for (uint32_t i = 0; i < n && !r.failed(); ++i) {
      Step& s = sc.steps[i];
      if (!r.read(s.kind, "step kind")) break;
      if (s.kind == TSR_STEP_DISPATCH) {
        uint32_t count = 0;
        r.read(s.executable, "executable index") && r.read(s.export_index, "export index");
        for (auto& c : s.workgroup_count) {
          if (!readRef(c, "workgroup count")) break;
          if (c >= kMaxWorkgroupCount)
            r.fail(format("workgroup count %lld is not below 2^31", static_cast<long long>(c)));
        }
        if (r.readCount(count, kBindingSize, "binding count")) {
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
      } else if (s.kind == TSR_STEP_TRANSFER) {
#ifndef TESSERA_CPU_ONLY_RUNTIME
        const char* what = "transfer step";
        if (r.read(s.code_section, what) && r.read(s.direction, what) && r.read(s.src_buffer, what) &&
            r.read(s.src_offset, what) && readRef(s.length, what) && s.direction != TSR_TRANSFER_TO_DEVICE &&
            s.direction != TSR_TRANSFER_TO_HOST)
          r.fail(format("unknown transfer direction %u", s.direction));
#else
        // Its session skips transfers, and no other step refers to them: their payload is passed over.
        r.take(nullptr, 3 * 4 + 2 * 8, "transfer step");
#endif
      } else if (s.kind != TSR_STEP_BARRIER) {
        r.fail(format("step %u has unknown kind %u", i, s.kind));
      }
      r.prefix("step", i);
    }
  }
  return finish(r, error);
}

bool decodeSources(const uint8_t* data, size_t size, size_t step_count, std::vector<std::string>& joined,
                   std::string& error) {
  Reader r(data, size);
  uint32_t n = 0;
  if (r.readCount(n, 4, "source step count") && n != step_count)
    r.fail(format("source step count %u does not match the schedule's %zu steps", n, step_count));
  if (!r.failed()) joined.assign(n, std::string());
  std::string name;
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    uint32_t names = 0;
    if (!r.readCount(names, 4, "source name count")) break;
    for (uint32_t k = 0; k < names && r.readString(name, "source node name"); ++k)
      joined[i].append(k ? ", " : "").append(name);
    r.prefix("step", i);
  }
  return finish(r, error);
}

bool decodeSpirvSection(const uint8_t* data, size_t size, std::vector<SpirvModule>& out, std::string& error) {
  Reader r(data, size);
  uint32_t n = 0;
  if (r.readCount(n, 4 + 4 + kSpirvHeaderWords * 4, "module count")) out.resize(n);
  std::set<std::string> entry_points;
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    readSpirvModule(r, entry_points, out[i]);
    r.prefix("module", i);
  }
  return finish(r, error);
}

ContainerStatus readContainer(const uint8_t* data, size_t size, tsr_artifact_header& h,
                              std::vector<tsr_section_entry>& sections, std::string& error) {
  auto invalid = [&](std::string message) {
    error = std::move(message);
    return ContainerStatus::Invalid;
  };
  if (size == 0) return invalid("file is empty");
  if (size < TSR_ARTIFACT_MAGIC_SIZE || std::memcmp(data, TSR_ARTIFACT_MAGIC, TSR_ARTIFACT_MAGIC_SIZE) != 0)
    return invalid("bad magic (not a Tessera artifact)");
  if (size < sizeof(tsr_artifact_header))
    return invalid(format("truncated header (%zu of %zu bytes)", size, sizeof(tsr_artifact_header)));
  std::memcpy(&h, data, sizeof h);
  // Versions come before everything else: another version may lay out the rest differently.
  if (h.format_version != TSR_ARTIFACT_FORMAT_VERSION) {
    error = format("format version %u, expected %u (recompile the model with a matching compiler)",
                   h.format_version, TSR_ARTIFACT_FORMAT_VERSION);
    return ContainerStatus::Unsupported;
  }
  if (h.kernel_abi_version != TSR_KERNEL_ABI_VERSION) {
    error = format("kernel ABI version %u is not supported (this runtime implements version %u)",
                   h.kernel_abi_version, TSR_KERNEL_ABI_VERSION);
    return ContainerStatus::Unsupported;
  }
  if (h.header_size != sizeof(tsr_artifact_header))
    return invalid(format("header_size is %u, expected %zu", h.header_size, sizeof(tsr_artifact_header)));
  if (h.file_size != size)
    return invalid(format("header says the file has %llu bytes but it has %zu (truncated or padded?)",
                          ull(h.file_size), size));
  if (h.section_count > kMaxSections)
    return invalid(format("section count %u exceeds the limit of %u", h.section_count, kMaxSections));
  const size_t table_end = sizeof h + size_t{h.section_count} * sizeof(tsr_section_entry);
  if (table_end > size) return invalid("section table extends past the end of the file");

  tsr_artifact_header zeroed = h;
  zeroed.header_hash = 0;
  uint64_t hash = tsr_hash64(TSR_HASH_SEED, &zeroed, sizeof zeroed);
  hash = tsr_hash64(hash, data + sizeof h, table_end - sizeof h);
  if (hash != h.header_hash) return invalid("header hash mismatch (corrupt file?)");
  if (!terminated(h.target_triple, sizeof h.target_triple) || !terminated(h.target_cpu, sizeof h.target_cpu))
    return invalid("target triple or cpu is not NUL-terminated");

  sections.resize(h.section_count);
  if (h.section_count) std::memcpy(sections.data(), data + sizeof h, table_end - sizeof h);
  int seen[TSR_SECTION_SPIRV + 1];
  std::fill(std::begin(seen), std::end(seen), -1);
  for (uint32_t i = 0; i < h.section_count; ++i) {
    const tsr_section_entry& s = sections[i];
    if (!isKnownSection(s.kind))
      return invalid(format("section %u has unknown kind %u", i, s.kind));
    if (seen[s.kind] >= 0)
      return invalid(
          format("duplicate %s section (sections %d and %u)", sectionKindName(s.kind), seen[s.kind], i));
    seen[s.kind] = static_cast<int>(i);
    if (s.offset % TSR_SECTION_ALIGNMENT != 0)
      return invalid(format("section %u (%s) offset %llu is not %u-byte aligned", i, sectionKindName(s.kind),
                            ull(s.offset), TSR_SECTION_ALIGNMENT));
    if (s.offset < table_end || s.offset > size || s.size > size - s.offset)
      return invalid(format("section %u (%s) bytes [%llu, +%llu) lie outside the file's data area [%zu, %zu)", i,
                            sectionKindName(s.kind), ull(s.offset), ull(s.size), table_end, size));
  }
  // At most kMaxSections entries: every pair is compared. Empty sections overlap nothing.
  for (uint32_t i = 0; i < h.section_count; ++i)
    for (uint32_t j = i + 1; j < h.section_count; ++j) {
      const tsr_section_entry &a = sections[i], &b = sections[j];
      if (a.size && b.size && a.offset < b.offset + b.size && b.offset < a.offset + a.size)
        return invalid(format("sections %u and %u overlap", i, j));
    }
  for (uint32_t i = 0; i < h.section_count; ++i) {
    const tsr_section_entry& s = sections[i];
    if (tsr_hash64(TSR_HASH_SEED, data + s.offset, s.size) != s.hash)
      return invalid(format("section %u (%s) hash mismatch (corrupt file?)", i, sectionKindName(s.kind)));
  }
  for (uint32_t kind : {TSR_SECTION_METADATA, TSR_SECTION_SCHEDULE})
    if (seen[kind] < 0) return invalid(format("missing %s section", sectionKindName(kind)));
  return ContainerStatus::Ok;
}

}  // namespace tessera::codec
