// libFuzzer target: arbitrary bytes as an artifact. Loading must answer with a status (never crash, hang or
// read out of bounds); a model that loads is described, run on zero inputs and released like an app would.
//
// The code section is trusted (SECURITY.md), so a run is only a test of the runtime when the kernels it calls
// check what they are given: the harness runs models whose dispatches all call the seeds' sample kernels
// (test/runtime/kernels, which check binding lengths and alignment like generated kernels do), on grids small
// enough to finish well inside the time limit, on inputs of at most 1 MiB (zero-filling larger ones faulted in
// fresh pages on every execution and set the pace), with an allocator that refuses more than 64 MiB.
//
// Random mutations almost never keep the hashes valid, so they would only ever test the hash checks. The
// custom mutator therefore fixes the header hash and the section hashes after half of the mutations, so
// forged-but-consistent artifacts reach the decoder's own checks -- except the CPU code section's hash:
// loading mutated machine code would test the dynamic linker, not Tessera. libFuzzer still forges that hash
// on its own (it copies the operands of the hash comparison into the input), so an input whose CPU_CODE is
// hash-valid but not byte-identical to the sample kernels is rejected before it is loaded.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "runtime/codec/artifact_codec.h"
#include "tessera/artifact_format.h"
#include "tessera/runtime.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {
void rehash(uint8_t* data, size_t size) {
  tsr_artifact_header header;
  if (size < sizeof header) return;
  std::memcpy(&header, data, sizeof header);
  size_t table = size_t{header.section_count} * sizeof(tsr_section_entry);
  if (table > size - sizeof header) table = (size - sizeof header) / sizeof(tsr_section_entry) * sizeof(tsr_section_entry);
  for (size_t i = 0; i < table / sizeof(tsr_section_entry); ++i) {
    tsr_section_entry entry;
    uint8_t* at = data + sizeof header + i * sizeof entry;
    std::memcpy(&entry, at, sizeof entry);
    // Never the code: not by kind, and not bytes that start like a shared object under another kind (a
    // 16 M-execution campaign changed the code's kind, re-hashed it, mutated it and changed the kind back,
    // and so loaded mutated machine code with a valid hash -- a test of the dynamic linker, not of Tessera).
    if (entry.kind == TSR_SECTION_CPU_CODE || entry.offset > size || entry.size > size - entry.offset) continue;
    if (entry.size >= 4 && std::memcmp(data + entry.offset, "\x7f" "ELF", 4) == 0) continue;
    entry.hash = tsr_hash64(TSR_HASH_SEED, data + entry.offset, entry.size);
    std::memcpy(at, &entry, sizeof entry);
  }
  header.header_hash = 0;
  uint64_t hash = tsr_hash64(TSR_HASH_SEED, &header, sizeof header);
  header.header_hash = tsr_hash64(hash, data + sizeof header, table);
  std::memcpy(data, &header, sizeof header);
}
using namespace tessera::codec;

// Whether the artifact's run stays cheap and calls only kernels that check their dispatch: every dispatch calls
// a sample kernel on a grid whose size is known before the run (literals and input dim symbols) and small.
bool runnable(const uint8_t* data, size_t size) {
  static const std::set<std::string> checked = {"add_f32", "scale_f32", "rows_affine_f32"};
  tsr_artifact_header header;
  std::vector<tsr_section_entry> sections;
  std::string error;
  if (readContainer(data, size, header, sections, error) != ContainerStatus::Ok) return false;
  Metadata md;
  Schedule sc;
  for (const tsr_section_entry& e : sections)
    if (e.kind == TSR_SECTION_METADATA && !decodeMetadata(data + e.offset, e.size, md, error)) return false;
  std::vector<bool> input_symbol(md.symbols.size(), false);
  for (const TensorDesc& t : md.inputs)
    for (int64_t d : t.dims)
      if (d < 0) input_symbol[refSymbol(d)] = true;
  for (const tsr_section_entry& e : sections)
    if (e.kind == TSR_SECTION_SCHEDULE && !decodeSchedule(data + e.offset, e.size, md.symbols.size(), sc, error))
      return false;
  uint64_t workgroups = 0;
  for (const Step& s : sc.steps) {
    if (s.kind != TSR_STEP_DISPATCH) continue;
    if (s.executable >= sc.executables.size() || s.export_index >= sc.executables[s.executable].exports.size() ||
        !checked.count(sc.executables[s.executable].exports[s.export_index].symbol))
      return false;
    uint64_t grid = 1;
    for (Ref c : s.workgroup_count) {
      if (!isLiteral(c) && !input_symbol[refSymbol(c)]) return false;
      int64_t v = isLiteral(c) ? c : 1;  // runOnZeros sets every input dim symbol to 1
      if (v < 0 || v > 4096) return false;
      grid *= static_cast<uint64_t>(v);
    }
    workgroups += grid;
  }
  return workgroups <= (1u << 16);
}

void* cappedAlloc(void*, size_t size, size_t alignment) {
  void* p = nullptr;
  if (size > (size_t{64} << 20) || posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, size))
    return nullptr;
  return p;
}
void cappedFree(void*, void* p) { std::free(p); }

// Runs `model` once on zero-filled inputs; any status is a fine answer.
void runOnZeros(tsr_model* model) {
  std::vector<std::vector<int64_t>> dims(tsr_model_input_count(model));
  std::vector<std::vector<uint8_t>> data(dims.size());
  std::vector<tsr_tensor> inputs(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    tsr_tensor_info info;
    if (tsr_status* st = tsr_model_input_info(model, i, &info)) return tsr_status_free(st);
    uint64_t bytes = tsr_dtype_size(info.dtype);
    for (uint32_t d = 0; d < info.rank; ++d) {
      dims[i].push_back(info.dims[d] >= 0 ? info.dims[d] : 1);
      if (dims[i].back() > 4096 || (bytes *= static_cast<uint64_t>(dims[i].back())) > (uint64_t{1} << 20)) return;
    }
    data[i].assign(bytes, 0);
    inputs[i] = {info.dtype, info.rank, dims[i].data(), data[i].data(), data[i].size()};
  }
  tsr_session_options options;
  tsr_session_options_initialize(&options);
  options.thread_count = 1;
  tsr_session* session = nullptr;
  if (tsr_status* st = tsr_session_create(model, &options, &session)) return tsr_status_free(st);
  std::vector<tsr_tensor> outputs(tsr_model_output_count(model));
  tsr_status_free(tsr_session_run(session, inputs.data(), inputs.size(), outputs.data(), outputs.size()));
  tsr_session_release(session);
}

// The sample kernels, the only machine code the seeds carry (TESSERA_TEST_KERNELS_PATH, set by the build).
const std::string& sampleKernels() {
  static const std::string bytes = [] {
    std::ifstream in(TESSERA_TEST_KERNELS_PATH, std::ios::binary);
    std::string b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (b.size() < 4) std::abort();  // a broken build, not a finding
    return b;
  }();
  return bytes;
}

// Whether the input carries forged machine code: a CPU_CODE section whose hash is valid (so the loader would map
// it) but whose bytes are not the sample kernels'.
bool forgedCode(const uint8_t* data, size_t size) {
  tsr_artifact_header header;
  if (size < sizeof header) return false;
  std::memcpy(&header, data, sizeof header);
  for (size_t i = 0; i < header.section_count && sizeof header + (i + 1) * sizeof(tsr_section_entry) <= size; ++i) {
    tsr_section_entry entry;
    std::memcpy(&entry, data + sizeof header + i * sizeof entry, sizeof entry);
    if (entry.kind != TSR_SECTION_CPU_CODE || entry.offset > size || entry.size > size - entry.offset) continue;
    // Compared first: most inputs carry the kernels unchanged, and hashing them on every execution costs more.
    const std::string& known = sampleKernels();
    if (entry.size == known.size() && std::memcmp(data + entry.offset, known.data(), known.size()) == 0) continue;
    if (tsr_hash64(TSR_HASH_SEED, data + entry.offset, entry.size) == entry.hash) return true;
  }
  return false;
}

// TESSERA_FUZZ_KEEP_INPUT=FILE: each input is written to FILE before it runs, so a fault that also kills
// libFuzzer's own handler (an unwinder stuck in mutated code) still leaves the input behind.
void keepInput(const uint8_t* data, size_t size) {
  static int fd = [] {
    const char* path = std::getenv("TESSERA_FUZZ_KEEP_INPUT");
    return path ? open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) : -1;
  }();
  if (fd < 0) return;
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
}
}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, max_size);
  if (seed % 2 == 0) rehash(data, size);
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keepInput(data, size);
  if (forgedCode(data, size)) return -1;  // never loaded, never kept in the corpus
  tsr_model* model = nullptr;
  tsr_model_options options;
  tsr_model_options_initialize(&options);
  options.allocator = {nullptr, cappedAlloc, cappedFree};
  tsr_status* status = tsr_model_load_memory(data, size, &options, &model);
  if (status) {
    (void)tsr_status_message(status);
    tsr_status_free(status);
    return 0;
  }
  for (size_t i = 0; i < tsr_model_input_count(model); ++i) {
    tsr_tensor_info info;
    tsr_status_free(tsr_model_input_info(model, i, &info));
  }
  for (size_t i = 0; i < tsr_model_output_count(model); ++i) {
    tsr_tensor_info info;
    tsr_status_free(tsr_model_output_info(model, i, &info));
  }
  if (runnable(data, size)) runOnZeros(model);
  tsr_model_release(model);
  return 0;
}
