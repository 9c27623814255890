#include "vulkan/vulkan_device.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "status.h"

namespace tessera::rt::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

VKAPI_ATTR VkBool32 VKAPI_CALL onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data, void* log) {
  const char* level = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning";
  try {
    static_cast<ValidationLog*>(log)->add(format("%s: %s", level, data && data->pMessage ? data->pMessage : "?"));
  } catch (...) {  // a message lost to out-of-memory must not unwind into the driver
  }
  return VK_FALSE;  // never abort the call that triggered it
}

VkDebugUtilsMessengerCreateInfoEXT messengerInfo(ValidationLog* log) {
  VkDebugUtilsMessengerCreateInfoEXT info{};
  info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  info.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  info.pfnUserCallback = onValidationMessage;
  info.pUserData = log;
  return info;
}

bool validationRequested() {
  const char* v = std::getenv("TESSERA_VULKAN_VALIDATION");
  return v && std::strcmp(v, "1") == 0;
}

const char* deviceTypeName(VkPhysicalDeviceType type) {
  switch (type) {
  case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
  case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
  case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
  case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
  default: return "other";
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A compute-capable queue family of `physical`, or UINT32_MAX.
uint32_t computeQueueFamily(const Api& api, VkPhysicalDevice physical) {
  uint32_t n = 0;
  api.vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, nullptr);
  std::vector<VkQueueFamilyProperties> families(n);
  api.vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, families.data());
  for (uint32_t i = 0; i < n; ++i)
    if ((families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && families[i].queueCount > 0) return i;
  return UINT32_MAX;
}

using Candidate = DeviceCandidate;

std::string deviceList(const std::vector<Candidate>& all) {
  std::string list;
  for (size_t i = 0; i < all.size(); ++i)
    list += format("%s%zu: %s (%s%s)", i ? ", " : "", i, all[i].properties.deviceName,
                   deviceTypeName(all[i].properties.deviceType),
                   all[i].queue_family == UINT32_MAX ? ", no compute queue" : "");
  return list;
}

// The device `wanted` names (an index or part of a name), else the first discrete GPU, integrated GPU or other
// device, in that order of preference, among those with a compute queue.
// `source` names where `wanted` came from, for messages.
tsr_status* choose(const std::vector<Candidate>& all, const char* wanted, const char* source, const Candidate*& out) {
  if (wanted && *wanted) {
    std::string w = wanted;
    const Candidate* match = nullptr;
    if (w.find_first_not_of("0123456789") == std::string::npos) {
      unsigned long index = std::strtoul(wanted, nullptr, 10);
      if (index < all.size()) match = &all[index];
    } else {
      for (const Candidate& c : all)
        if (lower(c.properties.deviceName).find(lower(w)) != std::string::npos) {
          match = &c;
          break;
        }
    }
    if (!match)
      return makeStatus(TSR_STATUS_NOT_FOUND, format("Vulkan: no device matches %s='%s' "
                                                     "(devices: %s)",
                                                     source, wanted, deviceList(all).c_str()));
    if (match->queue_family == UINT32_MAX)
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("Vulkan: device '%s' (%s='%s') has no compute queue",
                               match->properties.deviceName, source, wanted));
    out = match;
    return nullptr;
  }
  for (VkPhysicalDeviceType type : {VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU})
    for (const Candidate& c : all)
      if (c.properties.deviceType == type && c.queue_family != UINT32_MAX) {
        out = &c;
        return nullptr;
      }
  for (const Candidate& c : all)
    if (c.queue_family != UINT32_MAX) {
      out = &c;
      return nullptr;
    }
  return makeStatus(TSR_STATUS_UNSUPPORTED,
                    format("Vulkan: no device with a compute queue (devices: %s)", deviceList(all).c_str()));
}

}  // namespace

void ValidationLog::add(std::string message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (messages_.size() < kMaxKept)
    messages_.push_back(std::move(message));
  else
    ++dropped_;
}

std::vector<std::string> ValidationLog::take(size_t& total) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  out.swap(messages_);
  total = out.size() + dropped_;
  dropped_ = 0;
  return out;
}

tsr_status* Device::openInstance(const char* loader_library) {
  if (tsr_status* st = loadGlobalFunctions(api, loader_library)) return st;

  const bool validate = validationRequested();
  std::vector<const char*> layers, extensions;
  VkDebugUtilsMessengerCreateInfoEXT messenger_info{};
  if (validate) {
    uint32_t n = 0;
    api.vkEnumerateInstanceLayerProperties(&n, nullptr);
    std::vector<VkLayerProperties> available(n);
    api.vkEnumerateInstanceLayerProperties(&n, available.data());
    bool found = false;
    for (uint32_t i = 0; i < n; ++i) found = found || std::strcmp(available[i].layerName, kValidationLayer) == 0;
    if (!found)
      return makeStatus(TSR_STATUS_UNSUPPORTED,
                        format("Vulkan: TESSERA_VULKAN_VALIDATION=1 but the layer %s is not installed",
                               kValidationLayer));
    validation = std::make_unique<ValidationLog>();
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    messenger_info = messengerInfo(validation.get());
  }

  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "tessera";
  app.pEngineName = "tessera";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo instance_info{};
  instance_info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  instance_info.pNext = validate ? &messenger_info : nullptr;  // also covers instance creation itself
  instance_info.pApplicationInfo = &app;
  instance_info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  instance_info.ppEnabledLayerNames = layers.data();
  instance_info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  instance_info.ppEnabledExtensionNames = extensions.data();
  VkResult r = api.vkCreateInstance(&instance_info, nullptr, &instance);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
    return makeStatus(TSR_STATUS_UNSUPPORTED,
                      "Vulkan: no Vulkan device available (vkCreateInstance found no driver supporting Vulkan 1.1: "
                      "VK_ERROR_INCOMPATIBLE_DRIVER)");
  if (r != VK_SUCCESS) {
    instance = VK_NULL_HANDLE;
    return resultStatus(r, "vkCreateInstance");
  }
  if (tsr_status* st = loadInstanceFunctions(api, instance, validate)) return st;
  if (validate) {
    r = api.vkCreateDebugUtilsMessengerEXT(instance, &messenger_info, nullptr, &messenger);
    if (r != VK_SUCCESS) {
      messenger = VK_NULL_HANDLE;
      return resultStatus(r, "vkCreateDebugUtilsMessengerEXT");
    }
  }

  uint32_t count = 0;
  r = api.vkEnumeratePhysicalDevices(instance, &count, nullptr);
  if (r != VK_SUCCESS && r != VK_INCOMPLETE) return resultStatus(r, "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> physicals(count);
  r = api.vkEnumeratePhysicalDevices(instance, &count, physicals.data());
  if (r != VK_SUCCESS && r != VK_INCOMPLETE) return resultStatus(r, "vkEnumeratePhysicalDevices");
  physicals.resize(count);
  if (physicals.empty())
    return makeStatus(TSR_STATUS_UNSUPPORTED,
                      "Vulkan: no Vulkan device available (the loader found no physical device)");
  candidates.clear();
  for (VkPhysicalDevice p : physicals) {
    Candidate c{p, {}, computeQueueFamily(api, p)};
    api.vkGetPhysicalDeviceProperties(p, &c.properties);
    candidates.push_back(c);
  }
  return nullptr;
}

std::string Device::describeDevices() const {
  const Candidate* chosen = nullptr;
  if (tsr_status* st = choose(candidates, nullptr, "", chosen)) tsr_status_free(st);
  std::string text;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const VkPhysicalDeviceProperties& p = candidates[i].properties;
    text += format("%zu: %s (%s, Vulkan %u.%u%s)%s\n", i, p.deviceName, deviceTypeName(p.deviceType),
                   VK_API_VERSION_MAJOR(p.apiVersion), VK_API_VERSION_MINOR(p.apiVersion),
                   candidates[i].queue_family == UINT32_MAX ? ", no compute queue" : "",
                   &candidates[i] == chosen ? " [default]" : "");
  }
  return text;
}

tsr_status* Device::open(const char* wanted_device, const char* loader_library) {
  if (tsr_status* st = openInstance(loader_library)) return st;
  const char* source = "the model option vulkan_device";
  if (!wanted_device || !*wanted_device) {
    wanted_device = std::getenv("TESSERA_VULKAN_DEVICE");
    source = "TESSERA_VULKAN_DEVICE";
  }
  const Candidate* chosen = nullptr;
  VkResult r = VK_SUCCESS;
  if (tsr_status* st = choose(candidates, wanted_device, source, chosen)) return st;
  physical = chosen->physical;
  properties = chosen->properties;
  queue_family = chosen->queue_family;
  api.vkGetPhysicalDeviceMemoryProperties(physical, &memory);
  {
    uint32_t n = 0;
    api.vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, nullptr);
    std::vector<VkQueueFamilyProperties> families(n);
    api.vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, families.data());
    if (queue_family < n) timestamp_bits = families[queue_family].timestampValidBits;
  }

  // Every optional feature kernels may use (the compiler's profiles) that the device has: Int64, Float64,
  // Int16, Float16, Int8 and 8/16-bit storage. The 1.2 features come through their extensions (the
  // instance asks for Vulkan 1.1).
  uint32_t extension_count = 0;
  api.vkEnumerateDeviceExtensionProperties(physical, nullptr, &extension_count, nullptr);
  std::vector<VkExtensionProperties> device_extensions(extension_count);
  api.vkEnumerateDeviceExtensionProperties(physical, nullptr, &extension_count, device_extensions.data());
  device_extensions.resize(extension_count);
  auto has = [&](const char* name) {
    for (const VkExtensionProperties& e : device_extensions)
      if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
  };
  std::vector<const char*> enabled_extensions;
  VkPhysicalDevice16BitStorageFeatures storage16{};
  storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  VkPhysicalDevice8BitStorageFeaturesKHR storage8{};
  storage8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES_KHR;
  VkPhysicalDeviceShaderFloat16Int8FeaturesKHR float16_int8{};
  float16_int8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR;
  VkPhysicalDeviceFeatures2 features{};
  features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  features.pNext = &storage16;
  void** tail = &storage16.pNext;
  if (has(VK_KHR_8BIT_STORAGE_EXTENSION_NAME)) {
    enabled_extensions.push_back(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
    *tail = &storage8;
    tail = &storage8.pNext;
  }
  if (has(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME)) {
    enabled_extensions.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
    *tail = &float16_int8;
    tail = &float16_int8.pNext;
  }
  api.vkGetPhysicalDeviceFeatures2(physical, &features);
  // Enable exactly what kernels may use, nothing else (robustness features cost speed).
  VkPhysicalDeviceFeatures2 enable = features;
  enable.features = VkPhysicalDeviceFeatures{};
  enable.features.shaderInt64 = features.features.shaderInt64;
  enable.features.shaderFloat64 = features.features.shaderFloat64;
  enable.features.shaderInt16 = features.features.shaderInt16;
  storage16.uniformAndStorageBuffer16BitAccess = VK_FALSE;
  storage16.storagePushConstant16 = VK_FALSE;
  storage16.storageInputOutput16 = VK_FALSE;
  storage8.uniformAndStorageBuffer8BitAccess = VK_FALSE;
  storage8.storagePushConstant8 = VK_FALSE;
  // SPIR-V capability enum values (the SPIR-V specification).
  enum : uint32_t { Float16 = 9, Float64 = 10, Int64 = 11, Int16 = 22, Int8 = 39, Storage16 = 4433, Storage8 = 4448 };
  capabilities.clear();
  if (enable.features.shaderInt64) capabilities.push_back(Int64);
  if (enable.features.shaderFloat64) capabilities.push_back(Float64);
  if (enable.features.shaderInt16) capabilities.push_back(Int16);
  if (storage16.storageBuffer16BitAccess) capabilities.push_back(Storage16);
  if (storage8.storageBuffer8BitAccess) capabilities.push_back(Storage8);
  if (float16_int8.shaderFloat16) capabilities.push_back(Float16);
  if (float16_int8.shaderInt8) capabilities.push_back(Int8);

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{};
  queue_info.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queue_info.queueFamilyIndex = queue_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkDeviceCreateInfo device_info{};
  device_info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  device_info.pNext = &enable;
  device_info.enabledExtensionCount = static_cast<uint32_t>(enabled_extensions.size());
  device_info.ppEnabledExtensionNames = enabled_extensions.data();
  r = api.vkCreateDevice(physical, &device_info, nullptr, &device);
  if (r != VK_SUCCESS) {
    device = VK_NULL_HANDLE;
    return resultStatus(r, format("vkCreateDevice on '%s'", properties.deviceName));
  }
  if (tsr_status* st = loadDeviceFunctions(api, device)) return st;
  api.vkGetDeviceQueue(device, queue_family, 0, &queue);
  return validationErrors("device creation");
}

const char* Device::missingCapability(const std::vector<uint32_t>& required) const {
  // The capabilities that depend on a device feature; others (Shader, Matrix, ...) every device has.
  static const struct {
    uint32_t value;
    const char* name;
  } optional[] = {{9, "Float16"}, {10, "Float64"}, {11, "Int64"}, {22, "Int16"}, {39, "Int8"},
                  {4433, "StorageBuffer16BitAccess"}, {4448, "StorageBuffer8BitAccess"}};
  for (uint32_t cap : required)
    for (const auto& o : optional)
      if (o.value == cap && std::find(capabilities.begin(), capabilities.end(), cap) == capabilities.end())
        return o.name;
  return nullptr;
}

tsr_status* Device::validationErrors(const std::string& during) const {
  if (!validation) return nullptr;
  size_t total = 0;
  std::vector<std::string> messages = validation->take(total);
  if (messages.empty()) return nullptr;
  std::string more = total > 1 ? format(" (and %zu more)", total - 1) : "";
  return makeStatus(TSR_STATUS_INTERNAL, format("Vulkan validation during %s: %s%s", during.c_str(),
                                                messages[0].c_str(), more.c_str()));
}

Device::~Device() {
  // An entry point can be missing only when open() failed while loading the table; the handle then leaks.
  if (device != VK_NULL_HANDLE && api.vkDeviceWaitIdle && api.vkDestroyDevice) {
    api.vkDeviceWaitIdle(device);
    api.vkDestroyDevice(device, nullptr);
  }
  if (messenger != VK_NULL_HANDLE) api.vkDestroyDebugUtilsMessengerEXT(instance, messenger, nullptr);
  if (instance != VK_NULL_HANDLE && api.vkDestroyInstance) api.vkDestroyInstance(instance, nullptr);
  unloadApi(api);
}

}  // namespace tessera::rt::vk
