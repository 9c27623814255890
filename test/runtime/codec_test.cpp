// The artifact codec on its own: encode/decode round trips and the container layout the compiler writes.
#include "test_util.h"

using namespace tessera::test;

namespace {

uint64_t alignUp(uint64_t v) { return (v + TSR_SECTION_ALIGNMENT - 1) / TSR_SECTION_ALIGNMENT * TSR_SECTION_ALIGNMENT; }

TEST(Codec, ScheduleAndMetadataRoundTrip) {
  for (const ArtifactSpec& spec : {sampleSpec(), batchSpec()}) {
    codec::Schedule sc = spec.schedule();
    sc.executables[0].exports.push_back({"second", {2, 3, 4}, {TSR_ACCESS_READ_WRITE}, 7, {5, 1, 1}, {96}});
    sc.scratch_size = 1088;
    const std::string md_bytes = codec::encodeMetadata(spec.metadata());
    const std::string sc_bytes = codec::encodeSchedule(sc);
    codec::Metadata md;
    codec::Schedule back;
    std::string error;
    ASSERT_TRUE(codec::decodeMetadata(reinterpret_cast<const uint8_t*>(md_bytes.data()), md_bytes.size(), md, error))
        << error;
    ASSERT_TRUE(codec::decodeSchedule(reinterpret_cast<const uint8_t*>(sc_bytes.data()), sc_bytes.size(),
                                      md.symbols.size(), back, error))
        << error;
    EXPECT_EQ(codec::encodeMetadata(md), md_bytes);
    EXPECT_EQ(codec::encodeSchedule(back), sc_bytes);
    ASSERT_EQ(back.executables.size(), sc.executables.size());
    const codec::Export& x = back.executables[0].exports[1];
    EXPECT_EQ(x.symbol, "second");
    EXPECT_EQ(x.workgroup_size[2], 4u);
    EXPECT_EQ(x.binding_access, std::vector<uint32_t>{TSR_ACCESS_READ_WRITE});
    EXPECT_EQ(x.constant_count, 7u);
    EXPECT_EQ(x.workgroup_count[0], 5u);
    EXPECT_EQ(x.binding_bytes, std::vector<uint64_t>{96});
    EXPECT_EQ(back.steps[1].kind, sc.steps[1].kind);
    EXPECT_EQ(back.scratch_size, 1088u);
  }
}

// A TRANSFER step keeps its section, direction and range; the validator refuses one for a section whose kernels
// use host memory or that no executable uses, into a read-only buffer, or outside its buffer.
TEST(Codec, TransferSteps) {
  ArtifactSpec s = sampleSpec();
  s.kernels[0].code_section = TSR_SECTION_SPIRV;
  s.steps.insert(s.steps.begin(), TStep::transfer(TSR_TRANSFER_TO_DEVICE, 0, 8, 16));
  codec::Schedule sc = s.schedule();
  const std::string bytes = codec::encodeSchedule(sc);
  codec::Schedule back;
  std::string error;
  ASSERT_TRUE(codec::decodeSchedule(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                    s.metadata().symbols.size(), back, error))
      << error;
  EXPECT_EQ(codec::encodeSchedule(back), bytes);
  const codec::Step& t = back.steps[0];
  EXPECT_EQ(t.kind, uint32_t{TSR_STEP_TRANSFER});
  EXPECT_EQ(t.code_section, uint32_t{TSR_SECTION_SPIRV});
  EXPECT_EQ(t.direction, uint32_t{TSR_TRANSFER_TO_DEVICE});
  EXPECT_EQ(t.src_buffer, 0u);
  EXPECT_EQ(t.src_offset, 8u);
  EXPECT_EQ(t.length, 16);
  EXPECT_TRUE(codec::validateModel(s.metadata(), sc, s.weights.size(), error)) << error;

  auto refused = [&](codec::Schedule bad) {
    std::string why;
    EXPECT_FALSE(codec::validateModel(s.metadata(), bad, s.weights.size(), why));
    return why;
  };
  codec::Schedule bad = sc;
  bad.steps[0].code_section = TSR_SECTION_CPU_CODE;
  EXPECT_EQ(refused(bad), "step 0: transfer for section CPU_CODE, which no executable with memory of its own uses");
  bad = sc;
  bad.executables[0].code_section = TSR_SECTION_CPU_CODE;
  bad.executables[1].code_section = TSR_SECTION_CPU_CODE;
  EXPECT_EQ(refused(bad), "step 0: transfer for section SPIRV, which no executable with memory of its own uses");
  bad = sc;
  bad.steps[0].direction = TSR_TRANSFER_TO_HOST;
  EXPECT_EQ(refused(bad), "step 0: transfer to the host writes to read-only input buffer 0");
  bad = sc;
  bad.steps[0].length = 64;
  EXPECT_EQ(refused(bad), "step 0: transfer range [8, +64) exceeds buffer 0 size 32");

  bad = sc;
  bad.steps[0].direction = 3;
  const std::string unknown = codec::encodeSchedule(bad);
  EXPECT_FALSE(codec::decodeSchedule(reinterpret_cast<const uint8_t*>(unknown.data()), unknown.size(),
                                     s.metadata().symbols.size(), back, error));
  EXPECT_NE(error.find("unknown transfer direction 3"), std::string::npos) << error;
}

TEST(Codec, SourcesRoundTrip) {
  const codec::StepSources sources = {{"/conv1/Conv", "/relu1/Relu"}, {}, {"name, with \"quotes\""}};
  const std::string bytes = codec::encodeSources(sources);
  std::vector<std::string> back;
  std::string error;
  ASSERT_TRUE(codec::decodeSources(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 3, back, error))
      << error;
  EXPECT_EQ(back, (std::vector<std::string>{"/conv1/Conv, /relu1/Relu", "", "name, with \"quotes\""}));
  EXPECT_FALSE(codec::decodeSources(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 4, back, error));
  EXPECT_EQ(error, "source step count 3 does not match the schedule's 4 steps");
}

// A module with only a SPIR-V header (the codec checks structure, not the SPIR-V itself).
std::vector<uint32_t> spirvHeader(uint32_t extra_words = 0) {
  std::vector<uint32_t> words = {TSR_SPIRV_MAGIC, 0x00010300, 0, 1, 0};
  for (uint32_t i = 0; i < extra_words; ++i) words.push_back(0x00010000 + i);
  return words;
}

bool decodeSpirv(const std::string& bytes, std::vector<codec::SpirvModule>& out, std::string& error) {
  return codec::decodeSpirvSection(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), out, error);
}

TEST(Codec, SpirvRoundTrip) {
  const std::vector<codec::SpirvModule> modules = {{"mul_add", spirvHeader(3)}, {"relu", spirvHeader()}};
  const std::string bytes = codec::encodeSpirvSection(modules);
  EXPECT_EQ(bytes.size(), 4 + (4 + 7 + 4 + 8 * 4) + (4 + 4 + 4 + 5 * 4));
  std::vector<codec::SpirvModule> back;
  std::string error;
  ASSERT_TRUE(decodeSpirv(bytes, back, error)) << error;
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].entry_point, "mul_add");
  EXPECT_EQ(back[0].words, modules[0].words);
  EXPECT_EQ(back[1].entry_point, "relu");
  EXPECT_EQ(codec::encodeSpirvSection(back), bytes);
  ASSERT_TRUE(decodeSpirv(codec::encodeSpirvSection({}), back, error)) << error;
  EXPECT_TRUE(back.empty());
}

TEST(Codec, SpirvCorruptionIsRejected) {
  auto error = [](const std::string& bytes) {
    std::vector<codec::SpirvModule> out;
    std::string e;
    EXPECT_FALSE(decodeSpirv(bytes, out, e));
    return e;
  };
  const std::string good = codec::encodeSpirvSection({{"k", spirvHeader(1)}});
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };

  EXPECT_EQ(error(""), "truncated while reading module count");
  EXPECT_EQ(error(u32(0xffffffff)), "module count 4294967295 is larger than the section allows");
  EXPECT_EQ(error(good.substr(0, good.size() - 1)), "module 0: word count 6 is larger than the section allows");
  EXPECT_EQ(error(good + "x"), "1 trailing bytes");
  // A word count larger than the section, and one that would need gigabytes: both refused before allocating.
  std::string huge = good;
  std::memcpy(&huge[4 + 4 + 1], "\xff\xff\xff\x0f", 4);
  EXPECT_EQ(error(huge), "module 0: word count 268435455 is larger than the section allows");
  // (A second, longer module keeps the count check from firing first.)
  EXPECT_EQ(error(codec::encodeSpirvSection({{"k", {TSR_SPIRV_MAGIC, 1, 2}}, {"m", spirvHeader(8)}})),
            "module 0: 'k' has 3 words, fewer than a SPIR-V header");
  std::vector<uint32_t> swapped = spirvHeader();
  swapped[0] = 0x03022307;
  EXPECT_EQ(error(codec::encodeSpirvSection({{"k", swapped}})),
            "module 0: 'k' does not start with the SPIR-V magic 0x07230203 (found 0x03022307)");
  EXPECT_EQ(error(codec::encodeSpirvSection({{"", spirvHeader()}})), "module 0: empty entry point name");
  EXPECT_EQ(error(codec::encodeSpirvSection({{"a", spirvHeader()}, {"b", spirvHeader()}, {"a", spirvHeader()}})),
            "module 2: duplicate entry point 'a'");
  EXPECT_EQ(error(codec::encodeSpirvSection({{std::string("a\0b", 3), spirvHeader()}})),
            "module 0: entry point contains a NUL byte");
}

TEST(Codec, ValidSampleValidates) {
  ArtifactSpec s = sampleSpec();
  std::string error;
  EXPECT_TRUE(codec::validateModel(s.metadata(), s.schedule(), s.weights.size(), error)) << error;
  EXPECT_FALSE(codec::validateModel(s.metadata(), s.schedule(), 64, error));  // the constant needs 96 bytes
  EXPECT_EQ(error, "buffer 3 (constant): bytes [64, +32) lie outside WEIGHTS (64 bytes)");
}

TEST(Codec, ContainerLayout) {
  const std::string a(5000, 'a'), b, c(3, 'c');
  codec::ContainerInfo info;
  info.target_triple = "x86_64-unknown-linux-gnu";
  info.target_cpu = "znver4";
  info.required_cpu_features = TSR_CPU_AVX2;
  const std::string file = codec::writeContainer(
      info, {{TSR_SECTION_METADATA, a}, {TSR_SECTION_SCHEDULE, b}, {TSR_SECTION_WEIGHTS, c}});
  const Bytes bytes(file.begin(), file.end());
  const tsr_artifact_header h = readHeader(bytes);
  EXPECT_EQ(std::memcmp(h.magic, TSR_ARTIFACT_MAGIC, TSR_ARTIFACT_MAGIC_SIZE), 0);
  EXPECT_EQ(h.format_version, TSR_ARTIFACT_FORMAT_VERSION);
  EXPECT_EQ(h.kernel_abi_version, TSR_KERNEL_ABI_VERSION);
  EXPECT_EQ(h.header_size, sizeof(tsr_artifact_header));
  EXPECT_STREQ(h.target_cpu, "znver4");
  EXPECT_EQ(h.required_cpu_features, uint64_t{TSR_CPU_AVX2});
  ASSERT_EQ(h.section_count, 3u);
  // Each section at the next aligned offset after the previous one's end (the table's for the first); the
  // file ends with the last section.
  const std::string* contents[] = {&a, &b, &c};
  uint64_t end = sizeof(tsr_artifact_header) + 3 * sizeof(tsr_section_entry);
  Bytes copy = bytes;
  for (size_t i = 0; i < 3; ++i) {
    const tsr_section_entry e = *sectionEntry(copy, i);
    EXPECT_EQ(e.offset, alignUp(end)) << i;
    EXPECT_EQ(e.size, contents[i]->size()) << i;
    EXPECT_EQ(e.reserved, 0u);
    EXPECT_EQ(e.hash, tsr_hash64(TSR_HASH_SEED, contents[i]->data(), contents[i]->size())) << i;
    EXPECT_EQ(file.compare(e.offset, e.size, *contents[i]), 0) << i;
    end = e.offset + e.size;
  }
  EXPECT_EQ(h.file_size, end);
  EXPECT_EQ(file.size(), end);
  EXPECT_EQ(sectionEntry(copy, 2)->offset, 3 * 4096u);  // 5000 bytes of METADATA take two pages
  // Padding is zero, and the header hash covers the header and table as the loader computes it.
  EXPECT_EQ(file.find_first_not_of('\0', sizeof h + 3 * sizeof(tsr_section_entry)), size_t{4096});
  rehash(copy, true);
  EXPECT_EQ(copy, bytes);

  tsr_artifact_header read{};
  std::vector<tsr_section_entry> sections;
  std::string error;
  EXPECT_EQ(codec::readContainer(bytes.data(), bytes.size(), read, sections, error), codec::ContainerStatus::Ok)
      << error;
  EXPECT_EQ(sections.size(), 3u);
}

TEST(Codec, EmptyContainerIsJustTheHeader) {
  const std::string file = codec::writeContainer(codec::ContainerInfo{}, {});
  ASSERT_EQ(file.size(), sizeof(tsr_artifact_header));
  tsr_artifact_header h{};
  std::vector<tsr_section_entry> sections;
  std::string error;
  const uint8_t* data = reinterpret_cast<const uint8_t*>(file.data());
  EXPECT_EQ(codec::readContainer(data, file.size(), h, sections, error), codec::ContainerStatus::Invalid);
  EXPECT_EQ(error, "missing METADATA section");  // every structural check before that passed
  EXPECT_EQ(h.file_size, sizeof(tsr_artifact_header));
}

TEST(Codec, ReadContainerReportsUnsupportedVersions) {
  Bytes b = sampleSpec().build();
  editHeader(b, [](tsr_artifact_header& h) { h.kernel_abi_version = 7; });
  tsr_artifact_header h{};
  std::vector<tsr_section_entry> sections;
  std::string error;
  EXPECT_EQ(codec::readContainer(b.data(), b.size(), h, sections, error), codec::ContainerStatus::Unsupported);
  EXPECT_EQ(error, "kernel ABI version 7 is not supported (this runtime implements version 2)");
}

TEST(Codec, Names) {
  EXPECT_STREQ(codec::sectionKindName(TSR_SECTION_CPU_CODE), "CPU_CODE");
  EXPECT_STREQ(codec::sectionKindName(TSR_SECTION_SOURCES), "SOURCES");
  EXPECT_STREQ(codec::sectionKindName(42), "unknown");
  EXPECT_STREQ(codec::accessName(TSR_ACCESS_READ_WRITE), "rw");
  EXPECT_STREQ(codec::accessName(0), "?");
  EXPECT_STREQ(codec::sectionKindName(TSR_SECTION_SPIRV), "SPIRV");
  EXPECT_TRUE(codec::sectionHoldsCode(TSR_SECTION_CPU_CODE));
  EXPECT_TRUE(codec::sectionHoldsCode(TSR_SECTION_SPIRV));
  EXPECT_FALSE(codec::sectionHoldsCode(TSR_SECTION_WEIGHTS));
  EXPECT_TRUE(codec::isKnownSection(TSR_SECTION_SPIRV));
  EXPECT_FALSE(codec::isKnownSection(TSR_SECTION_SPIRV + 1));
  codec::Metadata md;
  md.symbols = {{"N", 0, 4}};
  EXPECT_EQ(codec::shapeString(md, TStep::shape(TSR_SHAPE_MUL, 0, codec::symbolRef(0), 16)), "N = mul(N, 16)");
  EXPECT_EQ(codec::refString(md, sym(3)), "?3");
}

}  // namespace
