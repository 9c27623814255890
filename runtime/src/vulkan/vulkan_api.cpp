#include "vulkan/vulkan_api.h"

#include <dlfcn.h>

#include <atomic>

#include "status.h"

namespace tessera::rt::vk {
namespace {

tsr_status* missing(const char* name) {
  return makeStatus(TSR_STATUS_UNSUPPORTED, format("Vulkan: the loader does not provide %s", name));
}

}  // namespace

tsr_status* loadGlobalFunctions(Api& api, const char* library) {
  dlerror();
  api.library = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!api.library) {
    const char* why = dlerror();
    return makeStatus(TSR_STATUS_UNSUPPORTED, format("Vulkan loader %s not found: %s", library,
                                                     why ? why : "dlopen failed"));
  }
  api.vkGetInstanceProcAddr =
      reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(api.library, "vkGetInstanceProcAddr"));
  if (!api.vkGetInstanceProcAddr) return missing("vkGetInstanceProcAddr");
#define TSR_VK_LOAD(name)                                                                        \
  api.name = reinterpret_cast<PFN_##name>(api.vkGetInstanceProcAddr(VK_NULL_HANDLE, #name)); \
  if (!api.name) return missing(#name);
  TSR_VK_GLOBAL_FUNCTIONS(TSR_VK_LOAD)
#undef TSR_VK_LOAD
  return nullptr;
}

tsr_status* loadInstanceFunctions(Api& api, VkInstance instance, bool debug_utils) {
#define TSR_VK_LOAD(name)                                                                   \
  api.name = reinterpret_cast<PFN_##name>(api.vkGetInstanceProcAddr(instance, #name)); \
  if (!api.name) return missing(#name);
  TSR_VK_INSTANCE_FUNCTIONS(TSR_VK_LOAD)
  if (debug_utils) {
    TSR_VK_DEBUG_FUNCTIONS(TSR_VK_LOAD)
  }
#undef TSR_VK_LOAD
  return nullptr;
}

namespace {
std::atomic<DeviceFunctionsHook> device_functions_hook{nullptr};
}  // namespace

tsr_status* loadDeviceFunctions(Api& api, VkDevice device) {
#define TSR_VK_LOAD(name)                                                               \
  api.name = reinterpret_cast<PFN_##name>(api.vkGetDeviceProcAddr(device, #name)); \
  if (!api.name) return missing(#name);
  TSR_VK_DEVICE_FUNCTIONS(TSR_VK_LOAD)
#undef TSR_VK_LOAD
  if (DeviceFunctionsHook hook = device_functions_hook.load()) hook(api);
  return nullptr;
}

void setDeviceFunctionsHook(DeviceFunctionsHook hook) { device_functions_hook.store(hook); }

void unloadApi(Api& api) {
  if (api.library) dlclose(api.library);
  api = Api{};
}

std::string resultName(VkResult result) {
  switch (result) {
#define TSR_VK_RESULT(name) \
  case name: return #name;
    TSR_VK_RESULT(VK_SUCCESS)
    TSR_VK_RESULT(VK_NOT_READY)
    TSR_VK_RESULT(VK_TIMEOUT)
    TSR_VK_RESULT(VK_EVENT_SET)
    TSR_VK_RESULT(VK_EVENT_RESET)
    TSR_VK_RESULT(VK_INCOMPLETE)
    TSR_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    TSR_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    TSR_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    TSR_VK_RESULT(VK_ERROR_DEVICE_LOST)
    TSR_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    TSR_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    TSR_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    TSR_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    TSR_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    TSR_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    TSR_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    TSR_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    TSR_VK_RESULT(VK_ERROR_UNKNOWN)
    TSR_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    TSR_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    TSR_VK_RESULT(VK_ERROR_FRAGMENTATION)
    TSR_VK_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    TSR_VK_RESULT(VK_PIPELINE_COMPILE_REQUIRED)
    TSR_VK_RESULT(VK_ERROR_INVALID_SHADER_NV)
#undef TSR_VK_RESULT
  default: break;
  }
  return format("VkResult %d", static_cast<int>(result));
}

tsr_status* resultStatus(VkResult result, const std::string& what) {
  tsr_code code = TSR_STATUS_INTERNAL;
  switch (result) {
  case VK_ERROR_OUT_OF_HOST_MEMORY:
  case VK_ERROR_OUT_OF_DEVICE_MEMORY:
  case VK_ERROR_OUT_OF_POOL_MEMORY:
  case VK_ERROR_FRAGMENTED_POOL:
  case VK_ERROR_FRAGMENTATION: code = TSR_STATUS_OUT_OF_MEMORY; break;
  case VK_ERROR_INITIALIZATION_FAILED:
  case VK_ERROR_INCOMPATIBLE_DRIVER:
  case VK_ERROR_LAYER_NOT_PRESENT:
  case VK_ERROR_EXTENSION_NOT_PRESENT:
  case VK_ERROR_FEATURE_NOT_PRESENT: code = TSR_STATUS_UNSUPPORTED; break;
  case VK_ERROR_DEVICE_LOST: code = TSR_STATUS_KERNEL_FAILED; break;
  default: break;
  }
  return makeStatus(code, format("Vulkan: %s failed: %s", what.c_str(), resultName(result).c_str()));
}

}  // namespace tessera::rt::vk
