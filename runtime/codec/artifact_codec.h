// The one encoder, decoder and validator of the artifact format (tessera/artifact_format.h). The compiler's
// writer, the runtime's loader and the tests all go through this library; it depends only on the C++
// standard library, so the runtime stays free of the compiler.
//
// Decoding checks every count against the bytes that remain before anything is reserved, so a corrupt
// count cannot trigger a huge allocation; validation cross-checks the tables so that after it, every index
// an executor follows is in range.
#ifndef TESSERA_RUNTIME_CODEC_ARTIFACT_CODEC_H
#define TESSERA_RUNTIME_CODEC_ARTIFACT_CODEC_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/artifact_format.h"
#include "tessera/kernel_abi.h"

namespace tessera::codec {

// Ranks above this are rejected as corrupt: no real model gets near it, and it bounds allocations.
constexpr uint32_t kMaxRank = 32;
// Workgroup counts must lie below this, so per-axis ids and products stay small.
constexpr int64_t kMaxWorkgroupCount = int64_t{1} << 31;
// Sections per container.
constexpr uint32_t kMaxSections = 64;

// An i64 value reference (artifact_format.h): >= 0 is a literal, < 0 names dim symbol (-ref - 1).
using Ref = int64_t;
inline bool isLiteral(Ref r) { return r >= 0; }
inline size_t refSymbol(Ref r) { return static_cast<size_t>(-(r + 1)); }
inline Ref symbolRef(uint32_t symbol) { return -static_cast<Ref>(symbol) - 1; }

struct Symbol {
  std::string name;
  int64_t min = 0, max = 0;
};

struct TensorDesc {
  std::string name;
  uint32_t dtype = 0;
  std::vector<int64_t> dims;  // >= 0 static, < 0 a symbol ref
  uint32_t buffer = 0;        // schedule buffer holding the tensor
};

struct Metadata {
  std::vector<Symbol> symbols;
  std::vector<TensorDesc> inputs, outputs;
};

struct Buffer {
  uint32_t kind = 0, index = 0;  // TSR_BUFFER_*
  uint64_t offset = 0;
  Ref size = 0;
};

// One entry point of an executable, with the signature every dispatch of it must match.
struct Export {
  std::string symbol;                      // resolved in the executable's code section
  uint32_t workgroup_size[3] = {1, 1, 1};  // invocations per workgroup (1 for CPU kernels)
  std::vector<uint32_t> binding_access;    // TSR_ACCESS_* per binding, in binding order
  uint32_t constant_count = 0;
  // The grid the kernel was compiled for (0 on an axis: any) and, per binding, the bytes it was compiled
  // for (0: decided by run-time dims; empty: all 0). Dispatches are checked against both.
  uint32_t workgroup_count[3] = {0, 0, 0};
  std::vector<uint64_t> binding_bytes;
  uint64_t bindingBytes(size_t j) const { return j < binding_bytes.size() ? binding_bytes[j] : 0; }
};

// Code for one target: its exports live in section `code_section` (e.g. TSR_SECTION_CPU_CODE), which
// also tells the runtime which executor runs it.
struct Executable {
  std::string name;
  uint32_t code_section = 0;
  std::vector<Export> exports;
};

struct Binding {
  uint32_t buffer = 0;
  uint64_t offset = 0;
  Ref length = 0;
};

struct Step {
  uint32_t kind = 0;  // TSR_STEP_*
  // DISPATCH
  uint32_t executable = 0, export_index = 0;
  uint32_t code_section = 0;  // TRANSFER: TSR_SECTION_* (here it fills what would be padding)
  Ref workgroup_count[3] = {1, 1, 1};
  std::vector<Binding> bindings;
  std::vector<Ref> constants;
  // COPY; TRANSFER (src_buffer, src_offset and length are its range)
  uint32_t src_buffer = 0, dst_buffer = 0;
  uint64_t src_offset = 0, dst_offset = 0;
  Ref length = 0;
  // SHAPE; a TRANSFER's direction (TSR_TRANSFER_*) takes op's place
  union {
    uint32_t op = 0;
    uint32_t direction;
  };
  uint32_t symbol = 0;
  Ref a = 0, b = 0;
};

struct Schedule {
  uint64_t arena_size = 0;
  uint32_t arena_alignment = 64;
  uint64_t scratch_size = 0;  // bytes of scratch each thread's kernels use at most
  std::vector<Buffer> buffers;
  std::vector<Executable> executables;
  std::vector<Step> steps;
};

// Whether `kind` is a TSR_SECTION_* of this format version, and whether such a section holds executables' code
// (an executable's code_section must).
inline bool isKnownSection(uint32_t kind) { return kind >= TSR_SECTION_METADATA && kind <= TSR_SECTION_SPIRV; }
inline bool sectionHoldsCode(uint32_t kind) { return kind == TSR_SECTION_CPU_CODE || kind == TSR_SECTION_SPIRV; }

// Per schedule step, the ONNX nodes it computes (the SOURCES section).
using StepSources = std::vector<std::vector<std::string>>;

// One module of the SPIRV section: a SPIR-V binary whose GLCompute entry point `entry_point` runs the export of
// that symbol.
struct SpirvModule {
  std::string entry_point;
  std::vector<uint32_t> words;
};

// Section encoders (exactly the layout artifact_format.h describes).
std::string encodeMetadata(const Metadata& md);
std::string encodeSchedule(const Schedule& sc);
std::string encodeSources(const StepSources& sources);
std::string encodeSpirvSection(const std::vector<SpirvModule>& modules);

// Decoders: full bounds checking; on failure return false with `error` describing the first problem.
bool decodeMetadata(const uint8_t* data, size_t size, Metadata& out, std::string& error);
// Refs are checked against `symbol_count` (decode the metadata first).
bool decodeSchedule(const uint8_t* data, size_t size, size_t symbol_count, Schedule& out, std::string& error);
// Needs one entry per schedule step (`step_count`). Each step's node names come back joined by ", " (how
// messages and profiles show them).
bool decodeSources(const uint8_t* data, size_t size, size_t step_count, std::vector<std::string>& joined,
                   std::string& error);
// Structure only: counts, non-empty distinct entry points, each module at least a SPIR-V header long and starting
// with the SPIR-V magic. The SPIR-V itself is not validated (the Vulkan driver receives it as is).
bool decodeSpirvSection(const uint8_t* data, size_t size, std::vector<SpirvModule>& out, std::string& error);

// Cross-checks metadata against the schedule, the executable table and the weights section size: indices in
// range, literal byte ranges inside their buffers, dispatches matching their export's signature (binding and
// constant counts, the grid, literal binding lengths; no write to an input or constant buffer), transfers
// naming a code section whose kernels work on memory of their own (SPIRV) that some executable uses, every
// symbol set before it is read.
bool validateModel(const Metadata& md, const Schedule& sc, uint64_t weights_size, std::string& error);

// Container header fields the writer sets.
struct ContainerInfo {
  uint32_t format_version = TSR_ARTIFACT_FORMAT_VERSION;
  uint32_t kernel_abi_version = TSR_KERNEL_ABI_VERSION;
  std::string target_triple, target_cpu;
  uint64_t required_cpu_features = 0;
};

struct SectionBytes {
  uint32_t kind;  // TSR_SECTION_*
  std::string_view bytes;
};

// Header, section table, each section at the next TSR_SECTION_ALIGNMENT offset, all hashes filled in.
// Deterministic: the same inputs give the same bytes.
std::string writeContainer(const ContainerInfo& info, const std::vector<SectionBytes>& sections);

enum class ContainerStatus { Ok, Invalid, Unsupported };

// Structural checks of a container: magic, versions, sizes, section table (known kinds, no duplicates,
// alignment, bounds, no overlap), header and section hashes, required sections. No host checks (those
// belong to the executor of each code section). On success fills `header` and `sections`.
ContainerStatus readContainer(const uint8_t* data, size_t size, tsr_artifact_header& header,
                              std::vector<tsr_section_entry>& sections, std::string& error);

// printf-style formatting into a std::string (the codec's and the runtime's messages).
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Names for messages and `--info`.
const char* sectionKindName(uint32_t kind);
const char* bufferKindName(uint32_t kind);
const char* stepKindName(uint32_t kind);
const char* shapeOpName(uint32_t op);
const char* accessName(uint32_t access);
// "float32", "int64", ... for a TSR_DTYPE_*; "unknown" otherwise.
const char* dtypeName(uint32_t dtype);
// A ref as text: the literal, or the symbol's name.
std::string refString(const Metadata& md, Ref r);
// A SHAPE step as text, e.g. "s3 = mul(N, 16)" or "check_eq(N, M)".
std::string shapeString(const Metadata& md, const Step& s);

}  // namespace tessera::codec

#endif
