// Artifact loading: map or copy the bytes, validate the container and every table (the codec), and only then
// create the executors, which check the host and map the code.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "runtime_impl.h"
#include "status.h"

using namespace tessera::rt;
namespace codec = tessera::codec;

tsr_model::~tsr_model() {
  // The executors are destroyed after this body; their code lives in memory of its own, not in `data`.
  if (mapping) munmap(mapping, mapping_size);
  deallocate(allocator, copy);
}

namespace tessera::rt {
void retainModel(const tsr_model* m) { const_cast<tsr_model*>(m)->refs.fetch_add(1, std::memory_order_relaxed); }
void releaseModel(const tsr_model* m) {
  if (m && const_cast<tsr_model*>(m)->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete m;
}
}  // namespace tessera::rt

namespace {

tsr_status* invalid(std::string message) { return makeStatus(TSR_STATUS_INVALID_ARTIFACT, "artifact: " + message); }
tsr_status* unsupported(std::string message) { return makeStatus(TSR_STATUS_UNSUPPORTED, "artifact: " + message); }

const tsr_section_entry* findSection(const tsr_model& m, uint32_t kind) {
  for (const auto& s : m.sections)
    if (s.kind == kind) return &s;
  return nullptr;
}

// Creates the executor of each code section the executables use; each executor checks that this host can run
// its code before it maps any, so a wrong architecture or a missing CPU feature is an error, never SIGILL.
tsr_status* createExecutors(tsr_model& m, const tsr_model_options& options) {
  const Schedule& sc = m.schedule;
  std::vector<uint32_t> kinds;  // code section of each of m.executors
  m.executable_executors.resize(sc.executables.size());
  for (size_t e = 0; e < sc.executables.size(); ++e) {
    const uint32_t kind = sc.executables[e].code_section;
    const size_t k = static_cast<size_t>(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
    if (k == kinds.size()) {
      const char* name = sc.executables[e].name.c_str();
      const tsr_section_entry* code = findSection(m, kind);
      const bool linked = m.linked && kind == TSR_SECTION_CPU_CODE;  // the program holds the code
      if (!code && !linked)
        return invalid(format("executable '%s' needs section %s, which the artifact lacks", name,
                              codec::sectionKindName(kind)));
      ExecutorFactory factory = executorFactory(kind);
      if (!factory)
        return unsupported(format("executable '%s' needs section %s, which this runtime cannot run", name,
                                  codec::sectionKindName(kind)));
      std::unique_ptr<Executor> executor;
      ExecutorLoad load{kind, code ? m.data + code->offset : nullptr, code ? code->size : 0, &m.header, &m.schedule,
                        &options};
      load.weights = m.weights;
      load.weights_size = m.weights_size;
      if (linked) {
        load.linked_kernels = m.linked->kernels;
        load.linked_kernel_count = m.linked->kernel_count;
      }
      if (tsr_status* st = factory(load, executor)) return st;
      m.executors.push_back(std::move(executor));
      kinds.push_back(kind);
    }
    m.executable_executors[e] = m.executors[k].get();
  }
  return nullptr;
}

tsr_status* loadModel(tsr_model& m, const tsr_model_options& options) {
  std::string error;
  switch (codec::readContainer(m.data, m.size, m.header, m.sections, error)) {
  case codec::ContainerStatus::Ok: break;
  case codec::ContainerStatus::Invalid: return invalid(error);
  case codec::ContainerStatus::Unsupported: return unsupported(error);
  }

  if (m.linked && findSection(m, TSR_SECTION_CPU_CODE))
    return invalid("a linked model's artifact must not carry a CPU_CODE section (its kernels are linked in)");
  const tsr_section_entry* md = findSection(m, TSR_SECTION_METADATA);
  const tsr_section_entry* sc = findSection(m, TSR_SECTION_SCHEDULE);
  if (!codec::decodeMetadata(m.data + md->offset, md->size, m.metadata, error)) return invalid("METADATA: " + error);
  if (!codec::decodeSchedule(m.data + sc->offset, sc->size, m.metadata.symbols.size(), m.schedule, error))
    return invalid("SCHEDULE: " + error);
  if (const tsr_section_entry* w = findSection(m, TSR_SECTION_WEIGHTS)) {
    m.weights = m.data + w->offset;
    m.weights_size = w->size;
  }
  if (!codec::validateModel(m.metadata, m.schedule, m.weights_size, error)) return invalid(error);
  if (const tsr_section_entry* src = findSection(m, TSR_SECTION_SOURCES)) {
    if (!codec::decodeSources(m.data + src->offset, src->size, m.schedule.steps.size(), m.step_sources, error))
      return invalid("SOURCES: " + error);
  } else {
    m.step_sources.resize(m.schedule.steps.size());
  }

  for (auto* list : {&m.metadata.inputs, &m.metadata.outputs}) {
    auto& infos = list == &m.metadata.inputs ? m.input_infos : m.output_infos;
    for (const TensorDesc& t : *list)
      infos.push_back({t.name.c_str(), t.dtype, static_cast<uint32_t>(t.dims.size()), t.dims.data()});
  }
  return createExecutors(m, options);
}

tsr_model_options resolve(const tsr_model_options* options) {
  tsr_model_options o;
  tsr_model_options_initialize(&o);
  return options ? *options : o;
}

tsr_status* finishLoad(std::unique_ptr<tsr_model> m, const tsr_model_options& options, tsr_model** out) {
  if (tsr_status* st = loadModel(*m, options)) return st;
  *out = m.release();
  return nullptr;
}

}  // namespace

extern "C" {

void tsr_model_options_initialize(tsr_model_options* options) {
  if (options) std::memset(options, 0, sizeof *options);
}

tsr_status* tsr_model_load_file(const char* path, const tsr_model_options* options, tsr_model** out_model) {
  return guard([&]() -> tsr_status* {
    if (!path || !out_model) return makeStatus(TSR_STATUS_INVALID_ARGUMENT, "path and out_model must not be NULL");
    tsr_model_options o = resolve(options);
    // Non-blocking: opening a FIFO must not hang; fstat below refuses anything but a regular file.
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
      int err = errno;
      return makeStatus(err == ENOENT ? TSR_STATUS_NOT_FOUND : TSR_STATUS_IO_ERROR,
                        format("cannot open '%s': %s", path, std::strerror(err)));
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return makeStatus(TSR_STATUS_IO_ERROR, format("'%s' is not a regular file", path));
    }
    auto m = std::make_unique<tsr_model>();
    m->allocator = o.allocator;
    m->size = static_cast<size_t>(st.st_size);
    if (m->size > 0) {
      void* p = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        close(fd);
        return makeStatus(TSR_STATUS_IO_ERROR, format("cannot map '%s': %s", path, std::strerror(err)));
      }
      m->mapping = p;
      m->mapping_size = m->size;
      m->data = static_cast<const uint8_t*>(p);
    }
    close(fd);  // the mapping stays valid
    tsr_status* status = finishLoad(std::move(m), o, out_model);
    if (status && status != outOfMemoryStatus()) status->message = std::string(path) + ": " + status->message;
    return status;
  });
}

tsr_status* tsr_model_load_memory(const void* data, size_t size, const tsr_model_options* options,
                                  tsr_model** out_model) {
  return guard([&]() -> tsr_status* {
    if ((!data && size) || !out_model)
      return makeStatus(TSR_STATUS_INVALID_ARGUMENT, "data and out_model must not be NULL");
    tsr_model_options o = resolve(options);
    auto m = std::make_unique<tsr_model>();
    m->allocator = o.allocator;
    // Section-aligned copy: weights keep their 64-byte alignment and the caller may free `data` at once.
    m->copy = allocate(o.allocator, size, TSR_SECTION_ALIGNMENT);
    if (!m->copy) return outOfMemoryStatus();
    if (size) std::memcpy(m->copy, data, size);
    m->data = static_cast<const uint8_t*>(m->copy);
    m->size = size;
    return finishLoad(std::move(m), o, out_model);
  });
}

tsr_status* tsr_model_load_static(const tsr_static_model* linked, const tsr_model_options* options,
                                  tsr_model** out_model) {
  return guard([&]() -> tsr_status* {
    if (!linked || !out_model) return makeStatus(TSR_STATUS_INVALID_ARGUMENT, "linked and out_model must not be NULL");
    if (linked->kernel_abi_version != TSR_KERNEL_ABI_VERSION)
      return unsupported(format("linked kernels use kernel ABI version %u, this runtime %u", linked->kernel_abi_version,
                                TSR_KERNEL_ABI_VERSION));
    if (!linked->artifact || reinterpret_cast<uintptr_t>(linked->artifact) % TSR_SECTION_ALIGNMENT ||
        (linked->kernel_count && !linked->kernels))
      return makeStatus(TSR_STATUS_INVALID_ARGUMENT,
                        format("a linked model needs its artifact at a %u-byte aligned address and its kernel table",
                               TSR_SECTION_ALIGNMENT));
    if (linked->artifact_size > SIZE_MAX) return invalid("the linked artifact is larger than the address space");
    tsr_model_options o = resolve(options);
    auto m = std::make_unique<tsr_model>();
    m->allocator = o.allocator;
    m->linked = linked;
    m->data = static_cast<const uint8_t*>(linked->artifact);  // the program's read-only data: used in place
    m->size = static_cast<size_t>(linked->artifact_size);
    return finishLoad(std::move(m), o, out_model);
  });
}

void tsr_model_release(tsr_model* model) { releaseModel(model); }

size_t tsr_model_input_count(const tsr_model* model) { return model ? model->input_infos.size() : 0; }
size_t tsr_model_output_count(const tsr_model* model) { return model ? model->output_infos.size() : 0; }

static tsr_status* info(const tsr_model* model, size_t index, tsr_tensor_info* out, bool input) {
  if (!model || !out) return makeStatus(TSR_STATUS_INVALID_ARGUMENT, "model and out_info must not be NULL");
  const auto& infos = input ? model->input_infos : model->output_infos;
  if (index >= infos.size())
    return makeStatus(TSR_STATUS_INVALID_ARGUMENT, format("%s index %zu out of range (the model has %zu)",
                                                          input ? "input" : "output", index, infos.size()));
  *out = infos[index];
  return nullptr;
}

tsr_status* tsr_model_input_info(const tsr_model* model, size_t index, tsr_tensor_info* out_info) {
  return info(model, index, out_info, true);
}
tsr_status* tsr_model_output_info(const tsr_model* model, size_t index, tsr_tensor_info* out_info) {
  return info(model, index, out_info, false);
}

const char* tsr_model_step_source(const tsr_model* model, size_t step) {
  if (!model || step >= model->step_sources.size()) return nullptr;
  return model->step_sources[step].c_str();
}

size_t tsr_model_symbol_count(const tsr_model* model) { return model ? model->metadata.symbols.size() : 0; }

tsr_status* tsr_model_symbol_info(const tsr_model* model, size_t index, const char** out_name, int64_t* out_min,
                                  int64_t* out_max) {
  if (!model || !out_name || !out_min || !out_max)
    return makeStatus(TSR_STATUS_INVALID_ARGUMENT, "model and outputs must not be NULL");
  if (index >= model->metadata.symbols.size())
    return makeStatus(TSR_STATUS_INVALID_ARGUMENT, format("symbol index %zu out of range", index));
  const Symbol& s = model->metadata.symbols[index];
  *out_name = s.name.c_str();
  *out_min = s.min;
  *out_max = s.max;
  return nullptr;
}

size_t tsr_model_info_string(const tsr_model* model, char* buffer, size_t capacity) {
  std::string text;
#if defined(__cpp_exceptions)
  try {
#endif
    text = model ? describeModel(*model) : std::string("(null model)\n");
#if defined(__cpp_exceptions)
  } catch (...) {
    text = "(out of memory)\n";
  }
#endif
  if (buffer && capacity) {
    size_t n = std::min(capacity - 1, text.size());
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
  }
  return text.size();
}

}  // extern "C"
