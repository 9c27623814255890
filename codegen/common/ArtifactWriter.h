//===- ArtifactWriter.h - the versioned artifact container ------*- C++ -*-===//
#ifndef TESSERA_CODEGEN_COMMON_ARTIFACTWRITER_H
#define TESSERA_CODEGEN_COMMON_ARTIFACTWRITER_H

#include <cstdint>
#include <string>

namespace tessera {

/// Little-endian encoder for the METADATA and SCHEDULE sections (see artifact_format.h).
class ByteWriter {
public:
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void i64(int64_t v) { raw(&v, 8); }
  void str(const std::string &s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes.append(s);
  }
  void raw(const void *data, size_t size) { bytes.append(static_cast<const char *>(data), size); }
  std::string bytes;
};

struct ArtifactContents {
  std::string targetTriple;
  std::string targetCpu;
  uint64_t requiredCpuFeatures = 0;
  std::string metadata;
  std::string schedule;
  std::string cpuCode;
  std::string weights;
};

/// Serializes the container: header, section table, 4 KiB-aligned sections, hashes.
std::string writeArtifact(const ArtifactContents &contents);

} // namespace tessera

#endif
