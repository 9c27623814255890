// Encoding of the METADATA, SCHEDULE, SOURCES and SPIRV sections and of the container, exactly as artifact_format.h lays
// them out. Encoders do not validate: a writer may produce a bad table on purpose (tests do), and the
// loader's decoder and validator are the one place that decides what is acceptable.
#include <cstring>

#include "runtime/codec/artifact_codec.h"

namespace tessera::codec {
namespace {

class Writer {
public:
  template <typename T>
  Writer& put(T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);  // the format is little-endian, like every host
    return *this;
  }
  Writer& count(size_t n) { return put(static_cast<uint32_t>(n)); }
  Writer& str(const std::string& s) {
    count(s.size());
    out += s;
    return *this;
  }
  std::string out;
};

void putTensor(Writer& w, const TensorDesc& t) {
  w.str(t.name).put(t.dtype).count(t.dims.size());
  for (int64_t d : t.dims) w.put(d);
  w.put(t.buffer);
}

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

std::string encodeMetadata(const Metadata& md) {
  Writer w;
  w.count(md.symbols.size());
  for (const Symbol& s : md.symbols) w.str(s.name).put(s.min).put(s.max);
  for (const auto* list : {&md.inputs, &md.outputs}) {
    w.count(list->size());
    for (const TensorDesc& t : *list) putTensor(w, t);
  }
  return std::move(w.out);
}

std::string encodeSchedule(const Schedule& sc) {
  Writer w;
  w.put(sc.arena_size).put(sc.arena_alignment).put(sc.scratch_size).count(sc.buffers.size());
  for (const Buffer& b : sc.buffers) w.put(b.kind).put(b.index).put(b.offset).put(b.size);
  w.count(sc.executables.size());
  for (const Executable& e : sc.executables) {
    w.str(e.name).put(e.code_section).count(e.exports.size());
    for (const Export& x : e.exports) {
      w.str(x.symbol).put(x.workgroup_size[0]).put(x.workgroup_size[1]).put(x.workgroup_size[2]);
      w.put(x.workgroup_count[0]).put(x.workgroup_count[1]).put(x.workgroup_count[2]);
      w.count(x.binding_access.size());
      for (size_t j = 0; j < x.binding_access.size(); ++j) w.put(x.binding_access[j]).put(x.bindingBytes(j));
      w.put(x.constant_count);
    }
  }
  w.count(sc.steps.size());
  for (const Step& s : sc.steps) {
    w.put(s.kind);
    if (s.kind == TSR_STEP_DISPATCH) {
      w.put(s.executable).put(s.export_index);
      for (Ref c : s.workgroup_count) w.put(c);
      w.count(s.bindings.size());
      for (const Binding& b : s.bindings) w.put(b.buffer).put(b.offset).put(b.length);
      w.count(s.constants.size());
      for (Ref c : s.constants) w.put(c);
    } else if (s.kind == TSR_STEP_COPY) {
      w.put(s.src_buffer).put(s.src_offset).put(s.dst_buffer).put(s.dst_offset).put(s.length);
    } else if (s.kind == TSR_STEP_SHAPE) {
      w.put(s.op).put(s.symbol).put(s.a).put(s.b);
    } else if (s.kind == TSR_STEP_TRANSFER) {
      w.put(s.code_section).put(s.direction).put(s.src_buffer).put(s.src_offset).put(s.length);
    }
    // BARRIER has no payload; an unknown kind is written bare, for the decoder to reject.
  }
  return std::move(w.out);
}

std::string encodeSources(const StepSources& sources) {
  Writer w;
  w.count(sources.size());
  for (const std::vector<std::string>& names : sources) {
    w.count(names.size());
    for (const std::string& name : names) w.str(name);
  }
  return std::move(w.out);
}

std::string encodeSpirvSection(const std::vector<SpirvModule>& modules) {
  Writer w;
  w.count(modules.size());
  for (const SpirvModule& m : modules) {
    w.str(m.entry_point).count(m.words.size());
    for (uint32_t word : m.words) w.put(word);
  }
  return std::move(w.out);
}

std::string writeContainer(const ContainerInfo& info, const std::vector<SectionBytes>& sections) {
  tsr_artifact_header h;
  std::memset(&h, 0, sizeof h);  // padding and unused string bytes are hashed: they must be zero
  std::memcpy(h.magic, TSR_ARTIFACT_MAGIC, TSR_ARTIFACT_MAGIC_SIZE);
  h.format_version = info.format_version;
  h.kernel_abi_version = info.kernel_abi_version;
  h.header_size = sizeof h;
  h.section_count = static_cast<uint32_t>(sections.size());
  h.required_cpu_features = info.required_cpu_features;
  std::strncpy(h.target_triple, info.target_triple.c_str(), sizeof h.target_triple - 1);
  std::strncpy(h.target_cpu, info.target_cpu.c_str(), sizeof h.target_cpu - 1);

  std::vector<tsr_section_entry> table(sections.size());
  uint64_t end = sizeof h + table.size() * sizeof(tsr_section_entry);
  for (size_t i = 0; i < sections.size(); ++i) {
    tsr_section_entry& e = table[i];
    std::memset(&e, 0, sizeof e);
    e.kind = sections[i].kind;
    e.offset = alignUp(end, TSR_SECTION_ALIGNMENT);
    e.size = sections[i].bytes.size();
    e.hash = tsr_hash64(TSR_HASH_SEED, sections[i].bytes.data(), sections[i].bytes.size());
    end = e.offset + e.size;  // the file ends right after the last section, without padding
  }
  h.file_size = end;
  uint64_t hash = tsr_hash64(TSR_HASH_SEED, &h, sizeof h);
  h.header_hash = tsr_hash64(hash, table.data(), table.size() * sizeof(tsr_section_entry));

  std::string out(end, '\0');
  std::memcpy(&out[0], &h, sizeof h);
  if (!table.empty()) std::memcpy(&out[sizeof h], table.data(), table.size() * sizeof(tsr_section_entry));
  for (size_t i = 0; i < sections.size(); ++i)
    if (table[i].size) std::memcpy(&out[table[i].offset], sections[i].bytes.data(), table[i].size);
  return out;
}

}  // namespace tessera::codec
