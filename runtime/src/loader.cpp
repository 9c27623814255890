// Artifact loading: map or copy the bytes, validate the container and every table, and only then map code.
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

static_assert(sizeof(tsr_artifact_header) == 176, "artifact header layout changed");
static_assert(sizeof(tsr_section_entry) == 32, "section entry layout changed");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the artifact format is little-endian");

tsr_model::~tsr_model() {
  // `code` is destroyed after this body; kernels need no teardown.
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

constexpr uint32_t kMaxSections = 64;

const char* sectionName(uint32_t kind) {
  switch (kind) {
  case TSR_SECTION_METADATA: return "METADATA";
  case TSR_SECTION_SCHEDULE: return "SCHEDULE";
  case TSR_SECTION_CPU_CODE: return "CPU_CODE";
  case TSR_SECTION_WEIGHTS: return "WEIGHTS";
  }
  return "unknown";
}

tsr_status* invalid(std::string message) { return makeStatus(TSR_STATUS_INVALID_ARTIFACT, "artifact: " + message); }
tsr_status* unsupported(std::string message) { return makeStatus(TSR_STATUS_UNSUPPORTED, "artifact: " + message); }

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

// Fixed-size NUL-padded header strings must contain a terminator.
bool terminated(const char* s, size_t n) { return std::memchr(s, '\0', n) != nullptr; }

tsr_status* checkContainer(tsr_model& m, const tsr_model_options& options) {
  const size_t size = m.size;
  if (size == 0) return invalid("file is empty");
  if (size < TSR_ARTIFACT_MAGIC_SIZE || std::memcmp(m.data, TSR_ARTIFACT_MAGIC, TSR_ARTIFACT_MAGIC_SIZE) != 0)
    return invalid("bad magic (not a Tessera artifact)");
  if (size < sizeof(tsr_artifact_header))
    return invalid(format("truncated header (%zu of %zu bytes)", size, sizeof(tsr_artifact_header)));
  tsr_artifact_header& h = m.header;
  std::memcpy(&h, m.data, sizeof h);
  if (h.format_version != TSR_ARTIFACT_FORMAT_VERSION)
    return unsupported(format("format version %u, expected %u (recompile the model with a matching compiler)",
                              h.format_version, TSR_ARTIFACT_FORMAT_VERSION));
  if (h.kernel_abi_version != TSR_KERNEL_ABI_VERSION)
    return unsupported(format("kernel ABI version %u is not supported (this runtime implements version %u)",
                              h.kernel_abi_version, TSR_KERNEL_ABI_VERSION));
  if (h.header_size != sizeof(tsr_artifact_header))
    return invalid(format("header_size is %u, expected %zu", h.header_size, sizeof(tsr_artifact_header)));
  if (h.file_size != size)
    return invalid(format("header says the file has %llu bytes but it has %zu (truncated or padded?)",
                          ull(h.file_size), size));
  if (h.section_count > kMaxSections)
    return invalid(format("section count %u exceeds the limit of %u", h.section_count, kMaxSections));
  const size_t table_end = sizeof h + size_t{h.section_count} * sizeof(tsr_section_entry);
  if (table_end > size) return invalid("section table extends past the end of the file");

  tsr_artifact_header zeroed = h;
  zeroed.header_hash = 0;
  uint64_t hash = tsr_hash64(TSR_HASH_SEED, &zeroed, sizeof zeroed);
  hash = tsr_hash64(hash, m.data + sizeof h, table_end - sizeof h);
  if (hash != h.header_hash) return invalid("header hash mismatch (corrupt file?)");
  if (!terminated(h.target_triple, sizeof h.target_triple) || !terminated(h.target_cpu, sizeof h.target_cpu))
    return invalid("target triple or cpu is not NUL-terminated");

  m.sections.resize(h.section_count);
  std::memcpy(m.sections.data(), m.data + sizeof h, table_end - sizeof h);
  int seen[TSR_SECTION_WEIGHTS + 1];
  std::fill(std::begin(seen), std::end(seen), -1);
  for (uint32_t i = 0; i < h.section_count; ++i) {
    const tsr_section_entry& s = m.sections[i];
    if (s.kind < TSR_SECTION_METADATA || s.kind > TSR_SECTION_WEIGHTS)
      return invalid(format("section %u has unknown kind %u", i, s.kind));
    if (seen[s.kind] >= 0)
      return invalid(format("duplicate %s section (sections %d and %u)", sectionName(s.kind), seen[s.kind], i));
    seen[s.kind] = static_cast<int>(i);
    if (s.offset % TSR_SECTION_ALIGNMENT != 0)
      return invalid(format("section %u (%s) offset %llu is not %u-byte aligned", i, sectionName(s.kind),
                            ull(s.offset), TSR_SECTION_ALIGNMENT));
    if (s.offset < table_end || s.offset > size || s.size > size - s.offset)
      return invalid(format("section %u (%s) bytes [%llu, +%llu) lie outside the file's data area [%zu, %zu)", i,
                            sectionName(s.kind), ull(s.offset), ull(s.size), table_end, size));
  }
  std::vector<uint32_t> order(h.section_count);
  for (uint32_t i = 0; i < h.section_count; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return m.sections[a].offset < m.sections[b].offset; });
  int last = -1;  // previous non-empty section in offset order; empty sections overlap nothing
  for (uint32_t i : order) {
    const tsr_section_entry& s = m.sections[i];
    if (s.size == 0) continue;
    if (last >= 0 && m.sections[last].offset + m.sections[last].size > s.offset)
      return invalid(format("sections %d and %u overlap", last, i));
    last = static_cast<int>(i);
  }
  for (uint32_t i = 0; i < h.section_count; ++i) {
    const tsr_section_entry& s = m.sections[i];
    if (tsr_hash64(TSR_HASH_SEED, m.data + s.offset, s.size) != s.hash)
      return invalid(format("section %u (%s) hash mismatch (corrupt file?)", i, sectionName(s.kind)));
  }
  for (uint32_t kind : {TSR_SECTION_METADATA, TSR_SECTION_SCHEDULE})
    if (seen[kind] < 0) return invalid(format("missing %s section", sectionName(kind)));

  // The host must be able to run the code before anything is mapped: a wrong arch or feature is an error,
  // never SIGILL.
  std::string triple(h.target_triple);
  std::string arch = triple.substr(0, triple.find('-'));
  if (arch != hostArch())
    return unsupported(format("compiled for '%s' but this host is %s", triple.c_str(), hostArch()));
  if (uint64_t unknown = h.required_cpu_features & ~knownCpuFeatures())
    return unsupported(format("requires unknown CPU feature bits 0x%llx (newer compiler?)", ull(unknown)));
  uint64_t have = hostCpuFeatures() & ~options.disabled_cpu_features;
  if (uint64_t missing = h.required_cpu_features & ~have)
    return unsupported(format("this CPU lacks required features: %s (compiled for cpu '%s')",
                              cpuFeatureNames(missing).c_str(), h.target_cpu));
  return nullptr;
}

const tsr_section_entry* findSection(const tsr_model& m, uint32_t kind) {
  for (const auto& s : m.sections)
    if (s.kind == kind) return &s;
  return nullptr;
}

tsr_status* loadModel(tsr_model& m, const tsr_model_options& options) {
  if (tsr_status* st = checkContainer(m, options)) return st;

  const tsr_section_entry* md = findSection(m, TSR_SECTION_METADATA);
  const tsr_section_entry* sc = findSection(m, TSR_SECTION_SCHEDULE);
  std::string error;
  if (!decodeMetadata(m.data + md->offset, md->size, m.metadata, error)) return invalid("METADATA: " + error);
  if (!decodeSchedule(m.data + sc->offset, sc->size, m.metadata.symbols.size(), m.schedule, error))
    return invalid("SCHEDULE: " + error);
  if (const tsr_section_entry* w = findSection(m, TSR_SECTION_WEIGHTS)) {
    m.weights = m.data + w->offset;
    m.weights_size = w->size;
  }
  if (!validateModel(m.metadata, m.schedule, m.weights_size, error)) return invalid(error);

  for (auto* list : {&m.metadata.inputs, &m.metadata.outputs}) {
    auto& infos = list == &m.metadata.inputs ? m.input_infos : m.output_infos;
    for (const TensorDesc& t : *list)
      infos.push_back({t.name.c_str(), t.dtype, static_cast<uint32_t>(t.dims.size()), t.dims.data()});
  }

  if (m.schedule.kernels.empty()) return nullptr;
  const tsr_section_entry* code = findSection(m, TSR_SECTION_CPU_CODE);
  if (!code) return invalid("the schedule names kernels but there is no CPU_CODE section");
  if (tsr_status* st = m.code.load(m.data + code->offset, code->size)) return st;
  for (const std::string& name : m.schedule.kernels) {
    void* fn = m.code.symbol(name.c_str());
    if (!fn)
      return makeStatus(TSR_STATUS_NOT_FOUND, format("artifact: kernel '%s' not found in CPU_CODE", name.c_str()));
    m.kernels.push_back(reinterpret_cast<tsr_kernel_fn>(fn));
  }
  return nullptr;
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);
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
  try {
    text = model ? describeModel(*model) : std::string("(null model)\n");
  } catch (...) {
    text = "(out of memory)\n";
  }
  if (buffer && capacity) {
    size_t n = std::min(capacity - 1, text.size());
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
  }
  return text.size();
}

}  // extern "C"
