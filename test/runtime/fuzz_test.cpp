// Random corruption of a valid artifact: every load must end in OK or an error status, never a crash.
#include <random>

#include "test_util.h"

using namespace tessera::test;

namespace {

TEST(LoaderFuzz, RandomFlipsAndTruncations) {
  const Bytes good = sampleSpec().build();
  std::mt19937_64 rng(12345);
  int ok = 0, errors = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    Bytes b = good;
    switch (rng() % 3) {
    case 0:  // flip anywhere, hashes left alone: the hashes must catch it (or it hit unhashed padding)
      b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      break;
    case 1:
      b.resize(rng() % b.size());
      break;
    case 2: {  // flip inside METADATA or SCHEDULE and fix every hash, so the decoder's own checks must hold
      tsr_section_entry e = *sectionEntry(b, rng() % 2);
      for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k)
        b[e.offset + rng() % e.size] ^= static_cast<uint8_t>(1 + rng() % 255);
      rehash(b, true);
      break;
    }
    }
    auto r = loadResult(b);
    (r.first == TSR_STATUS_OK ? ok : errors)++;
    if (r.first != TSR_STATUS_OK) {
      EXPECT_FALSE(r.second.empty());
    }
  }
  EXPECT_GT(errors, 1000);
  RecordProperty("loads_ok", ok);
}

// Refuses blocks over 1 MiB: a corrupt size may be huge but valid, and filling it would only test the machine.
void* cappedAlloc(void*, size_t size, size_t alignment) {
  void* p = nullptr;
  return size <= (1u << 20) && posix_memalign(&p, alignment, size ? size : 1) == 0 ? p : nullptr;
}
void cappedFree(void*, void* p) { free(p); }

TEST(LoaderFuzz, DynamicModelFlipsThenRun) {
  // Refs, SHAPE steps and DYNAMIC buffers corrupted (hashes fixed): whatever still loads must run to OK or an
  // error status, so every run-time range, size and value check is exercised too.
  const ArtifactSpec spec = batchSpec();
  const Bytes good = spec.build();
  std::mt19937_64 rng(4242);
  int loaded = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    Bytes b = good;
    tsr_section_entry e = *sectionEntry(b, rng() % 2);
    for (int k = 0, n = 1 + static_cast<int>(rng() % 2); k < n; ++k) {
      // Mostly small values: they keep the schedule decodable and reach the executor's checks.
      uint8_t v = rng() % 2 ? static_cast<uint8_t>(rng() % 8) : static_cast<uint8_t>(rng());
      b[e.offset + rng() % e.size] = v;
    }
    rehash(b, true);
    tsr_model* model = nullptr;
    tsr_status* st = tsr_model_load_memory(b.data(), b.size(), nullptr, &model);
    if (st) {
      EXPECT_NE(std::string(tsr_status_message(st)), "");
      tsr_status_free(st);
      continue;
    }
    ++loaded;
    tsr_session* session = nullptr;
    tsr_session_options so;
    tsr_session_options_initialize(&so);
    so.allocator = {nullptr, &cappedAlloc, &cappedFree};
    st = tsr_session_create(model, &so, &session);
    if (!st) {
      for (int64_t n : {0, 1, 3}) {
        std::vector<float> x(static_cast<size_t>(n) * 4, 1.0f);
        std::vector<int64_t> dims = {n, 4};
        size_t inputs = tsr_model_input_count(model), outputs = tsr_model_output_count(model);
        std::vector<tsr_tensor> in(inputs, tsr_tensor{TSR_DTYPE_FLOAT32, 2, dims.data(), x.data(), x.size() * 4});
        std::vector<tsr_tensor> out(outputs, tsr_tensor{});
        tsr_status_free(tsr_session_run(session, in.data(), inputs, out.data(), outputs));
      }
    }
    tsr_status_free(st);
    tsr_session_release(session);
    tsr_model_release(model);
  }
  EXPECT_GT(loaded, 0);
  RecordProperty("loads_ok", loaded);
}

TEST(LoaderFuzz, HeaderAndTableFlipsWithRehash) {
  // Header/table fields changed with a valid header hash: bounds, alignment and overlap checks must catch them.
  const Bytes good = sampleSpec().build();
  std::mt19937_64 rng(777);
  size_t end = sizeof(tsr_artifact_header) + 4 * sizeof(tsr_section_entry);
  for (int iter = 0; iter < 500; ++iter) {
    Bytes b = good;
    size_t pos = rng() % end;
    // Skip the CPU_CODE entry's offset/size: pointing dlopen at arbitrary hashed bytes tests glibc, not us.
    size_t code_entry = sizeof(tsr_artifact_header) + 2 * sizeof(tsr_section_entry);
    if (pos >= code_entry && pos < code_entry + sizeof(tsr_section_entry)) continue;
    b[pos] ^= static_cast<uint8_t>(1 + rng() % 255);
    rehash(b, true);
    auto r = loadResult(b);
    if (r.first != TSR_STATUS_OK) {
      EXPECT_FALSE(r.second.empty());
    }
  }
}

}  // namespace
