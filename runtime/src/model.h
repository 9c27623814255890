// Internal representation of a loaded artifact. Everything here has been validated by the loader, so the
// executor can index without checks.
#ifndef TESSERA_RUNTIME_SRC_MODEL_H
#define TESSERA_RUNTIME_SRC_MODEL_H

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/kernel_abi.h"
#include "tessera/runtime.h"

namespace tessera::rt {

// Ranks above this are rejected as corrupt: no real model gets near it, and it bounds allocations.
constexpr uint32_t kMaxRank = 32;

struct Symbol {
  std::string name;
  int64_t min = 0, max = 0;
};

struct TensorDesc {
  std::string name;
  uint32_t dtype = 0;
  std::vector<int64_t> dims;
  uint32_t buffer = 0;  // schedule buffer holding the tensor
};

struct Metadata {
  std::vector<Symbol> symbols;
  std::vector<TensorDesc> inputs, outputs;
};

struct Buffer {
  uint32_t kind = 0, index = 0;
  uint64_t offset = 0, size = 0;
};

struct Binding {
  uint32_t buffer = 0;
  uint64_t offset = 0, length = 0;
};

struct Step {
  uint32_t kind = 0;
  // DISPATCH
  uint32_t kernel = 0;
  uint32_t workgroup_count[3] = {0, 0, 0};
  std::vector<Binding> bindings;
  std::vector<uint32_t> constants;
  // COPY
  uint32_t src_buffer = 0, dst_buffer = 0;
  uint64_t src_offset = 0, dst_offset = 0, length = 0;
};

struct Schedule {
  uint64_t arena_size = 0;
  uint32_t arena_alignment = 0;
  std::vector<Buffer> buffers;
  std::vector<std::string> kernels;
  std::vector<Step> steps;
};

// Decoders: full bounds checking; on failure return false with `error` describing the first problem.
bool decodeMetadata(const uint8_t* data, size_t size, Metadata& out, std::string& error);
bool decodeSchedule(const uint8_t* data, size_t size, Schedule& out, std::string& error);

// Cross-checks metadata against the schedule and the weights section size.
bool validateModel(const Metadata& md, const Schedule& sc, uint64_t weights_size, std::string& error);

const char* bufferKindName(uint32_t kind);
const char* stepKindName(uint32_t kind);

}  // namespace tessera::rt

#endif
