// The Vulkan entry points the executor uses, loaded at run time from the system's Vulkan loader. The runtime
// does not link libvulkan, so apps and the CPU path work on hosts without Vulkan; and since every call goes
// through this table, a test can replace entries to simulate device loss or out-of-memory.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_API_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_API_H

#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

#include <string>

#include "tessera/runtime.h"

namespace tessera::rt::vk {

// Entry points by the object they are loaded for (vkGetInstanceProcAddr with no instance, with the instance,
// vkGetDeviceProcAddr with the device).
#define TSR_VK_GLOBAL_FUNCTIONS(X) \
  X(vkCreateInstance)              \
  X(vkEnumerateInstanceLayerProperties)

#define TSR_VK_INSTANCE_FUNCTIONS(X)          \
  X(vkDestroyInstance)                        \
  X(vkEnumeratePhysicalDevices)               \
  X(vkGetPhysicalDeviceProperties)            \
  X(vkGetPhysicalDeviceQueueFamilyProperties) \
  X(vkGetPhysicalDeviceMemoryProperties)      \
  X(vkGetPhysicalDeviceFeatures2)             \
  X(vkEnumerateDeviceExtensionProperties)     \
  X(vkCreateDevice)                           \
  X(vkGetDeviceProcAddr)

// Only present when VK_EXT_debug_utils is enabled (validation).
#define TSR_VK_DEBUG_FUNCTIONS(X)     \
  X(vkCreateDebugUtilsMessengerEXT) \
  X(vkDestroyDebugUtilsMessengerEXT)

#define TSR_VK_DEVICE_FUNCTIONS(X) \
  X(vkDestroyDevice)               \
  X(vkGetDeviceQueue)              \
  X(vkDeviceWaitIdle)              \
  X(vkCreateShaderModule)          \
  X(vkDestroyShaderModule)         \
  X(vkCreateDescriptorSetLayout)   \
  X(vkDestroyDescriptorSetLayout)  \
  X(vkCreatePipelineLayout)        \
  X(vkDestroyPipelineLayout)       \
  X(vkCreateComputePipelines)      \
  X(vkDestroyPipeline)             \
  X(vkCreatePipelineCache)         \
  X(vkDestroyPipelineCache)        \
  X(vkGetPipelineCacheData)        \
  X(vkCreateDescriptorPool)        \
  X(vkDestroyDescriptorPool)       \
  X(vkAllocateDescriptorSets)      \
  X(vkUpdateDescriptorSets)        \
  X(vkCreateBuffer)                \
  X(vkDestroyBuffer)               \
  X(vkGetBufferMemoryRequirements) \
  X(vkAllocateMemory)              \
  X(vkFreeMemory)                  \
  X(vkBindBufferMemory)            \
  X(vkMapMemory)                   \
  X(vkCreateCommandPool)           \
  X(vkDestroyCommandPool)          \
  X(vkAllocateCommandBuffers)      \
  X(vkResetCommandBuffer)          \
  X(vkBeginCommandBuffer)          \
  X(vkEndCommandBuffer)            \
  X(vkCmdBindPipeline)             \
  X(vkCmdBindDescriptorSets)       \
  X(vkCmdPushConstants)            \
  X(vkCmdDispatch)                 \
  X(vkCmdDispatchIndirect)         \
  X(vkCmdPipelineBarrier)          \
  X(vkCmdCopyBuffer)               \
  X(vkCmdWriteTimestamp)           \
  X(vkCmdResetQueryPool)           \
  X(vkCreateQueryPool)             \
  X(vkDestroyQueryPool)            \
  X(vkGetQueryPoolResults)         \
  X(vkCreateFence)                 \
  X(vkDestroyFence)                \
  X(vkResetFences)                 \
  X(vkWaitForFences)               \
  X(vkQueueSubmit)

#define TSR_VK_MEMBER(name) PFN_##name name = nullptr;

// One table per executor, filled in three stages as the instance and the device come to exist.
struct Api {
  void* library = nullptr;  // the dlopen handle of the loader; closed by unloadApi
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
  TSR_VK_GLOBAL_FUNCTIONS(TSR_VK_MEMBER)
  TSR_VK_INSTANCE_FUNCTIONS(TSR_VK_MEMBER)
  TSR_VK_DEBUG_FUNCTIONS(TSR_VK_MEMBER)
  TSR_VK_DEVICE_FUNCTIONS(TSR_VK_MEMBER)
};

#undef TSR_VK_MEMBER

// The system loader's name.
constexpr const char* kLoaderLibrary = "libvulkan.so.1";

// dlopens `library` and resolves vkGetInstanceProcAddr and the global functions: NULL or an error status.
tsr_status* loadGlobalFunctions(Api& api, const char* library = kLoaderLibrary);
// After vkCreateInstance; the debug functions only when `debug_utils` is enabled on the instance.
tsr_status* loadInstanceFunctions(Api& api, VkInstance instance, bool debug_utils);
// After vkCreateDevice.
tsr_status* loadDeviceFunctions(Api& api, VkDevice device);
// For tests: a function that loadDeviceFunctions calls with the finished table, so a test can replace entry
// points (inject device loss or out-of-memory, mask what a device reports). Null (the default) calls nothing.
// Set it before loading a model, and reset it after the model is released.
using DeviceFunctionsHook = void (*)(Api& api);
void setDeviceFunctionsHook(DeviceFunctionsHook hook);

// dlcloses the loader (every object created through it must be destroyed first).
void unloadApi(Api& api);

// "VK_ERROR_DEVICE_LOST" and so on (the number for codes this table does not know), for messages.
std::string resultName(VkResult result);
// A status for a failed Vulkan call: "Vulkan: <what> failed: <result name>", with a code that says whether
// memory ran out, the host lacks something, or the device failed.
tsr_status* resultStatus(VkResult result, const std::string& what);

}  // namespace tessera::rt::vk

#endif
