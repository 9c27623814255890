// libFuzzer target: arbitrary bytes as an artifact. Loading must answer with a status (never crash, hang or
// read out of bounds); a model that loads is described and released like an app would.
//
// Random mutations almost never keep the hashes valid, so they would only ever test the hash checks. The
// custom mutator therefore fixes the header hash and the section hashes after half of the mutations, so
// forged-but-consistent artifacts reach the decoder's own checks -- except the CPU code section's hash:
// loading mutated machine code would test the dynamic linker, not Tessera.
#include <cstddef>
#include <cstdint>
#include <cstring>

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
    if (entry.kind == TSR_SECTION_CPU_CODE || entry.offset > size || entry.size > size - entry.offset) continue;
    entry.hash = tsr_hash64(TSR_HASH_SEED, data + entry.offset, entry.size);
    std::memcpy(at, &entry, sizeof entry);
  }
  header.header_hash = 0;
  uint64_t hash = tsr_hash64(TSR_HASH_SEED, &header, sizeof header);
  header.header_hash = tsr_hash64(hash, data + sizeof header, table);
  std::memcpy(data, &header, sizeof header);
}
}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  size = LLVMFuzzerMutate(data, size, max_size);
  if (seed % 2 == 0) rehash(data, size);
  return size;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tsr_model* model = nullptr;
  tsr_status* status = tsr_model_load_memory(data, size, nullptr, &model);
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
  tsr_model_release(model);
  return 0;
}
