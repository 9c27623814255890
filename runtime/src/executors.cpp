// The executors this runtime is built with, by the code section they run. A new target adds its section to
// the format, its executor under src/<target>/, and a line here.
#include <algorithm>
#include <cstring>
#include <string>

#include "cpu/cpu_executor.h"
#include "executor.h"
#ifdef TESSERA_HAVE_VULKAN_EXECUTOR
#include "vulkan/vulkan_executor.h"
#endif

namespace tessera::rt {

ExecutorFactory executorFactory(uint32_t code_section) {
  switch (code_section) {
  case TSR_SECTION_CPU_CODE: return createCpuExecutor;
#ifdef TESSERA_HAVE_VULKAN_EXECUTOR
  case TSR_SECTION_SPIRV: return createVulkanExecutor;
#endif
  }
  return nullptr;
}

}  // namespace tessera::rt

size_t tsr_vulkan_devices_string(char* buffer, size_t capacity) {
#ifdef TESSERA_HAVE_VULKAN_EXECUTOR
  const std::string text = tessera::rt::describeVulkanDevices();
#else
  const std::string text = "this runtime is built without the Vulkan executor\n";
#endif
  if (buffer && capacity) {
    const size_t n = std::min(text.size(), capacity - 1);
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
  }
  return text.size();
}
