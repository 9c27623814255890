// Artifacts for tests, written with the artifact codec from a compact spec. Tests then corrupt the bytes on
// purpose (rehash, editHeader).
#ifndef TESSERA_TEST_RUNTIME_ARTIFACT_BUILDER_H
#define TESSERA_TEST_RUNTIME_ARTIFACT_BUILDER_H

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "runtime/codec/artifact_codec.h"

namespace tessera::test {

namespace codec = tessera::codec;
using Bytes = std::vector<uint8_t>;

// A ref (artifact_format.h) naming dim symbol `index`; literals are written as plain non-negative numbers.
constexpr int64_t sym(uint32_t index) { return -int64_t{index} - 1; }

// A step; dispatches name an executable of ArtifactSpec::kernels (export 0 unless export_index is set).
struct TStep : codec::Step {
  static TStep dispatch(uint32_t executable, int64_t wx, std::vector<codec::Binding> b, std::vector<int64_t> c) {
    TStep s;
    s.kind = TSR_STEP_DISPATCH;
    s.executable = executable;
    s.workgroup_count[0] = wx;
    s.bindings = std::move(b);
    s.constants = std::move(c);
    return s;
  }
  static TStep copy(uint32_t src, uint64_t so, uint32_t dst, uint64_t doff, int64_t len) {
    TStep s;
    s.kind = TSR_STEP_COPY;
    s.src_buffer = src, s.src_offset = so, s.dst_buffer = dst, s.dst_offset = doff, s.length = len;
    return s;
  }
  // Bytes [offset, offset + len) of `buffer` made current on the Vulkan device (TSR_TRANSFER_TO_DEVICE) or host.
  static TStep transfer(uint32_t direction, uint32_t buffer, uint64_t offset, int64_t len) {
    TStep s;
    s.kind = TSR_STEP_TRANSFER;
    s.code_section = TSR_SECTION_SPIRV;
    s.direction = direction, s.src_buffer = buffer, s.src_offset = offset, s.length = len;
    return s;
  }
  static TStep barrier() {
    TStep s;
    s.kind = TSR_STEP_BARRIER;
    return s;
  }
  // symbol = op(a, b); for TSR_SHAPE_CHECK_EQ the symbol is ignored.
  static TStep shape(uint32_t op, uint32_t symbol, int64_t a, int64_t b) {
    TStep s;
    s.kind = TSR_STEP_SHAPE;
    s.op = op, s.symbol = symbol, s.a = a, s.b = b;
    return s;
  }
};

// An executable named after its one export `symbol`, in CPU_CODE. Unless set here, the export's signature
// follows the first dispatch of it: its binding and constant counts, the last binding written and the others
// read (the test kernels' convention).
struct TKernel {
  TKernel(const char* s) : symbol(s) {}
  TKernel(std::string s) : symbol(std::move(s)) {}
  std::string symbol;
  std::optional<std::vector<uint32_t>> access;  // TSR_ACCESS_* per binding
  std::optional<uint32_t> constants;
  uint32_t code_section = TSR_SECTION_CPU_CODE;
  uint32_t workgroup_size[3] = {1, 1, 1};
  uint32_t grid[3] = {0, 0, 0};  // the signature's grid and binding lengths (0 and empty: unchecked)
  std::vector<uint64_t> bytes;
};

struct TSection {
  uint32_t kind;
  Bytes bytes;
};

inline Bytes toBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

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

  std::vector<codec::Symbol> symbols;
  std::vector<codec::TensorDesc> inputs, outputs;
  uint64_t arena_size = 0;
  uint32_t arena_alignment = 64;
  uint64_t scratch_size = 0;
  std::vector<codec::Buffer> buffers;
  std::vector<TKernel> kernels;  // executable i is kernels[i]
  std::vector<TStep> steps;
  Bytes code, weights;
  Bytes spirv;  // the SPIRV section (codec::encodeSpirvSection), for kernels whose code_section is SPIRV

  codec::Metadata metadata() const { return {symbols, inputs, outputs}; }

  codec::Schedule schedule() const {
    codec::Schedule sc;
    sc.arena_size = arena_size;
    sc.arena_alignment = arena_alignment;
    sc.scratch_size = scratch_size;
    sc.buffers = buffers;
    for (size_t i = 0; i < kernels.size(); ++i) {
      const TKernel& k = kernels[i];
      codec::Export x;
      x.symbol = k.symbol;
      std::memcpy(x.workgroup_size, k.workgroup_size, sizeof x.workgroup_size);
      for (const TStep& s : steps)
        if (s.kind == TSR_STEP_DISPATCH && s.executable == i) {
          x.binding_access.assign(s.bindings.size(), TSR_ACCESS_READ);
          if (!s.bindings.empty()) x.binding_access.back() = TSR_ACCESS_WRITE;
          x.constant_count = static_cast<uint32_t>(s.constants.size());
          break;
        }
      if (k.access) x.binding_access = *k.access;
      if (k.constants) x.constant_count = *k.constants;
      std::memcpy(x.workgroup_count, k.grid, sizeof x.workgroup_count);
      x.binding_bytes = k.bytes;
      sc.executables.push_back({k.symbol, k.code_section, {x}});
    }
    sc.steps.assign(steps.begin(), steps.end());
    return sc;
  }

  // METADATA, SCHEDULE, then CPU_CODE, WEIGHTS and SPIRV when non-empty.
  std::vector<TSection> sections(const codec::Schedule& sc) const {
    std::vector<TSection> s = {{TSR_SECTION_METADATA, toBytes(codec::encodeMetadata(metadata()))},
                               {TSR_SECTION_SCHEDULE, toBytes(codec::encodeSchedule(sc))}};
    if (!code.empty()) s.push_back({TSR_SECTION_CPU_CODE, code});
    if (!weights.empty()) s.push_back({TSR_SECTION_WEIGHTS, weights});
    if (!spirv.empty()) s.push_back({TSR_SECTION_SPIRV, spirv});
    return s;
  }
  std::vector<TSection> sections() const { return sections(schedule()); }

  Bytes build() const { return pack(sections()); }
  // With a schedule edited beyond what the spec expresses (e.g. several exports in one executable).
  Bytes build(const codec::Schedule& sc) const { return pack(sections(sc)); }

  // The container around `sections`, as the compiler writes it.
  Bytes pack(const std::vector<TSection>& sections) const {
    codec::ContainerInfo info;
    info.format_version = format_version;
    info.kernel_abi_version = abi_version;
    info.target_triple = triple;
    info.target_cpu = cpu;
    info.required_cpu_features = cpu_features;
    std::vector<codec::SectionBytes> views;
    for (const TSection& s : sections)
      views.push_back({s.kind, std::string_view(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size())});
    return toBytes(codec::writeContainer(info, views));
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
