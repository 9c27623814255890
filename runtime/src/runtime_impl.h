// The opaque handle types behind the C API.
#ifndef TESSERA_RUNTIME_SRC_RUNTIME_IMPL_H
#define TESSERA_RUNTIME_SRC_RUNTIME_IMPL_H

#include <atomic>
#include <memory>
#include <vector>

#include "executor.h"
#include "model.h"
#include "platform.h"
#include "tessera/artifact_format.h"

struct tsr_model {
  tsr_allocator allocator{};
  // Artifact bytes: either a read-only file mapping or an allocator copy.
  const uint8_t* data = nullptr;
  size_t size = 0;
  void* mapping = nullptr;
  size_t mapping_size = 0;
  void* copy = nullptr;
  // A model linked into the program: its kernels take the place of a CPU_CODE section.
  const tsr_static_model* linked = nullptr;

  tsr_artifact_header header{};
  std::vector<tsr_section_entry> sections;
  const uint8_t* weights = nullptr;
  uint64_t weights_size = 0;

  tessera::rt::Metadata metadata;
  tessera::rt::Schedule schedule;
  // Per step, the ONNX nodes it computes, joined with ", " (empty without a SOURCES section).
  std::vector<std::string> step_sources;
  // One executor per code section the executables use, and each executable's executor.
  std::vector<std::unique_ptr<tessera::rt::Executor>> executors;
  std::vector<const tessera::rt::Executor*> executable_executors;  // parallel to schedule.executables
  std::vector<tsr_tensor_info> input_infos, output_infos;

  // Sessions hold a reference, so releasing the model before its sessions is safe.
  std::atomic<int> refs{1};

  ~tsr_model();
};

namespace tessera::rt {
void retainModel(const tsr_model* model);
void releaseModel(const tsr_model* model);
std::string describeModel(const tsr_model& model);
}  // namespace tessera::rt

#endif
