// The Vulkan executor: runs executables whose code is in the SPIRV section on one Vulkan device, through the
// system's Vulkan loader (loaded at run time, never linked). Each dispatch copies its bindings into device
// buffers, runs one vkCmdDispatch and copies the written bindings back; dispatches of all sessions of a model
// take turns on the device.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_EXECUTOR_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_EXECUTOR_H

#include <string>

#include "executor.h"

namespace tessera::rt {

// Decodes SPIRV and finds every export's entry point in it, then opens the device (vulkan_device.h) and creates
// a compute pipeline per export.
tsr_status* createVulkanExecutor(const ExecutorLoad& load, std::unique_ptr<Executor>& out);

// One line per Vulkan device ("INDEX: NAME (TYPE, Vulkan X.Y)", the default marked), or one line saying why
// there is none.
std::string describeVulkanDevices();

}  // namespace tessera::rt

#endif
