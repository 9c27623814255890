//===- VulkanTargetBackend.h - the Vulkan target ----------------*- C++ -*-===//
#ifndef TESSERA_CODEGEN_VULKAN_VULKANTARGETBACKEND_H
#define TESSERA_CODEGEN_VULKAN_VULKANTARGETBACKEND_H

namespace tessera::vulkan {

/// Registers the Vulkan target backend (codegen/target/TargetBackend.h).
void registerVulkanTargetBackend();

} // namespace tessera::vulkan

#endif
