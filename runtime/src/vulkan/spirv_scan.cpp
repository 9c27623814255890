#include "vulkan/spirv_scan.h"

#include "status.h"

namespace tessera::rt::vk {
namespace {

// From the SPIR-V specification.
constexpr uint32_t kHeaderWords = 5;
constexpr uint32_t kOpEntryPoint = 15, kOpExecutionMode = 16, kOpCapability = 17, kOpFunction = 54;
constexpr uint32_t kExecutionModelGLCompute = 5, kExecutionModeLocalSize = 17;

// The NUL-terminated literal string in words [begin, end), or false if it is not terminated there.
bool literalString(const std::vector<uint32_t>& words, size_t begin, size_t end, std::string& out) {
  out.clear();
  for (size_t w = begin; w < end; ++w)
    for (int byte = 0; byte < 4; ++byte) {
      char c = static_cast<char>((words[w] >> (8 * byte)) & 0xff);
      if (c == '\0') return true;
      out += c;
    }
  return false;
}

}  // namespace

bool scanEntryPoint(const std::vector<uint32_t>& words, const std::string& name, EntryPoint& out, std::string& error) {
  out = EntryPoint{};
  uint32_t id = 0;
  std::string literal;
  for (size_t at = kHeaderWords; at < words.size();) {
    const uint32_t opcode = words[at] & 0xffff, count = words[at] >> 16;
    if (count == 0 || count > words.size() - at) {
      error = format("malformed instruction at word %zu", at);
      return false;
    }
    if (opcode == kOpFunction) break;  // entry points and execution modes come before any function
    if (opcode == kOpEntryPoint && count >= 4 && words[at + 1] == kExecutionModelGLCompute && !out.found) {
      if (!literalString(words, at + 3, at + count, literal)) {
        error = format("unterminated entry point name at word %zu", at);
        return false;
      }
      if (literal == name) {
        out.found = true;
        id = words[at + 2];
      }
    }
    at += count;
  }
  if (!out.found) return true;
  for (size_t at = kHeaderWords; at < words.size();) {
    const uint32_t opcode = words[at] & 0xffff, count = words[at] >> 16;
    if (opcode == kOpFunction) break;
    if (opcode == kOpExecutionMode && count == 6 && words[at + 1] == id && words[at + 2] == kExecutionModeLocalSize) {
      out.has_local_size = true;
      for (int k = 0; k < 3; ++k) out.local_size[k] = words[at + 3 + k];
    }
    at += count;
  }
  return true;
}

bool scanCapabilities(const std::vector<uint32_t>& words, std::vector<uint32_t>& out, std::string& error) {
  out.clear();
  for (size_t at = kHeaderWords; at < words.size();) {
    const uint32_t opcode = words[at] & 0xffff, count = words[at] >> 16;
    if (count == 0 || count > words.size() - at) {
      error = format("malformed instruction at word %zu", at);
      return false;
    }
    if (opcode == kOpFunction) break;  // capabilities come first in a module
    if (opcode == kOpCapability && count == 2) out.push_back(words[at + 1]);
    at += count;
  }
  return true;
}

}  // namespace tessera::rt::vk
