//===- AllTargets.cpp - the target backends built into this compiler ------===//
#include "codegen/cpu/CpuTargetBackend.h"
#include "codegen/target/TargetBackend.h"
#include "codegen/vulkan/VulkanTargetBackend.h"

namespace tessera {

void registerAllTargetBackends() {
  static const bool once = [] {
    cpu::registerCpuTargetBackend();
    vulkan::registerVulkanTargetBackend();
    return true;
  }();
  (void)once;
}

} // namespace tessera
