// A tiny artifact writer for tests: encodes METADATA and SCHEDULE as artifact_format.h describes and packs
// sections into a container. Tests then corrupt the bytes on purpose.
#ifndef TESSERA_TEST_RUNTIME_ARTIFACT_BUILDER_H
#define TESSERA_TEST_RUNTIME_ARTIFACT_BUILDER_H

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tessera/artifact_format.h"
#include "tessera/kernel_abi.h"

namespace tessera::test {

using Bytes = std::vector<uint8_t>;

class Encoder {
public:
  template <typename T>
  Encoder& put(T v) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof v);
    return *this;
  }
  Encoder& str(const std::string& s) {
    put<uint32_t>(static_cast<uint32_t>(s.size()));
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  Bytes bytes;
};

struct TTensor {
  std::string name;
  uint32_t dtype = TSR_DTYPE_FLOAT32;
  std::vector<int64_t> dims;
  uint32_t buffer = 0;
};

struct TSymbol {
  std::string name;
  int64_t min = 0, max = 0;
};

// A ref (artifact_format.h) naming dim symbol `index`; literals are written as plain non-negative numbers.
constexpr int64_t sym(uint32_t index) { return -int64_t{index} - 1; }

struct TBuffer {
  uint32_t kind = 0, index = 0;
  uint64_t offset = 0;
  int64_t size = 0;  // ref
};

struct TBinding {
  uint32_t buffer = 0;
  uint64_t offset = 0;
  int64_t length = 0;  // ref
};

struct TStep {
  uint32_t kind = TSR_STEP_BARRIER;
  uint32_t kernel = 0;
  int64_t workgroups[3] = {1, 1, 1};  // refs
  std::vector<TBinding> bindings;
  std::vector<int64_t> constants;  // refs
  uint32_t src = 0, dst = 0;
  uint64_t src_offset = 0, dst_offset = 0;
  int64_t length = 0;  // ref
  uint32_t op = 0, symbol = 0;
  int64_t a = 0, b = 0;  // refs

  static TStep dispatch(uint32_t kernel, int64_t wx, std::vector<TBinding> b, std::vector<int64_t> c) {
    TStep s;
    s.kind = TSR_STEP_DISPATCH;
    s.kernel = kernel;
    s.workgroups[0] = wx;
    s.bindings = std::move(b);
    s.constants = std::move(c);
    return s;
  }
  static TStep copy(uint32_t src, uint64_t so, uint32_t dst, uint64_t doff, int64_t len) {
    TStep s;
    s.kind = TSR_STEP_COPY;
    s.src = src, s.src_offset = so, s.dst = dst, s.dst_offset = doff, s.length = len;
    return s;
  }
  static TStep barrier() { return TStep(); }
  // symbol = op(a, b); for TSR_SHAPE_CHECK_EQ the symbol is ignored.
  static TStep shape(uint32_t op, uint32_t symbol, int64_t a, int64_t b) {
    TStep s;
    s.kind = TSR_STEP_SHAPE;
    s.op = op, s.symbol = symbol, s.a = a, s.b = b;
    return s;
  }
};

struct TSection {
  uint32_t kind;
  Bytes bytes;
};

inline tsr_artifact_header readHeader(const Bytes& f) {
  tsr_artifact_header h;
  std::memcpy(&h, f.data(), sizeof h);
  return h;
}

inline tsr_section_entry* sectionEntry(Bytes& f, size_t i) {
  return reinterpret_cast<tsr_section_entry*>(f.data() + sizeof(tsr_artifact_header)) + i;
}

// Recomputes the header hash, and the section hashes too when `sections` is set (entries must be in bounds).
inline void rehash(Bytes& f, bool sections) {
  tsr_artifact_header h = readHeader(f);
  size_t table_bytes = size_t{h.section_count} * sizeof(tsr_section_entry);
  if (table_bytes > f.size() - sizeof h) table_bytes = f.size() - sizeof h;
  if (sections)
    for (size_t i = 0; i < table_bytes / sizeof(tsr_section_entry); ++i) {
      tsr_section_entry* e = sectionEntry(f, i);
      if (e->offset <= f.size() && e->size <= f.size() - e->offset)
        e->hash = tsr_hash64(TSR_HASH_SEED, f.data() + e->offset, e->size);
    }
  h.header_hash = 0;
  uint64_t hash = tsr_hash64(TSR_HASH_SEED, &h, sizeof h);
  h.header_hash = tsr_hash64(hash, f.data() + sizeof h, table_bytes);
  std::memcpy(f.data(), &h, sizeof h);
}

struct ArtifactSpec {
  uint32_t format_version = TSR_ARTIFACT_FORMAT_VERSION;
  uint32_t abi_version = TSR_KERNEL_ABI_VERSION;
  uint64_t cpu_features = 0;
  std::string triple = "x86_64-unknown-linux-gnu";
  std::string cpu = "generic";

  std::vector<TSymbol> symbols;
  std::vector<TTensor> inputs, outputs;
  uint64_t arena_size = 0;
  uint32_t arena_alignment = 64;
  std::vector<TBuffer> buffers;
  std::vector<std::string> kernels;
  std::vector<TStep> steps;
  Bytes code, weights;

  Bytes metadata() const {
    Encoder e;
    e.put<uint32_t>(static_cast<uint32_t>(symbols.size()));
    for (const auto& s : symbols) e.str(s.name).put(s.min).put(s.max);
    for (const auto* list : {&inputs, &outputs}) {
      e.put<uint32_t>(static_cast<uint32_t>(list->size()));
      for (const auto& t : *list) {
        e.str(t.name).put(t.dtype).put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
        for (int64_t d : t.dims) e.put(d);
        e.put(t.buffer);
      }
    }
    return e.bytes;
  }

  Bytes schedule() const {
    Encoder e;
    e.put(arena_size).put(arena_alignment).put<uint32_t>(static_cast<uint32_t>(buffers.size()));
    for (const auto& b : buffers) e.put(b.kind).put(b.index).put(b.offset).put(b.size);
    e.put<uint32_t>(static_cast<uint32_t>(kernels.size()));
    for (const auto& k : kernels) e.str(k);
    e.put<uint32_t>(static_cast<uint32_t>(steps.size()));
    for (const auto& s : steps) {
      e.put(s.kind);
      if (s.kind == TSR_STEP_DISPATCH) {
        e.put(s.kernel).put(s.workgroups[0]).put(s.workgroups[1]).put(s.workgroups[2]);
        e.put<uint32_t>(static_cast<uint32_t>(s.bindings.size()));
        for (const auto& b : s.bindings) e.put(b.buffer).put(b.offset).put(b.length);
        e.put<uint32_t>(static_cast<uint32_t>(s.constants.size()));
        for (int64_t c : s.constants) e.put(c);
      } else if (s.kind == TSR_STEP_COPY) {
        e.put(s.src).put(s.src_offset).put(s.dst).put(s.dst_offset).put(s.length);
      } else if (s.kind == TSR_STEP_SHAPE) {
        e.put(s.op).put(s.symbol).put(s.a).put(s.b);
      }
    }
    return e.bytes;
  }

  // METADATA, SCHEDULE, then CPU_CODE and WEIGHTS when non-empty.
  std::vector<TSection> sections() const {
    std::vector<TSection> s = {{TSR_SECTION_METADATA, metadata()}, {TSR_SECTION_SCHEDULE, schedule()}};
    if (!code.empty()) s.push_back({TSR_SECTION_CPU_CODE, code});
    if (!weights.empty()) s.push_back({TSR_SECTION_WEIGHTS, weights});
    return s;
  }

  Bytes build() const { return pack(sections()); }

  // Header + table + each section at the next aligned offset, all hashes filled in.
  Bytes pack(const std::vector<TSection>& sections) const {
    tsr_artifact_header h{};
    std::memcpy(h.magic, TSR_ARTIFACT_MAGIC, TSR_ARTIFACT_MAGIC_SIZE);
    h.format_version = format_version;
    h.kernel_abi_version = abi_version;
    h.header_size = sizeof h;
    h.section_count = static_cast<uint32_t>(sections.size());
    h.required_cpu_features = cpu_features;
    std::strncpy(h.target_triple, triple.c_str(), sizeof h.target_triple - 1);
    std::strncpy(h.target_cpu, cpu.c_str(), sizeof h.target_cpu - 1);
    std::vector<tsr_section_entry> table(sections.size());
    uint64_t offset = sizeof h + table.size() * sizeof(tsr_section_entry);
    for (size_t i = 0; i < sections.size(); ++i) {
      offset = (offset + TSR_SECTION_ALIGNMENT - 1) / TSR_SECTION_ALIGNMENT * TSR_SECTION_ALIGNMENT;
      table[i] = {sections[i].kind, 0, offset, sections[i].bytes.size(), 0};
      offset += sections[i].bytes.size();
    }
    Bytes file(offset, 0);
    h.file_size = offset;
    std::memcpy(file.data(), &h, sizeof h);
    std::memcpy(file.data() + sizeof h, table.data(), table.size() * sizeof(tsr_section_entry));
    for (size_t i = 0; i < sections.size(); ++i)
      if (!sections[i].bytes.empty())
        std::memcpy(file.data() + table[i].offset, sections[i].bytes.data(), sections[i].bytes.size());
    rehash(file, true);
    return file;
  }
};

// Changes a header field and fixes the header hash, so only the intended check can fire.
template <typename F>
void editHeader(Bytes& f, F&& edit) {
  tsr_artifact_header h = readHeader(f);
  edit(h);
  std::memcpy(f.data(), &h, sizeof h);
  rehash(f, false);
}

}  // namespace tessera::test

#endif
