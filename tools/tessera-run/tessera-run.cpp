// tessera-run: load an artifact, feed it tensors from .npy / .pb files, write or compare the outputs, time it.
// Exit codes: 0 ok, 1 outputs differ from --expected, 2 any error (bad flag, file, shape, artifact).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/runtime.h"
#include "tessera/tensor_io.h"
#include "tools/common/ToolVersion.h"

namespace {

const char kHelp[] = R"(usage: tessera-run ARTIFACT [options]

Runs a compiled Tessera artifact: CPU kernels on this CPU, SPIR-V kernels on a Vulkan device.

  --input [NAME=]FILE     input tensor (.npy or ONNX TensorProto .pb); repeat per input. Without NAME=,
                          files fill the inputs not given by name, in the model's input order
  --output-dir DIR        write each output to DIR/<output name>.npy (names made file-system safe)
  --expected [NAME=]FILE  expected output (.npy or .pb), by name or in output order; compare after running
  --rtol R                relative tolerance for --expected (default 1e-3)
  --atol A                absolute tolerance for --expected (default 1e-4)
  --bench N               run N timed iterations after one warm-up and print one JSON line:
                          {"median_ms": ..., "min_ms": ..., "max_ms": ..., "runs": N, "threads": T}
                          (other reports then go to stderr, so stdout holds only that line)
  --threads T             threads per dispatch, the caller included (default: one per CPU, at most 16);
                          the JSON reports the number actually used
  --profile FILE.json     after the other runs, run once more timing every schedule step; write a Chrome
                          trace (open in ui.perfetto.dev or chrome://tracing): one slice per step, and per
                          thread one per dispatch it helped run, each named after the ONNX nodes fused into
                          it; print the time per op type and each thread's busy time to stderr
  --device INDEX|NAME     the Vulkan device for SPIR-V kernels: an index or part of its name (default: the
                          TESSERA_VULKAN_DEVICE environment variable, else the first discrete GPU, else any)
  --device list           print the Vulkan devices, one per line with its index, and exit
  --pipeline-cache FILE   keep the Vulkan driver's compiled pipelines in FILE: read when it holds a cache the
                          driver recognizes, written after loading (default: TESSERA_VULKAN_PIPELINE_CACHE)
  --info                  print the artifact's metadata and schedule (alone: print and exit)
  --print                 after running, print each output as "NAME: DTYPE[SHAPE]", then a line
                          "  values: ..." with its first (up to) 10 values in C order, and for an output
                          of at most 2 dims and more than 10 elements a line "  top5: I=V ..." with the
                          (up to) 5 largest values of row 0 along its last dim as index=value, largest
                          first (ties: lower index first; NaN last)
  --version               print the Tessera version, the artifact format and the kernel ABI it runs, and exit
  --help                  show this help

exit status: 0 success, 1 outputs differ from --expected, 2 error
)";

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& message) { throw Failure(message); }

struct Options {
  std::string artifact, output_dir, profile, device, pipeline_cache;
  std::vector<std::string> inputs, expected;
  double rtol = 1e-3, atol = 1e-4;
  long bench = 0, threads = 0;
  bool info = false, print = false;
};

double parseNumber(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !std::isfinite(v) || v < 0) fail(flag + " needs a non-negative number, got '" + text + "'");
  return v;
}

long parseCount(const std::string& flag, const std::string& text, long min) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || v < min || v > 1000000000)
    fail(flag + " needs an integer >= " + std::to_string(min) + ", got '" + text + "'");
  return v;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    size_t eq = arg.find('=');
    bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) value = arg.substr(eq + 1), arg = arg.substr(0, eq);
    auto next = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) fail(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kHelp, stdout);
      std::exit(0);
    } else if (arg == "--version") {
      std::fputs(tessera::toolVersionText("tessera-run").c_str(), stdout);
      std::exit(0);
    } else if (arg == "--input") {
      o.inputs.push_back(next());
    } else if (arg == "--expected") {
      o.expected.push_back(next());
    } else if (arg == "--output-dir") {
      o.output_dir = next();
    } else if (arg == "--rtol") {
      o.rtol = parseNumber(arg, next());
    } else if (arg == "--atol") {
      o.atol = parseNumber(arg, next());
    } else if (arg == "--bench") {
      o.bench = parseCount(arg, next(), 1);
    } else if (arg == "--threads") {
      o.threads = parseCount(arg, next(), 1);
    } else if (arg == "--profile") {
      o.profile = next();
    } else if (arg == "--device") {
      o.device = next();
      if (o.device == "list") {
        std::string text(tsr_vulkan_devices_string(nullptr, 0), '\0');
        tsr_vulkan_devices_string(text.data(), text.size() + 1);
        std::fputs(text.c_str(), stdout);
        std::exit(0);
      }
    } else if (arg == "--pipeline-cache") {
      o.pipeline_cache = next();
    } else if (arg == "--info") {
      o.info = true;
    } else if (arg == "--print") {
      o.print = true;
    } else if (arg.rfind("-", 0) == 0 && arg != "-") {
      fail("unknown option '" + arg + "' (see --help)");
    } else if (o.artifact.empty()) {
      o.artifact = arg;
    } else {
      fail("more than one artifact given ('" + o.artifact + "' and '" + arg + "')");
    }
  }
  if (o.artifact.empty()) fail("no artifact given (see --help)");
  return o;
}

// Assigns "[NAME=]FILE" arguments to slots named `names`: named ones first, then the rest in order.
std::vector<std::string> assignFiles(const std::vector<std::string>& args, const std::vector<std::string>& names,
                                     const char* role) {
  std::vector<std::string> files(names.size());
  std::vector<std::string> positional;
  for (const std::string& a : args) {
    size_t eq = a.find('=');
    auto it = eq == std::string::npos ? names.end() : std::find(names.begin(), names.end(), a.substr(0, eq));
    if (it == names.end()) {
      positional.push_back(a);  // a file name may itself contain '='
      continue;
    }
    size_t k = static_cast<size_t>(it - names.begin());
    if (!files[k].empty()) fail(std::string(role) + " '" + names[k] + "' given twice");
    files[k] = a.substr(eq + 1);
  }
  size_t k = 0;
  for (const std::string& f : positional) {
    while (k < files.size() && !files[k].empty()) ++k;
    if (k == files.size())
      fail(std::string("too many ") + role + " files: the model has " + std::to_string(names.size()) + " " + role +
           (names.size() == 1 ? "" : "s") + " ('" + f + "' is left over)");
    files[k] = f;
  }
  return files;
}

std::string sanitize(const std::string& name, size_t index) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  if (s.empty() || s == "." || s == "..") s = "output_" + std::to_string(index);
  return s;
}

// Element `i` of `t` as a double, for ranking in --print (every dtype tensor_io reads).
double elementAsDouble(const tessera::io::Tensor& t, size_t i) {
  const uint8_t* p = t.bytes.data() + i * tessera::io::dtypeSize(t.dtype);
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  switch (t.dtype) {
  case TSR_DTYPE_FLOAT32: return load(float{});
  case TSR_DTYPE_FLOAT64: return load(double{});
  case TSR_DTYPE_FLOAT16: {
    uint16_t h = load(uint16_t{});
    int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    double v = exponent == 0    ? std::ldexp(mantissa, -24)
               : exponent == 31 ? (mantissa ? NAN : INFINITY)
                                : std::ldexp(mantissa | 0x400, exponent - 25);
    return (h & 0x8000) ? -v : v;
  }
  case TSR_DTYPE_BFLOAT16: {
    uint32_t bits = static_cast<uint32_t>(load(uint16_t{})) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
  }
  case TSR_DTYPE_UINT8: case TSR_DTYPE_BOOL: return load(uint8_t{});
  case TSR_DTYPE_INT8: return load(int8_t{});
  case TSR_DTYPE_UINT16: return load(uint16_t{});
  case TSR_DTYPE_INT16: return load(int16_t{});
  case TSR_DTYPE_INT32: return load(int32_t{});
  case TSR_DTYPE_UINT32: return load(uint32_t{});
  case TSR_DTYPE_INT64: return static_cast<double>(load(int64_t{}));
  case TSR_DTYPE_UINT64: return static_cast<double>(load(uint64_t{}));
  }
  return NAN;
}

// One element as text: integers exactly (64-bit ones do not survive a double), floats with %.6g.
std::string elementText(const tessera::io::Tensor& t, size_t i) {
  char buf[64];
  const uint8_t* p = t.bytes.data() + i * tessera::io::dtypeSize(t.dtype);
  if (t.dtype == TSR_DTYPE_INT64) {
    int64_t v;
    std::memcpy(&v, p, sizeof(v));
    std::snprintf(buf, sizeof(buf), "%" PRId64, v);
  } else if (t.dtype == TSR_DTYPE_UINT64) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    std::snprintf(buf, sizeof(buf), "%" PRIu64, v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.6g", elementAsDouble(t, i));  // nan/inf/-inf print as such
  }
  return buf;
}

// The --print report for one output (format documented in kHelp).
void printTensor(std::FILE* out, const tessera::io::Tensor& t) {
  size_t count = t.elementCount();
  if (tessera::io::dtypeSize(t.dtype) == 0 || t.bytes.size() != count * tessera::io::dtypeSize(t.dtype)) {
    std::fprintf(out, "%s: %s%s (values not printable)\n", t.name.c_str(), tsr_dtype_name(t.dtype),
                 tessera::io::shapeString(t.dims).c_str());
    return;
  }
  std::fprintf(out, "%s: %s%s\n  values:", t.name.c_str(), tsr_dtype_name(t.dtype),
               tessera::io::shapeString(t.dims).c_str());
  size_t shown = std::min<size_t>(count, 10);
  for (size_t i = 0; i < shown; ++i) std::fprintf(out, " %s", elementText(t, i).c_str());
  if (shown < count) std::fprintf(out, " ... (%zu values)", count);
  std::fputs("\n", out);
  if (t.dims.size() > 2 || count <= 10) return;
  size_t row = static_cast<size_t>(t.dims.back());
  std::vector<size_t> order(row);
  for (size_t i = 0; i < row; ++i) order[i] = i;
  // Largest first, NaN last, ties by lower index: a total order, so the result never depends on the sort.
  auto before = [&](size_t a, size_t b) {
    double x = elementAsDouble(t, a), y = elementAsDouble(t, b);
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
    if (!std::isnan(x) && x != y) return x > y;
    return a < b;
  };
  size_t k = std::min<size_t>(row, 5);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), before);
  std::fputs("  top5:", out);
  for (size_t i = 0; i < k; ++i) std::fprintf(out, " %zu=%s", order[i], elementText(t, order[i]).c_str());
  std::fputs("\n", out);
}

// The op type of an executable: its name without the "dispatch_<n>_" prefix ("conv_2d_nchw_fchw").
std::string opType(const std::string& name) {
  if (name.rfind("dispatch_", 0) != 0) return name;
  size_t sep = name.find('_', 9);
  return sep == std::string::npos ? name : name.substr(sep + 1);
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

// A Chrome trace (JSON object format, times in microseconds) of one profiled run: track 0 holds every timed
// step, tracks 1..T what each thread ran of each dispatch. Slices are named after the ONNX nodes of their step
// (the executable or step kind when the artifact does not record them). Per-op-type totals and each thread's
// busy time go to stderr, largest first.
void writeProfile(const std::string& path, const tsr_model* model, const tsr_session* session) {
  const tsr_profile_event* events = nullptr;
  const tsr_profile_worker_slice* slices = nullptr;
  const size_t count = tsr_session_profile_events(session, &events);
  const size_t slice_count = tsr_session_profile_worker_slices(session, &slices);
  const uint32_t threads = tsr_session_thread_count(session);
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) fail("cannot write profile '" + path + "': " + std::strerror(errno));
  std::fprintf(f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
  std::fprintf(f, "  {\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": {\"name\": \"tessera-run\"}}");
  std::fprintf(f, ",\n  {\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"args\": {\"name\": "
                  "\"schedule (%u threads per dispatch)\"}}",
               threads);
  for (uint32_t t = 0; t < threads; ++t)
    std::fprintf(f, ",\n  {\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": %u, \"args\": {\"name\": "
                    "\"thread %u%s\"}}",
                 t + 1, t, t == 0 ? " (caller)" : "");
  auto nameOf = [&](const tsr_profile_event& e) {
    const char* nodes = tsr_model_step_source(model, e.step);
    return nodes && *nodes ? std::string(nodes) : std::string(e.name);
  };
  uint64_t total = 0;
  std::map<std::string, std::pair<uint64_t, unsigned>> byType;
  for (size_t i = 0; i < count; ++i) {
    const tsr_profile_event& e = events[i];
    std::fprintf(f, ",\n  {\"name\": %s, \"cat\": %s, \"ph\": \"X\", \"pid\": 1, \"tid\": 0, \"ts\": %.3f, "
                    "\"dur\": %.3f, \"args\": {\"step\": %u, \"executable\": %s, \"workgroups\": %u}}",
                 jsonString(nameOf(e)).c_str(), jsonString(opType(e.name)).c_str(), e.start_ns / 1e3,
                 e.duration_ns / 1e3, e.step, jsonString(e.name).c_str(), e.workgroups);
    auto& slot = byType[opType(e.name)];
    slot.first += e.duration_ns;
    slot.second += 1;
    total += e.duration_ns;
  }
  std::vector<uint64_t> busy(threads, 0);
  for (size_t i = 0; i < slice_count; ++i) {
    const tsr_profile_worker_slice& w = slices[i];
    if (w.event >= count || w.worker >= threads) continue;
    const tsr_profile_event& e = events[w.event];
    std::fprintf(f, ",\n  {\"name\": %s, \"cat\": %s, \"ph\": \"X\", \"pid\": 1, \"tid\": %u, \"ts\": %.3f, "
                    "\"dur\": %.3f, \"args\": {\"step\": %u, \"workgroups\": %u, \"busy_us\": %.3f}}",
                 jsonString(nameOf(e)).c_str(), jsonString(opType(e.name)).c_str(), w.worker + 1, w.start_ns / 1e3,
                 w.duration_ns / 1e3, e.step, w.workgroups, w.busy_ns / 1e3);
    busy[w.worker] += w.busy_ns;
  }
  std::fprintf(f, "\n]}\n");
  std::fclose(f);
  std::vector<std::pair<std::string, std::pair<uint64_t, unsigned>>> rows(byType.begin(), byType.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  std::fprintf(stderr, "profile: %.3f ms in %zu steps (written to %s)\n", total / 1e6, count, path.c_str());
  for (const auto& [type, slot] : rows)
    std::fprintf(stderr, "  %-28s %9.3f ms %5.1f%% %4u steps\n", type.c_str(), slot.first / 1e6,
                 total ? 100.0 * slot.first / total : 0.0, slot.second);
  std::fprintf(stderr, "busy in dispatches:");
  for (uint32_t t = 0; t < threads; ++t) std::fprintf(stderr, " thread %u %.3f ms%s", t, busy[t] / 1e6, t + 1 < threads ? "," : "\n");
}

void check(tsr_status* st) {
  if (!st) return;
  std::string message = tsr_status_message(st);
  tsr_status_free(st);
  fail(message);
}

int run(int argc, char** argv) {
  Options o = parseArgs(argc, argv);
  tsr_model* model = nullptr;
  tsr_model_options options;
  tsr_model_options_initialize(&options);
  options.vulkan_device = o.device.empty() ? nullptr : o.device.c_str();
  options.vulkan_pipeline_cache = o.pipeline_cache.empty() ? nullptr : o.pipeline_cache.c_str();
  check(tsr_model_load_file(o.artifact.c_str(), &options, &model));
  std::unique_ptr<tsr_model, void (*)(tsr_model*)> model_guard(model, tsr_model_release);

  std::FILE* report = o.bench ? stderr : stdout;
  if (o.info) {
    std::string text(tsr_model_info_string(model, nullptr, 0), '\0');
    tsr_model_info_string(model, text.data(), text.size() + 1);
    std::fputs(text.c_str(), report);
    if (o.inputs.empty() && o.expected.empty() && o.output_dir.empty() && !o.bench && !o.print && o.profile.empty())
      return 0;
  }

  auto names = [&](bool input) {
    std::vector<std::string> out;
    size_t n = input ? tsr_model_input_count(model) : tsr_model_output_count(model);
    for (size_t i = 0; i < n; ++i) {
      tsr_tensor_info info{};
      check(input ? tsr_model_input_info(model, i, &info) : tsr_model_output_info(model, i, &info));
      out.push_back(info.name);
    }
    return out;
  };
  const std::vector<std::string> input_names = names(true), output_names = names(false);

  std::vector<std::string> input_files = assignFiles(o.inputs, input_names, "input");
  std::vector<tessera::io::Tensor> inputs(input_names.size());
  std::vector<tsr_tensor> in(input_names.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (input_files[i].empty()) fail("missing input '" + input_names[i] + "' (pass --input " + input_names[i] + "=FILE)");
    std::string error;
    if (!tessera::io::readTensorFile(input_files[i], inputs[i], error)) fail(error);
    // .npy has no bfloat16 and ONNX test data stores 16-bit floats as uint16 bit patterns: take them
    // as the model's 16-bit float type.
    tsr_tensor_info info{};
    check(tsr_model_input_info(model, i, &info));
    if (inputs[i].dtype == TSR_DTYPE_UINT16 &&
        (info.dtype == TSR_DTYPE_BFLOAT16 || info.dtype == TSR_DTYPE_FLOAT16))
      inputs[i].dtype = info.dtype;
    in[i] = {inputs[i].dtype, static_cast<uint32_t>(inputs[i].dims.size()), inputs[i].dims.data(),
             inputs[i].bytes.data(), inputs[i].bytes.size()};
  }
  std::vector<std::string> expected_files = assignFiles(o.expected, output_names, "output");

  tsr_session_options so;
  tsr_session_options_initialize(&so);
  so.thread_count = static_cast<uint32_t>(o.threads);
  tsr_session* session = nullptr;
  check(tsr_session_create(model, &so, &session));
  std::unique_ptr<tsr_session, void (*)(tsr_session*)> session_guard(session, tsr_session_release);

  std::vector<tsr_tensor> out(output_names.size());
  auto once = [&] {
    std::fill(out.begin(), out.end(), tsr_tensor{});
    check(tsr_session_run(session, in.data(), in.size(), out.data(), out.size()));
  };
  once();  // also the warm-up for --bench
  if (o.bench) {
    std::vector<double> ms;
    for (long r = 0; r < o.bench; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      once();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    size_t n = ms.size();
    double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    std::printf("{\"median_ms\": %.6f, \"min_ms\": %.6f, \"max_ms\": %.6f, \"runs\": %ld, \"threads\": %u}\n", median,
                ms.front(), ms.back(), o.bench, tsr_session_thread_count(session));
  }

  if (!o.profile.empty()) {
    tsr_session_set_profiling(session, 1);
    once();
    writeProfile(o.profile, model, session);
  }

  std::vector<tessera::io::Tensor> results(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    auto& t = results[i];
    t.name = output_names[i];
    t.dtype = out[i].dtype;
    t.dims.assign(out[i].dims, out[i].dims + out[i].rank);
    const uint8_t* p = static_cast<const uint8_t*>(out[i].data);
    t.bytes.assign(p, p + out[i].byte_size);
  }

  if (!o.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.output_dir, ec);
    if (ec) fail("cannot create output directory '" + o.output_dir + "': " + ec.message());
    std::set<std::string> used;
    for (size_t i = 0; i < results.size(); ++i) {
      std::string file = sanitize(results[i].name, i);
      if (!used.insert(file).second) file += "_" + std::to_string(i);  // two names that sanitize alike
      used.insert(file);
      tessera::io::Tensor t = results[i];
      if (t.dtype == TSR_DTYPE_BFLOAT16) {
        t.dtype = TSR_DTYPE_UINT16;  // .npy has no bfloat16: keep the bits
        std::fprintf(stderr, "tessera-run: note: output '%s' is bfloat16, written as uint16 bit patterns\n",
                     t.name.c_str());
      }
      std::string error;
      if (!tessera::io::writeNpy(o.output_dir + "/" + file + ".npy", t, error)) fail(error);
    }
  }

  if (o.print)
    for (const tessera::io::Tensor& t : results) printTensor(report, t);

  int status = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    if (expected_files[i].empty()) continue;
    tessera::io::Tensor want;
    std::string error, text;
    if (!tessera::io::readTensorFile(expected_files[i], want, error)) fail(error);
    if (want.dtype == TSR_DTYPE_UINT16 &&
        (results[i].dtype == TSR_DTYPE_BFLOAT16 || results[i].dtype == TSR_DTYPE_FLOAT16))
      want.dtype = results[i].dtype; // bit patterns, as for inputs
    bool same = tessera::io::compareTensors(results[i], want, o.rtol, o.atol, text);
    std::fprintf(report, "output '%s': %s\n", output_names[i].c_str(), text.c_str());
    if (!same) status = 1;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Failure& f) {
    std::fprintf(stderr, "tessera-run: error: %s\n", f.what());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "tessera-run: error: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera-run: error: %s\n", e.what());
  }
  return 2;
}
