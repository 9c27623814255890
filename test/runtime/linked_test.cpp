// Models linked into the program (tsr_model_load_static): the artifact used in place, kernels from a table.
#include <dlfcn.h>

#include <cstdlib>
#include <memory>

#include "test_util.h"

using namespace tessera::test;

namespace {

// The sample's artifact without its code, in 4 KiB-aligned memory as a linked object holds it, and the
// test kernels as a program would have linked them (taken from their shared object here).
struct Linked {
  std::unique_ptr<uint8_t, decltype(&std::free)> bytes{nullptr, &std::free};
  void* library = nullptr;
  std::vector<tsr_linked_kernel> kernels;
  tsr_static_model model{};

  explicit Linked(const ArtifactSpec& spec, std::vector<const char*> symbols = {"add_f32", "scale_f32"}) {
    Bytes artifact = spec.build();
    const size_t rounded = (artifact.size() + TSR_SECTION_ALIGNMENT - 1) / TSR_SECTION_ALIGNMENT * TSR_SECTION_ALIGNMENT;
    bytes.reset(static_cast<uint8_t*>(std::aligned_alloc(TSR_SECTION_ALIGNMENT, rounded)));
    std::copy(artifact.begin(), artifact.end(), bytes.get());
    library = dlopen(TESSERA_TEST_KERNELS_PATH, RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(library, nullptr) << dlerror();
    for (const char* symbol : symbols)
      kernels.push_back({symbol, reinterpret_cast<tsr_kernel_fn>(dlsym(library, symbol))});
    model = {TSR_KERNEL_ABI_VERSION, bytes.get(), artifact.size(), kernels.data(), uint32_t(kernels.size())};
  }
  ~Linked() {
    if (library) dlclose(library);
  }
};

ArtifactSpec codeless() {
  ArtifactSpec s = sampleSpec();
  s.code.clear();  // no CPU_CODE section
  return s;
}

std::pair<tsr_code, std::string> loadLinked(const tsr_static_model* linked) {
  tsr_model* model = nullptr;
  tsr_status* st = tsr_model_load_static(linked, nullptr, &model);
  std::pair<tsr_code, std::string> r{tsr_status_code(st), tsr_status_message(st)};
  tsr_status_free(st);
  tsr_model_release(model);
  return r;
}

TEST(Linked, RunsWithKernelsFromTheTable) {
  Linked linked(codeless());
  tsr_model* model = nullptr;
  ASSERT_OK(tsr_model_load_static(&linked.model, nullptr, &model));
  tsr_session* session = nullptr;
  ASSERT_OK(tsr_session_create(model, nullptr, &session));
  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8}, b = {10, 20, 30, 40, 50, 60, 70, 80};
  const int64_t dims[] = {2, 4};
  tsr_tensor in[2] = {{TSR_DTYPE_FLOAT32, 2, dims, a.data(), 32}, {TSR_DTYPE_FLOAT32, 2, dims, b.data(), 32}};
  tsr_tensor out[2] = {};
  ASSERT_OK(tsr_session_run(session, in, 2, out, 2));
  const std::vector<float> w = sampleWeights();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(static_cast<const float*>(out[1].data)[i], a[i] + b[i]);
    EXPECT_EQ(static_cast<const float*>(out[0].data)[i], (a[i] + b[i]) * w[i]);
  }
  tsr_session_release(session);
  tsr_model_release(model);
}

TEST(Linked, MissingKernelIsNamed) {
  Linked linked(codeless(), {"add_f32"});
  EXPECT_LOAD_ERROR(loadLinked(&linked.model), TSR_STATUS_NOT_FOUND,
                    "artifact: kernel 'scale_f32' not found in the linked kernels");
}

TEST(Linked, ArtifactWithCodeIsRefused) {
  Linked linked(sampleSpec());
  EXPECT_LOAD_ERROR(loadLinked(&linked.model), TSR_STATUS_INVALID_ARTIFACT,
                    "a linked model's artifact must not carry a CPU_CODE section");
}

TEST(Linked, DescriptorIsChecked) {
  Linked linked(codeless());
  tsr_static_model other_abi = linked.model;
  other_abi.kernel_abi_version = TSR_KERNEL_ABI_VERSION + 1;
  EXPECT_LOAD_ERROR(loadLinked(&other_abi), TSR_STATUS_UNSUPPORTED, "linked kernels use kernel ABI version");
  tsr_static_model misaligned = linked.model;
  misaligned.artifact = linked.bytes.get() + 64;
  EXPECT_LOAD_ERROR(loadLinked(&misaligned), TSR_STATUS_INVALID_ARGUMENT, "at a 4096-byte aligned address");
  tsr_static_model truncated = linked.model;
  truncated.artifact_size -= 1;
  EXPECT_LOAD_ERROR(loadLinked(&truncated), TSR_STATUS_INVALID_ARTIFACT, "artifact:");
  EXPECT_LOAD_ERROR(loadLinked(nullptr), TSR_STATUS_INVALID_ARGUMENT, "must not be NULL");
}

}  // namespace
