// The Vulkan instance and the one device an executor runs on: device selection, the compute queue, and the
// optional validation layer whose messages fail the load or the dispatch they occur in.
#ifndef TESSERA_RUNTIME_SRC_VULKAN_VULKAN_DEVICE_H
#define TESSERA_RUNTIME_SRC_VULKAN_VULKAN_DEVICE_H

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vulkan/vulkan_api.h"

namespace tessera::rt::vk {

// Warnings and errors of the validation layer, which may report from any thread.
class ValidationLog {
public:
  void add(std::string message);
  // The messages since the last call, oldest first (at most kMaxKept); `total` counts the dropped ones too.
  std::vector<std::string> take(size_t& total);
  static constexpr size_t kMaxKept = 64;

private:
  std::mutex mutex_;
  std::vector<std::string> messages_;
  size_t dropped_ = 0;  // beyond the first kMaxKept
};

// A physical device as enumerated: its properties and a compute queue family (UINT32_MAX if none).
struct DeviceCandidate {
  VkPhysicalDevice physical;
  VkPhysicalDeviceProperties properties;
  uint32_t queue_family;
};

struct Device {
  Api api;
  VkInstance instance = VK_NULL_HANDLE;
  std::unique_ptr<ValidationLog> validation;  // set when validation is on; outlives the instance
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties{};
  VkPhysicalDeviceMemoryProperties memory{};
  uint32_t queue_family = 0;
  uint32_t timestamp_bits = 0;  // valid bits of the queue's timestamps; 0: it writes none
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  std::vector<DeviceCandidate> candidates;  // every physical device, in the loader's order (indices)
  // The optional SPIR-V capabilities enabled on the device (every one it supports), by SPIR-V enum value.
  std::vector<uint32_t> capabilities;

  Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  // Waits for the device, destroys what open() created in reverse order, and unloads the loader.
  ~Device();

  // Loads the loader, creates the instance (Vulkan 1.1) and enumerates the physical devices (`candidates`).
  tsr_status* openInstance(const char* loader_library = kLoaderLibrary);

  // openInstance(), then picks a physical device and creates a device with one compute queue. The device:
  //   `wanted_device`            a device index, or a case-insensitive part of its name (NULL or "": the
  //                              environment variable below)
  //   TESSERA_VULKAN_DEVICE      the same, when `wanted_device` is not given; by default the first discrete
  //                              GPU, else the first integrated one, else the first device
  //   TESSERA_VULKAN_VALIDATION  "1" enables VK_LAYER_KHRONOS_validation (validationErrors reports its messages)
  tsr_status* open(const char* wanted_device, const char* loader_library = kLoaderLibrary);

  // After openInstance(): one line per device, "INDEX: NAME (TYPE, Vulkan X.Y)", the default one marked.
  std::string describeDevices() const;

  // The name of the first capability in `required` (a module's OpCapability list) that needs a device feature
  // this device does not enable, or nullptr.
  const char* missingCapability(const std::vector<uint32_t>& required) const;

  // NULL, or an error status quoting the first validation message since the last call.
  tsr_status* validationErrors(const std::string& during) const;
};

}  // namespace tessera::rt::vk

#endif
