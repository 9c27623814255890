// Text rendering of a loaded model: metadata, container layout and the whole schedule (`tessera-run --info`).
#include <algorithm>
#include <cinttypes>

#include "runtime_impl.h"
#include "status.h"

namespace tessera::rt {
namespace {

using codec::accessName;
using codec::bufferKindName;
using codec::refString;
using codec::sectionKindName;
using codec::shapeString;
using codec::stepKindName;

std::string dimsString(const Metadata& md, const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    s += refString(md, dims[i]);
  }
  return s + "]";
}

}  // namespace

std::string describeModel(const tsr_model& m) {
  const Metadata& md = m.metadata;
  const Schedule& sc = m.schedule;
  const tsr_artifact_header& h = m.header;
  std::string o;
  o += format("artifact: format %u, kernel abi %u, %zu bytes\n", h.format_version, h.kernel_abi_version, m.size);
  o += format("target: %s (cpu %s), requires: %s\n", h.target_triple, h.target_cpu,
              cpuFeatureNames(h.required_cpu_features).c_str());
  o += "sections:\n";
  for (size_t i = 0; i < m.sections.size(); ++i) {
    const tsr_section_entry& s = m.sections[i];
    o += format("  %zu %-8s offset %" PRIu64 " size %" PRIu64 " hash 0x%016" PRIx64 "\n", i,
                sectionKindName(s.kind), s.offset, s.size, s.hash);
  }
  if (!md.symbols.empty()) o += "symbols:\n";
  for (const Symbol& s : md.symbols)
    o += format("  %s in [%" PRId64 ", %" PRId64 "]\n", s.name.c_str(), s.min, s.max);
  for (int io = 0; io < 2; ++io) {
    const auto& list = io == 0 ? md.inputs : md.outputs;
    o += io == 0 ? "inputs:\n" : "outputs:\n";
    for (size_t i = 0; i < list.size(); ++i)
      o += format("  %zu %s: %s %s (buffer %u)\n", i, list[i].name.c_str(), tsr_dtype_name(list[i].dtype),
                  dimsString(md, list[i].dims).c_str(), list[i].buffer);
  }
  o += format("schedule: arena %" PRIu64 " bytes (align %u), scratch %" PRIu64
              " bytes per thread, %zu buffers, %zu executables, %zu steps\n",
              sc.arena_size, sc.arena_alignment, sc.scratch_size, sc.buffers.size(), sc.executables.size(),
              sc.steps.size());
  o += "buffers:\n";
  for (size_t i = 0; i < sc.buffers.size(); ++i) {
    const Buffer& b = sc.buffers[i];
    o += format("  b%zu %-8s index %u offset %" PRIu64 " size %s\n", i, bufferKindName(b.kind), b.index, b.offset,
                refString(md, b.size).c_str());
  }
  o += "executables:\n";
  for (size_t i = 0; i < sc.executables.size(); ++i) {
    const Executable& e = sc.executables[i];
    o += format("  e%zu %s (%s)\n", i, e.name.c_str(), sectionKindName(e.code_section));
    for (size_t k = 0; k < e.exports.size(); ++k) {
      const Export& x = e.exports[k];
      std::string access;
      for (size_t j = 0; j < x.binding_access.size(); ++j)
        access += (j ? "," : "") + std::string(accessName(x.binding_access[j]));
      o += format("    %zu %s workgroup size [%u,%u,%u] bindings [%s] constants %u", k, x.symbol.c_str(),
                  x.workgroup_size[0], x.workgroup_size[1], x.workgroup_size[2], access.c_str(), x.constant_count);
      // The compiled-for grid and binding lengths, when the signature records them.
      if (x.workgroup_count[0] || x.workgroup_count[1] || x.workgroup_count[2])
        o += format(" grid [%u,%u,%u]", x.workgroup_count[0], x.workgroup_count[1], x.workgroup_count[2]);
      if (std::any_of(x.binding_bytes.begin(), x.binding_bytes.end(), [](uint64_t b) { return b != 0; })) {
        std::string bytes;
        for (size_t j = 0; j < x.binding_bytes.size(); ++j)
          bytes += format("%s%" PRIu64, j ? "," : "", x.binding_bytes[j]);
        o += " bytes [" + bytes + "]";
      }
      o += "\n";
    }
  }
  o += "steps:\n";
  for (size_t i = 0; i < sc.steps.size(); ++i) {
    const Step& s = sc.steps[i];
    o += format("  %zu %s", i, stepKindName(s.kind));
    if (s.kind == TSR_STEP_DISPATCH) {
      const Executable& e = sc.executables[s.executable];
      o += format(" %s::%s workgroups [%s,%s,%s] bindings {", e.name.c_str(),
                  e.exports[s.export_index].symbol.c_str(), refString(md, s.workgroup_count[0]).c_str(),
                  refString(md, s.workgroup_count[1]).c_str(), refString(md, s.workgroup_count[2]).c_str());
      for (size_t j = 0; j < s.bindings.size(); ++j)
        o += format("%sb%u+%" PRIu64 ":%s", j ? ", " : "", s.bindings[j].buffer, s.bindings[j].offset,
                    refString(md, s.bindings[j].length).c_str());
      o += "} constants [";
      for (size_t j = 0; j < s.constants.size(); ++j) o += (j ? "," : "") + refString(md, s.constants[j]);
      o += "]";
    } else if (s.kind == TSR_STEP_COPY) {
      o += format(" b%u+%" PRIu64 " -> b%u+%" PRIu64 " (%s bytes)", s.src_buffer, s.src_offset, s.dst_buffer,
                  s.dst_offset, refString(md, s.length).c_str());
    } else if (s.kind == TSR_STEP_SHAPE) {
      o += ": " + shapeString(md, s);
    } else if (s.kind == TSR_STEP_TRANSFER) {
      o += format(" %s b%u+%" PRIu64 " (%s bytes, %s)", s.direction == TSR_TRANSFER_TO_HOST ? "to host" : "to device",
                  s.src_buffer, s.src_offset, refString(md, s.length).c_str(), sectionKindName(s.code_section));
    }
    if (i < m.step_sources.size() && !m.step_sources[i].empty()) o += " from " + m.step_sources[i];
    o += "\n";
  }
  return o;
}

}  // namespace tessera::rt
