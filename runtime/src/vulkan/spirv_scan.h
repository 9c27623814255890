// A light scan of a SPIR-V module's preamble, so that a module without the entry point an export names, or
// with a local size other than the export's workgroup size, is a clear load error rather than a driver failure.
// It checks instruction framing up to the first function, nothing more: the SPIR-V is not validated.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_SPIRV_SCAN_H
#define TESSERA_RUNTIME_SRC_VULKAN_SPIRV_SCAN_H

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::rt::vk {

struct EntryPoint {
  bool found = false;           // an OpEntryPoint GLCompute with the name
  bool has_local_size = false;  // an OpExecutionMode LocalSize for it (LocalSizeId is not resolved)
  uint32_t local_size[3] = {0, 0, 0};
};

// Finds the GLCompute entry point `name` in `words` (a module that starts with the SPIR-V magic). False with
// `error` set when the instruction stream is malformed.
bool scanEntryPoint(const std::vector<uint32_t>& words, const std::string& name, EntryPoint& out, std::string& error);

// The OpCapability operands of `words`, in order. False with `error` set when the instruction stream is malformed.
bool scanCapabilities(const std::vector<uint32_t>& words, std::vector<uint32_t>& out, std::string& error);

}  // namespace tessera::rt::vk

#endif
