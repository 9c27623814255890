// The executors this runtime is built with, by the code section they run. A new target adds its section to
// the format, its executor under src/<target>/, and a line here.
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
