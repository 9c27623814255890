//===- ArtifactWriter.cpp - the versioned artifact container --------------===//
#include "codegen/common/ArtifactWriter.h"

#include "runtime/include/tessera/artifact_format.h"

#include <cstring>
#include <vector>

namespace tessera {

static uint64_t alignTo(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::string writeArtifact(const ArtifactContents &c) {
  std::vector<std::pair<uint32_t, const std::string *>> sections = {
      {TSR_SECTION_METADATA, &c.metadata},
      {TSR_SECTION_SCHEDULE, &c.schedule},
      {TSR_SECTION_CPU_CODE, &c.cpuCode},
      {TSR_SECTION_WEIGHTS, &c.weights}};
  tsr_artifact_header header;
  std::memset(&header, 0, sizeof(header));
  std::memcpy(header.magic, TSR_ARTIFACT_MAGIC, TSR_ARTIFACT_MAGIC_SIZE);
  header.format_version = TSR_ARTIFACT_FORMAT_VERSION;
  header.kernel_abi_version = 1;
  header.header_size = sizeof(tsr_artifact_header);
  header.section_count = static_cast<uint32_t>(sections.size());
  header.required_cpu_features = c.requiredCpuFeatures;
  std::strncpy(header.target_triple, c.targetTriple.c_str(), sizeof(header.target_triple) - 1);
  std::strncpy(header.target_cpu, c.targetCpu.c_str(), sizeof(header.target_cpu) - 1);

  std::vector<tsr_section_entry> table(sections.size());
  uint64_t offset = alignTo(sizeof(header) + table.size() * sizeof(tsr_section_entry), TSR_SECTION_ALIGNMENT);
  for (size_t i = 0; i < sections.size(); ++i) {
    std::memset(&table[i], 0, sizeof(tsr_section_entry));
    table[i].kind = sections[i].first;
    table[i].offset = offset;
    table[i].size = sections[i].second->size();
    table[i].hash = tsr_hash64(TSR_HASH_SEED, sections[i].second->data(), sections[i].second->size());
    offset = alignTo(offset + table[i].size, TSR_SECTION_ALIGNMENT);
  }
  uint64_t fileSize = table.back().offset + table.back().size;
  header.file_size = fileSize;
  uint64_t h = tsr_hash64(TSR_HASH_SEED, &header, sizeof(header));
  header.header_hash = tsr_hash64(h, table.data(), table.size() * sizeof(tsr_section_entry));

  std::string out(fileSize, '\0');
  std::memcpy(&out[0], &header, sizeof(header));
  std::memcpy(&out[sizeof(header)], table.data(), table.size() * sizeof(tsr_section_entry));
  for (size_t i = 0; i < sections.size(); ++i)
    if (table[i].size)
      std::memcpy(&out[table[i].offset], sections[i].second->data(), table[i].size);
  return out;
}

} // namespace tessera
