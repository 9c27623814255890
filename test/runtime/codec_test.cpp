// The artifact codec on its own: encode/decode round trips and the container layout the compiler writes.
#include "test_util.h"

using namespace tessera::test;

namespace {

uint64_t alignUp(uint64_t v) { return (v + TSR_SECTION_ALIGNMENT - 1) / TSR_SECTION_ALIGNMENT * TSR_SECTION_ALIGNMENT; }

TEST(Codec, ScheduleAndMetadataRoundTrip) {
  for (const ArtifactSpec& spec : {sampleSpec(), batchSpec()}) {
    codec::Schedule sc = spec.schedule();
    sc.executables[0].exports.push_back({"second", {2, 3, 4}, {TSR_ACCESS_READ_WRITE}, 7});
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
    EXPECT_EQ(back.steps[1].kind, sc.steps[1].kind);
  }
}

TEST(Codec, SourcesRoundTrip) {
  const codec::StepSources sources = {{"/conv1/Conv", "/relu1/Relu"}, {}, {"name, with \"quotes\""}};
  const std::string bytes = codec::encodeSources(sources);
  codec::StepSources back;
  std::string error;
  ASSERT_TRUE(codec::decodeSources(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 3, back, error))
      << error;
  EXPECT_EQ(back, sources);
  EXPECT_FALSE(codec::decodeSources(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 4, back, error));
  EXPECT_EQ(error, "source step count 3 does not match the schedule's 4 steps");
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
  EXPECT_EQ(error, "kernel ABI version 7 is not supported (this runtime implements version 1)");
}

TEST(Codec, Names) {
  EXPECT_STREQ(codec::sectionKindName(TSR_SECTION_CPU_CODE), "CPU_CODE");
  EXPECT_STREQ(codec::sectionKindName(TSR_SECTION_SOURCES), "SOURCES");
  EXPECT_STREQ(codec::sectionKindName(42), "unknown");
  EXPECT_STREQ(codec::accessName(TSR_ACCESS_READ_WRITE), "rw");
  EXPECT_STREQ(codec::accessName(0), "?");
  EXPECT_TRUE(codec::sectionHoldsCode(TSR_SECTION_CPU_CODE));
  EXPECT_FALSE(codec::sectionHoldsCode(TSR_SECTION_WEIGHTS));
  codec::Metadata md;
  md.symbols = {{"N", 0, 4}};
  EXPECT_EQ(codec::shapeString(md, TStep::shape(TSR_SHAPE_MUL, 0, codec::symbolRef(0), 16)), "N = mul(N, 16)");
  EXPECT_EQ(codec::refString(md, sym(3)), "?3");
}

}  // namespace
