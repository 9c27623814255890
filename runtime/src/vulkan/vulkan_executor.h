// The Vulkan executor: runs executables whose code is in the SPIRV section on one Vulkan device, through the
// system's Vulkan loader (loaded at run time, never linked). The model's pipelines and weights are on the
// device from load on; each session keeps its own arena, descriptor sets and command buffers
// (vulkan_session.h), and sessions take turns only to submit.
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
