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
