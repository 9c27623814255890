//===- ToolVersion.h - what every Tessera tool prints for --version -*- C++ -*-===//
//
// The first line, "<tool> <version>", stays stable for scripts to parse; the lines after it name the artifact
// format and kernel ABI the tool reads or writes. The version is the CMake project version, passed in as
// TESSERA_VERSION (tools/CMakeLists.txt).
//
#ifndef TESSERA_TOOLS_COMMON_TOOLVERSION_H
#define TESSERA_TOOLS_COMMON_TOOLVERSION_H

#include "runtime/include/tessera/artifact_format.h"
#include "runtime/include/tessera/kernel_abi.h"

#include <string>

#ifndef TESSERA_VERSION
#error "TESSERA_VERSION (the CMake project version) must be defined"
#endif

namespace tessera {

inline std::string toolVersionText(const char *tool) {
  return std::string(tool) + " " TESSERA_VERSION "\n" +
         "artifact format: " + std::to_string(TSR_ARTIFACT_FORMAT_VERSION) + "\n" +
         "kernel ABI: " + std::to_string(TSR_KERNEL_ABI_VERSION) + "\n";
}

} // namespace tessera

#endif
