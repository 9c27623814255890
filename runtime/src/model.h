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

// An i64 value reference (artifact_format.h): >= 0 is a literal, < 0 names dim symbol (-ref - 1).
using Ref = int64_t;
inline bool isLiteral(Ref r) { return r >= 0; }
inline size_t refSymbol(Ref r) { return static_cast<size_t>(-(r + 1)); }

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
  uint64_t offset = 0;
  Ref size = 0;
};

struct Binding {
  uint32_t buffer = 0;
  uint64_t offset = 0;
  Ref length = 0;
};

struct Step {
  uint32_t kind = 0;
  // DISPATCH
  uint32_t kernel = 0;
  Ref workgroup_count[3] = {0, 0, 0};
  std::vector<Binding> bindings;
  std::vector<Ref> constants;
  // COPY
  uint32_t src_buffer = 0, dst_buffer = 0;
  uint64_t src_offset = 0, dst_offset = 0;
  Ref length = 0;
  // SHAPE
  uint32_t op = 0, symbol = 0;
  Ref a = 0, b = 0;
};

// Workgroup counts must lie below this, so per-axis ids and products stay small.
constexpr int64_t kMaxWorkgroupCount = int64_t{1} << 31;

struct Schedule {
  uint64_t arena_size = 0;
  uint32_t arena_alignment = 0;
  std::vector<Buffer> buffers;
  std::vector<std::string> kernels;
  std::vector<Step> steps;
};

// Decoders: full bounds checking; on failure return false with `error` describing the first problem.
bool decodeMetadata(const uint8_t* data, size_t size, Metadata& out, std::string& error);
// Refs are checked against `symbol_count` (decode the metadata first).
bool decodeSchedule(const uint8_t* data, size_t size, size_t symbol_count, Schedule& out, std::string& error);

// Cross-checks metadata against the schedule and the weights section size.
bool validateModel(const Metadata& md, const Schedule& sc, uint64_t weights_size, std::string& error);

const char* bufferKindName(uint32_t kind);
const char* stepKindName(uint32_t kind);
const char* shapeOpName(uint32_t op);
// A ref as text: the literal, or the symbol's name.
std::string refString(const Metadata& md, Ref r);
// A SHAPE step as text, e.g. "s3 = mul(N, 16)" or "check_eq(N, M)".
std::string shapeString(const Metadata& md, const Step& s);

}  // namespace tessera::rt

#endif
