// Every loader error path: each corrupt or unsupported artifact gives a status with a specific message.
#include <cstdio>

#include "test_util.h"

using namespace tessera::test;

namespace {

constexpr auto kInvalid = TSR_STATUS_INVALID_ARTIFACT;
constexpr auto kUnsupported = TSR_STATUS_UNSUPPORTED;

TEST(Loader, ValidArtifactLoadsFromMemoryAndFile) {
  Bytes bytes = sampleSpec().build();
  EXPECT_LOAD_ERROR(loadResult(bytes), TSR_STATUS_OK, "ok");
  std::string path = writeTemp(bytes, "valid.tsr");
  tsr_model* model = nullptr;
  ASSERT_OK(tsr_model_load_file(path.c_str(), nullptr, &model));
  EXPECT_EQ(tsr_model_input_count(model), 2u);
  tsr_model_release(model);
  std::remove(path.c_str());
}

TEST(Loader, NonexistentPath) {
  tsr_model* model = nullptr;
  EXPECT_STATUS(tsr_model_load_file("/nonexistent/model.tsr", nullptr, &model), TSR_STATUS_NOT_FOUND,
                "cannot open '/nonexistent/model.tsr': No such file");
  EXPECT_EQ(model, nullptr);
}

TEST(Loader, DirectoryIsNotAnArtifact) {
  tsr_model* model = nullptr;
  EXPECT_STATUS(tsr_model_load_file("/tmp", nullptr, &model), TSR_STATUS_IO_ERROR, "not a regular file");
}

TEST(Loader, NullArguments) {
  tsr_model* model = nullptr;
  EXPECT_STATUS(tsr_model_load_file(nullptr, nullptr, &model), TSR_STATUS_INVALID_ARGUMENT, "must not be NULL");
  EXPECT_STATUS(tsr_model_load_memory(nullptr, 10, nullptr, &model), TSR_STATUS_INVALID_ARGUMENT, "NULL");
}

TEST(Loader, EmptyFileFromPath) {
  std::string path = writeTemp({}, "empty.tsr");
  tsr_model* model = nullptr;
  EXPECT_STATUS(tsr_model_load_file(path.c_str(), nullptr, &model), kInvalid, "file is empty");
  std::remove(path.c_str());
}

TEST(Loader, BadMagic) {
  Bytes b = sampleSpec().build();
  b[0] = 'X';
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "bad magic");
}

TEST(Loader, TruncatedAtManyLengths) {
  Bytes full = sampleSpec().build();
  for (size_t len : {size_t{0}, size_t{4}, size_t{8}, size_t{100}, size_t{175}, size_t{176}, size_t{200},
                     size_t{4096}, full.size() / 2, full.size() - 1}) {
    Bytes b(full.begin(), full.begin() + len);
    const char* want = len == 0 ? "file is empty"
                       : len < 8 ? "bad magic"
                       : len < sizeof(tsr_artifact_header) ? "truncated header"
                                                           : "header says the file has";
    SCOPED_TRACE(len);
    EXPECT_LOAD_ERROR(loadResult(b), kInvalid, want);
  }
}

TEST(Loader, FileSizeMismatch) {
  Bytes b = sampleSpec().build();
  b.push_back(0);
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "but it has");
}

TEST(Loader, WrongFormatVersion) {
  Bytes b = sampleSpec().build();
  editHeader(b, [](tsr_artifact_header& h) { h.format_version = 5; });
  EXPECT_LOAD_ERROR(loadResult(b), kUnsupported, "format version 5, expected 6");
  editHeader(b, [](tsr_artifact_header& h) { h.format_version = 7; });
  EXPECT_LOAD_ERROR(loadResult(b), kUnsupported, "format version 7, expected 6");
}

TEST(Loader, WrongKernelAbiVersion) {
  Bytes b = sampleSpec().build();
  editHeader(b, [](tsr_artifact_header& h) { h.kernel_abi_version = 9; });
  EXPECT_LOAD_ERROR(loadResult(b), kUnsupported, "kernel ABI version 9");
}

TEST(Loader, WrongHeaderSize) {
  Bytes b = sampleSpec().build();
  editHeader(b, [](tsr_artifact_header& h) { h.header_size = 200; });
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "header_size is 200");
}

TEST(Loader, HeaderHashMismatch) {
  Bytes b = sampleSpec().build();
  b[offsetof(tsr_artifact_header, target_cpu) + 1] ^= 1;
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "header hash mismatch");
}

TEST(Loader, SectionTableByteIsCoveredByHeaderHash) {
  Bytes b = sampleSpec().build();
  sectionEntry(b, 1)->reserved ^= 1;
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "header hash mismatch");
}

TEST(Loader, EachSectionHashMismatch) {
  const Bytes good = sampleSpec().build();
  const char* names[] = {"METADATA", "SCHEDULE", "CPU_CODE", "WEIGHTS"};
  for (size_t i = 0; i < 4; ++i) {
    Bytes b = good;
    tsr_section_entry e = *sectionEntry(b, i);
    b[e.offset + e.size / 2] ^= 0x40;
    std::string want = "section " + std::to_string(i) + " (" + names[i] + ") hash mismatch (corrupt file?)";
    EXPECT_LOAD_ERROR(loadResult(b), kInvalid, want);
  }
}

TEST(Loader, TooManySections) {
  Bytes b = sampleSpec().build();
  editHeader(b, [](tsr_artifact_header& h) { h.section_count = 1000; });
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "section count 1000 exceeds");
}

TEST(Loader, SectionOutOfBounds) {
  Bytes b = sampleSpec().build();
  sectionEntry(b, 3)->size += 1;
  rehash(b, false);
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "section 3 (WEIGHTS) bytes");
  sectionEntry(b, 3)->size = ~uint64_t{0};  // offset + size overflows
  rehash(b, false);
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "outside the file");
}

TEST(Loader, SectionInsideHeader) {
  Bytes b = sampleSpec().build();
  sectionEntry(b, 0)->offset = 0;
  rehash(b, false);
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "section 0 (METADATA) bytes [0,");
}

TEST(Loader, MisalignedSection) {
  Bytes b = sampleSpec().build();
  sectionEntry(b, 1)->offset += 8;
  rehash(b, false);
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "section 1 (SCHEDULE) offset");
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "not 4096-byte aligned");
}

TEST(Loader, OverlappingSections) {
  Bytes b = sampleSpec().build();
  sectionEntry(b, 1)->offset = sectionEntry(b, 0)->offset;
  rehash(b, false);
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "sections 0 and 1 overlap");
}

TEST(Loader, DuplicateSection) {
  ArtifactSpec s = sampleSpec();
  auto sections = s.sections();
  sections.push_back(sections[0]);
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid, "duplicate METADATA section (sections 0 and 4)");
}

TEST(Loader, UnknownSectionKind) {
  ArtifactSpec s = sampleSpec();
  auto sections = s.sections();
  sections.push_back({9, {1, 2, 3}});
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid, "section 4 has unknown kind 9");
}

TEST(Loader, StepSourcesNameTheNodesOfEachStep) {
  ArtifactSpec s = sampleSpec();
  const size_t steps = s.steps.size();
  codec::StepSources sources(steps);
  sources[0] = {"/layer1/Conv", "/layer1/Relu"};
  auto sections = s.sections();
  sections.push_back({TSR_SECTION_SOURCES, toBytes(codec::encodeSources(sources))});
  auto load = [](const Bytes& bytes) {
    tsr_model* model = nullptr;
    tsr_status* st = tsr_model_load_memory(bytes.data(), bytes.size(), nullptr, &model);
    EXPECT_EQ(st, nullptr) << tsr_status_message(st);
    tsr_status_free(st);
    return std::unique_ptr<tsr_model, void (*)(tsr_model*)>(model, tsr_model_release);
  };
  auto m = load(s.pack(sections));
  ASSERT_NE(m, nullptr);
  EXPECT_STREQ(tsr_model_step_source(m.get(), 0), "/layer1/Conv, /layer1/Relu");
  EXPECT_STREQ(tsr_model_step_source(m.get(), 1), "");
  EXPECT_EQ(tsr_model_step_source(m.get(), steps), nullptr);
  EXPECT_EQ(tsr_model_step_source(nullptr, 0), nullptr);
  auto without = load(s.build());  // SOURCES is optional
  ASSERT_NE(without, nullptr);
  EXPECT_STREQ(tsr_model_step_source(without.get(), 0), "");
}

TEST(Loader, StepSourcesMustCoverTheSchedule) {
  ArtifactSpec s = sampleSpec();
  auto sections = s.sections();
  sections.push_back({TSR_SECTION_SOURCES, toBytes(codec::encodeSources(codec::StepSources(1)))});
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid,
                    codec::format("SOURCES: source step count 1 does not match the schedule's %zu steps",
                                  s.steps.size()));
  codec::StepSources sources(s.steps.size());
  sources.back() = {"a"};
  std::string bytes = codec::encodeSources(sources);
  bytes.pop_back();  // the last step's name loses its only byte
  sections.back().bytes = toBytes(bytes);
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid,
                    codec::format("SOURCES: step %zu: source node name length 1 exceeds the 0 remaining bytes",
                                  s.steps.size() - 1));
}

TEST(Loader, MissingRequiredSections) {
  ArtifactSpec s = sampleSpec();
  auto all = s.sections();
  EXPECT_LOAD_ERROR(loadResult(s.pack({all[0], all[2], all[3]})), kInvalid, "missing SCHEDULE section");
  EXPECT_LOAD_ERROR(loadResult(s.pack({all[1], all[2], all[3]})), kInvalid, "missing METADATA section");
  EXPECT_LOAD_ERROR(loadResult(s.pack({all[0], all[1], all[3]})), kInvalid,
                    "artifact: executable 'add_f32' needs section CPU_CODE, which the artifact lacks");
  EXPECT_LOAD_ERROR(loadResult(s.pack({all[0], all[1], all[2]})), kInvalid, "lie outside WEIGHTS");
}

TEST(Loader, CpuCodeNotElf) {
  ArtifactSpec s = sampleSpec();
  s.code = Bytes(100, 0x90);
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "CPU_CODE is not an ELF shared object");
  s.code = Bytes(kernelCode().begin(), kernelCode().begin() + 200);  // truncated ELF
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, "CPU_CODE cannot be loaded");
}

TEST(Loader, KernelSymbolMissing) {
  ArtifactSpec s = sampleSpec();
  s.kernels[1] = "no_such_kernel";
  EXPECT_LOAD_ERROR(loadResult(s.build()), TSR_STATUS_NOT_FOUND, "kernel 'no_such_kernel' not found in CPU_CODE");
}

TEST(Loader, StaleLibraryAtSameFdIsNotReused) {
  // The first model's code can never be unloaded; its "/proc/self/fd/N" name outlives the memfd. The next
  // model (likely given the same fd number) must still get its own code.
  std::ifstream f(TESSERA_TEST_NODELETE_KERNELS_PATH, std::ios::binary);
  ArtifactSpec stale = sampleSpec();
  stale.code = Bytes(std::istreambuf_iterator<char>(f), {});
  stale.kernels.push_back("variant_only");
  ArtifactSpec fresh = sampleSpec();
  fresh.kernels.push_back("plain_only");
  for (int i = 0; i < 3; ++i) {
    EXPECT_LOAD_ERROR(loadResult(stale.build()), TSR_STATUS_OK, "ok");
    EXPECT_LOAD_ERROR(loadResult(fresh.build()), TSR_STATUS_OK, "ok");
  }
}

TEST(Loader, RequiredCpuFeatureMissing) {
  ArtifactSpec s = sampleSpec();
  s.cpu_features = TSR_CPU_AVX2 | TSR_CPU_FMA | TSR_CPU_AVX512BW;
  s.cpu = "znver4";
  tsr_model_options o;
  tsr_model_options_initialize(&o);
  o.disabled_cpu_features = TSR_CPU_AVX2 | TSR_CPU_AVX512BW;  // pretend the host lacks them
  EXPECT_LOAD_ERROR(loadResult(s.build(), &o), kUnsupported,
                    "this CPU lacks required features: avx2, avx512bw (compiled for cpu 'znver4')");
}

#if defined(__x86_64__)
// The runtime reads CPUID itself: each feature must be found exactly where the compiler's own detection
// (compiler-rt's __builtin_cpu_supports, which also checks that the OS saves the registers) finds it.
TEST(Loader, HostCpuFeaturesMatchCompilerDetection) {
  __builtin_cpu_init();
  const std::pair<uint64_t, bool> features[] = {
      {TSR_CPU_SSE42, __builtin_cpu_supports("sse4.2")},       {TSR_CPU_AVX, __builtin_cpu_supports("avx")},
      {TSR_CPU_AVX2, __builtin_cpu_supports("avx2")},           {TSR_CPU_FMA, __builtin_cpu_supports("fma")},
      {TSR_CPU_F16C, __builtin_cpu_supports("f16c")},           {TSR_CPU_BMI2, __builtin_cpu_supports("bmi2")},
      {TSR_CPU_AVX512F, __builtin_cpu_supports("avx512f")},     {TSR_CPU_AVX512BW, __builtin_cpu_supports("avx512bw")},
      {TSR_CPU_AVX512DQ, __builtin_cpu_supports("avx512dq")},   {TSR_CPU_AVX512VL, __builtin_cpu_supports("avx512vl")},
      {TSR_CPU_AVX512VNNI, __builtin_cpu_supports("avx512vnni")},
      {TSR_CPU_AVX512BF16, __builtin_cpu_supports("avx512bf16")},
  };
  for (const auto& [bit, present] : features) {
    ArtifactSpec s = sampleSpec();
    s.cpu_features = bit;
    Bytes b = s.build();
    tsr_model* m = nullptr;
    tsr_status* st = tsr_model_load_memory(b.data(), b.size(), nullptr, &m);
    EXPECT_EQ(st == nullptr, present) << "feature bit 0x" << std::hex << bit << ": "
                                      << (st ? tsr_status_message(st) : "loaded");
    tsr_status_free(st);
    tsr_model_release(m);
  }
}
#endif

TEST(Loader, UnknownCpuFeatureBit) {
  ArtifactSpec s = sampleSpec();
  s.cpu_features = uint64_t{1} << 40;
  EXPECT_LOAD_ERROR(loadResult(s.build()), kUnsupported, "unknown CPU feature bits 0x10000000000");
}

TEST(Loader, WrongArchitecture) {
  ArtifactSpec s = sampleSpec();
  s.triple = "riscv64-unknown-linux-gnu";
  EXPECT_LOAD_ERROR(loadResult(s.build()), kUnsupported, "compiled for 'riscv64-unknown-linux-gnu'");
}

TEST(Loader, UnterminatedTriple) {
  Bytes b = sampleSpec().build();
  editHeader(b, [](tsr_artifact_header& h) { std::memset(h.target_triple, 'x', sizeof h.target_triple); });
  EXPECT_LOAD_ERROR(loadResult(b), kInvalid, "not NUL-terminated");
}

// ---- METADATA / SCHEDULE decoding and cross-checks --------------------------------------------------------

struct BadSpec {
  const char* what;
  void (*edit)(ArtifactSpec&);
  const char* message;
};

class Decoder : public ::testing::TestWithParam<BadSpec> {};

TEST_P(Decoder, Rejects) {
  ArtifactSpec s = sampleSpec();
  GetParam().edit(s);
  EXPECT_LOAD_ERROR(loadResult(s.build()), kInvalid, GetParam().message);
}

const BadSpec kBadSpecs[] = {
    {"BindingBufferIndex", [](ArtifactSpec& s) { s.steps[0].bindings[0].buffer = 99; },
     "step 0: binding 0 buffer 99 out of range (6 buffers)"},
    {"BindingOffset", [](ArtifactSpec& s) { s.steps[2].bindings[1].offset = 8; },
     "step 2: binding 1 range [8, +32) exceeds buffer 3 size 32"},
    {"ExecutableIndex", [](ArtifactSpec& s) { s.steps[0].executable = 5; },
     "step 0: executable 5 out of range (2 executables)"},
    {"ExportIndex", [](ArtifactSpec& s) { s.steps[2].export_index = 1; },
     "step 2: export 1 out of range (executable 'scale_f32' has 1)"},
    {"BindingCountMismatch", [](ArtifactSpec& s) { s.kernels[0].access = {TSR_ACCESS_READ, TSR_ACCESS_WRITE}; },
     "step 0: 3 bindings but add_f32::add_f32 takes 2"},
    {"ConstantCountMismatch", [](ArtifactSpec& s) { s.kernels[1].constants = 2; },
     "step 2: 1 constants but scale_f32::scale_f32 takes 2"},
    {"WriteToInputBuffer",
     [](ArtifactSpec& s) { s.kernels[0].access = {TSR_ACCESS_READ, TSR_ACCESS_READ_WRITE, TSR_ACCESS_WRITE}; },
     "step 0: binding 1 writes to read-only input buffer 1 (add_f32::add_f32 access rw)"},
    {"WriteToConstantBuffer",
     [](ArtifactSpec& s) { s.kernels[1].access = {TSR_ACCESS_READ, TSR_ACCESS_WRITE, TSR_ACCESS_WRITE}; },
     "step 2: binding 1 writes to read-only constant buffer 3 (scale_f32::scale_f32 access w)"},
    {"UnknownCodeSection", [](ArtifactSpec& s) { s.kernels[0].code_section = 9; },
     "executable 0 'add_f32': unknown code section 9"},
    {"CodeInNonCodeSection", [](ArtifactSpec& s) { s.kernels[1].code_section = TSR_SECTION_WEIGHTS; },
     "executable 1 'scale_f32': section WEIGHTS holds no code"},
    {"AccessZero", [](ArtifactSpec& s) { s.kernels[0].access = {TSR_ACCESS_READ, 0, TSR_ACCESS_WRITE}; },
     "executable 0 'add_f32': export 'add_f32' binding 1 has unknown access 0"},
    {"AccessTooLarge", [](ArtifactSpec& s) { s.kernels[1].access = {TSR_ACCESS_READ, TSR_ACCESS_READ, 4}; },
     "executable 1 'scale_f32': export 'scale_f32' binding 2 has unknown access 4"},
    {"GridMismatch", [](ArtifactSpec& s) { s.kernels[0].grid[0] = 3; },
     "step 0: workgroup count 2 along axis 0 but add_f32::add_f32 was compiled for 3"},
    {"GridTooLarge", [](ArtifactSpec& s) { s.kernels[0].grid[2] = 1u << 31; },
     "executable 0 'add_f32': export 'add_f32' has a grid of 2147483648 workgroups, not below 2^31"},
    {"BindingBytesMismatch", [](ArtifactSpec& s) { s.kernels[1].bytes = {32, 32, 16}; },
     "step 2: binding 2 is 32 bytes but scale_f32::scale_f32 was compiled for 16"},
    {"WorkgroupSizeZero", [](ArtifactSpec& s) { s.kernels[0].workgroup_size[1] = 0; },
     "executable 0 'add_f32': export 'add_f32' has workgroup size [1,0,1], not all >= 1"},
    {"CpuWorkgroupSizeNotOne", [](ArtifactSpec& s) { s.kernels[1].workgroup_size[0] = 4; },
     "artifact: kernel 'scale_f32' has workgroup size [4,1,1] but CPU kernels have [1,1,1]"},
    {"WorkgroupCountTooLarge", [](ArtifactSpec& s) { s.steps[0].workgroup_count[1] = int64_t{1} << 31; },
     "step 0: workgroup count 2147483648 is not below 2^31"},
    {"TooManyWorkgroups",
     [](ArtifactSpec& s) {
       s.steps[0].workgroup_count[1] = 1 << 20;
       s.steps[0].workgroup_count[2] = 1 << 20;
     },
     "step 0: more than 2^32 workgroups"},
    {"ConstantTooLarge", [](ArtifactSpec& s) { s.steps[0].constants[0] = int64_t{1} << 32; },
     "step 0: constant 0 is 4294967296, which does not fit in 32 bits"},
    {"BindingLengthBadSymbol", [](ArtifactSpec& s) { s.steps[0].bindings[2].length = sym(0); },
     "SCHEDULE: step 0: binding length refers to dim symbol 0 but there are 0"},
    {"BufferSizeBadSymbol", [](ArtifactSpec& s) { s.buffers[2].size = sym(4); },
     "SCHEDULE: buffer 2: buffer size refers to dim symbol 4 but there are 0"},
    {"SymbolicArenaSize",
     [](ArtifactSpec& s) {
       s.symbols = {{"N", 1, 2}};
       s.buffers[4].size = sym(0);
     },
     "buffer 4 (arena): size must be a literal"},
    {"SymbolicConstantSize",
     [](ArtifactSpec& s) {
       s.symbols = {{"N", 1, 2}};
       s.buffers[3].size = sym(0);
     },
     "buffer 3 (constant): size must be a literal"},
    {"DynamicOffset", [](ArtifactSpec& s) { s.buffers.push_back({TSR_BUFFER_DYNAMIC, 0, 64, 32}); },
     "buffer 6 (dynamic): offset must be 0"},
    {"UnknownShapeOp", [](ArtifactSpec& s) { s.steps.push_back(TStep::shape(42, 0, 1, 1)); },
     "SCHEDULE: step 4: unknown shape op 42"},
    {"ShapeSymbolOutOfRange", [](ArtifactSpec& s) { s.steps.push_back(TStep::shape(TSR_SHAPE_ADD, 5, 1, 1)); },
     "step 4: shape result symbol 5 out of range (0 symbols)"},
    {"ShapeOperandBadSymbol", [](ArtifactSpec& s) { s.steps.push_back(TStep::shape(TSR_SHAPE_ADD, 0, 1, sym(2))); },
     "step 4: shape operand b refers to dim symbol 2 but there are 0"},
    {"ReadI64SymbolicOperand",
     [](ArtifactSpec& s) {
       s.symbols = {{"N", 1, 2}, {"K", 0, 9}};
       s.steps.push_back(TStep::shape(TSR_SHAPE_READ_I64, 1, 0, sym(0)));
     },
     "step 4: read_i64 operands must be literals (buffer, element)"},
    {"ReadI64BufferOutOfRange",
     [](ArtifactSpec& s) {
       s.symbols = {{"K", 0, 9}};
       s.steps.push_back(TStep::shape(TSR_SHAPE_READ_I64, 0, 6, 0));
     },
     "step 4: read_i64 buffer 6 out of range (6 buffers)"},
    {"ReadI64PastLiteralSize",
     [](ArtifactSpec& s) {
       s.symbols = {{"K", 0, 9}};
       s.steps.push_back(TStep::shape(TSR_SHAPE_READ_I64, 0, 3, 4));
     },
     "step 4: read_i64 element 4 lies outside buffer 3 (32 bytes)"},
    {"SymbolUsedBeforeSet",
     [](ArtifactSpec& s) {
       s.symbols = {{"C", 0, 9}};
       s.steps[2].constants[0] = sym(0);
       s.steps.push_back(TStep::shape(TSR_SHAPE_ADD, 0, 1, 2));
     },
     "step 2: constant 0 uses dim symbol 'C' before an input or SHAPE step sets it"},
    {"CopyOutOfRange", [](ArtifactSpec& s) { s.steps[3].length = 33; }, "step 3: copy source range"},
    {"CopyIntoConstant", [](ArtifactSpec& s) { s.steps[3].dst_buffer = 3; },
     "copy writes to read-only constant buffer 3"},
    {"UnknownStepKind", [](ArtifactSpec& s) { s.steps[1].kind = 42; }, "SCHEDULE: step 1 has unknown kind 42"},
    {"ConstantOutsideWeights", [](ArtifactSpec& s) { s.buffers[3].offset = 128; },
     "buffer 3 (constant): bytes [128, +32) lie outside WEIGHTS (128 bytes)"},
    {"ConstantMisaligned", [](ArtifactSpec& s) { s.buffers[3].offset = 32; }, "offset 32 is not 64-byte aligned"},
    {"ArenaOutOfRange", [](ArtifactSpec& s) { s.buffers[4].offset = 100; }, "lie outside the arena (128 bytes)"},
    {"ArenaAlignment", [](ArtifactSpec& s) { s.arena_alignment = 48; }, "arena alignment 48 is not a power of two"},
    {"UnknownBufferKind", [](ArtifactSpec& s) { s.buffers[1].kind = 7; }, "buffer 1 has unknown kind 7"},
    {"InputIndexOutOfRange", [](ArtifactSpec& s) { s.buffers[1].index = 2; }, "buffer 1 (input): index 2"},
    {"UnknownDtype", [](ArtifactSpec& s) { s.inputs[0].dtype = 99; }, "input 0 'a' has unknown dtype 99"},
    {"HugeRank", [](ArtifactSpec& s) { s.outputs[0].dims.assign(40, 1); }, "output 0 'y' has rank 40 (max 32)"},
    {"BadSymbolRef", [](ArtifactSpec& s) { s.inputs[0].dims[0] = -3; }, "refers to dim symbol 2 but there are 0"},
    {"TensorBufferKind", [](ArtifactSpec& s) { s.inputs[1].buffer = 2; },
     "input 'b' refers to buffer 2, which is output 0, not input 1"},
    {"TensorBufferIndex", [](ArtifactSpec& s) { s.outputs[1].buffer = 77; }, "refers to buffer 77 but there are 6"},
    {"StaticSizeMismatch", [](ArtifactSpec& s) { s.inputs[0].dims = {2, 5}; },
     "input 'a' needs 40 bytes but its buffer 0 has 32"},
    {"DuplicateName", [](ArtifactSpec& s) { s.outputs[1].name = "y"; }, "duplicate output name 'y'"},
    {"SymbolBounds", [](ArtifactSpec& s) { s.symbols = {{"N", 5, 2}}; }, "symbol 'N' has bounds [5, 2]"},
    {"UnboundOutputSymbol",
     [](ArtifactSpec& s) {
       s.symbols = {{"N", 1, 2}};
       s.outputs[0].dims[0] = -1;
     },
     "output 'y' uses dim symbol 'N', which no input or SHAPE step sets"},
    {"EmptyExportSymbol", [](ArtifactSpec& s) { s.kernels[0].symbol.clear(); },
     "executable 0 '': export 0 has an empty symbol name"},
    {"NulInName", [](ArtifactSpec& s) { s.inputs[0].name = std::string("a\0b", 3); }, "contains a NUL byte"},
};

INSTANTIATE_TEST_SUITE_P(Loader, Decoder, ::testing::ValuesIn(kBadSpecs),
                         [](const auto& info) { return std::string(info.param.what); });

// Raw byte edits that no ArtifactSpec can express.
TEST(Loader, MetadataTrailingBytes) {
  ArtifactSpec s = sampleSpec();
  auto sections = s.sections();
  sections[0].bytes.push_back(0);
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid, "METADATA: 1 trailing bytes");
}

TEST(Loader, MetadataStringLengthPastEnd) {
  ArtifactSpec s = sampleSpec();
  auto sections = s.sections();
  uint32_t huge = 0x7fffffff;
  std::memcpy(sections[0].bytes.data() + 4 + 4, &huge, 4);  // first input's name length
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid, "METADATA: tensor name length 2147483647 exceeds");
}

TEST(Loader, ScheduleCountTooLarge) {
  ArtifactSpec s = sampleSpec();
  auto sections = s.sections();
  uint32_t huge = 0xffffffff;
  std::memcpy(sections[1].bytes.data() + 20, &huge, 4);  // buffer count, after the arena and scratch sizes
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid, "SCHEDULE: buffer count 4294967295 is larger");
}

// Offset of the executable count in the sample's SCHEDULE: what precedes it, less the two (empty) counts.
size_t executableCountOffset(const ArtifactSpec& s) {
  codec::Schedule sc = s.schedule();
  sc.executables.clear();
  sc.steps.clear();
  return codec::encodeSchedule(sc).size() - 8;
}

TEST(Loader, ExecutableTableCountsTooLarge) {
  ArtifactSpec s = sampleSpec();
  const uint32_t huge = 0xffffffff;
  const size_t executables = executableCountOffset(s);
  const size_t exports = executables + 4 + 4 + s.kernels[0].symbol.size() + 4;  // name, code section
  const size_t bindings = exports + 4 + 4 + s.kernels[0].symbol.size() + 24;    // symbol, workgroup size, grid
  auto sections = s.sections();
  uint32_t count = 0;
  std::memcpy(&count, sections[1].bytes.data() + bindings, 4);
  ASSERT_EQ(count, 3u);  // the offsets are right: add_f32 has three bindings
  std::memcpy(sections[1].bytes.data() + bindings, &huge, 4);
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid,
                    "SCHEDULE: executable 0: binding count 4294967295 is larger than the section allows");
  sections = s.sections();
  std::memcpy(sections[1].bytes.data() + exports, &huge, 4);
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid,
                    "SCHEDULE: executable 0: export count 4294967295 is larger than the section allows");
  sections = s.sections();
  std::memcpy(sections[1].bytes.data() + executables, &huge, 4);
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid,
                    "SCHEDULE: executable count 4294967295 is larger than the section allows");
}

TEST(Loader, ExecutableTableTruncated) {
  ArtifactSpec s = sampleSpec();
  codec::Schedule first = s.schedule();
  first.executables.resize(1);
  first.steps.clear();
  const size_t first_end = codec::encodeSchedule(first).size() - 4;  // the step count follows executable 0
  auto sections = s.sections();
  sections[1].bytes.resize(first_end + 4 + 2);  // executable 1's name length and 2 of its 9 bytes
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid,
                    "SCHEDULE: executable 1: executable name length 9 exceeds the 2 remaining bytes");
}

TEST(Loader, ScheduleTruncated) {
  ArtifactSpec s = sampleSpec();
  auto sections = s.sections();
  sections[1].bytes.resize(sections[1].bytes.size() - 3);
  EXPECT_LOAD_ERROR(loadResult(s.pack(sections)), kInvalid, "SCHEDULE: step 3: truncated while reading");
}

}  // namespace
