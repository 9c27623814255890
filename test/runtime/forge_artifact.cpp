// Rewrites a compiled artifact's schedule the way a forger would, keeping every hash valid, so tests can
// check that such an artifact still cannot make a kernel read or write outside its bindings.
//   tessera-forge-artifact IN OUT shrink-binding|extra-workgroup|swap-kernels|inflate-constant [--erase-signatures]
// shrink-binding: the first dispatch with a literal binding length passes 4 bytes fewer for it;
// extra-workgroup: the first dispatch with a literal grid of more than one workgroup gets one more;
// swap-kernels: the first two dispatches of different kernels with the same binding and constant counts
// call each other's kernel;
// inflate-constant: the first dispatch with constants passes 2^20 for its first (a run-time dim).
// --erase-signatures also clears every export's grid and binding lengths (the loader then cannot tell),
// so the kernels' own checks on entry are what stops the run.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/codec/artifact_codec.h"

using namespace tessera::codec;

static int fail(const std::string& message) {
  std::fprintf(stderr, "tessera-forge-artifact: %s\n", message.c_str());
  return 1;
}

static bool swapKernels(Schedule& schedule) {
  for (Step& a : schedule.steps)
    for (Step& b : schedule.steps)
      if (&a != &b && a.kind == TSR_STEP_DISPATCH && b.kind == TSR_STEP_DISPATCH &&
          (a.executable != b.executable || a.export_index != b.export_index) &&
          a.bindings.size() == b.bindings.size() && a.constants.size() == b.constants.size()) {
        std::swap(a.executable, b.executable);
        std::swap(a.export_index, b.export_index);
        return true;
      }
  return false;
}

static bool forge(Schedule& schedule, const std::string& how) {
  if (how == "swap-kernels") return swapKernels(schedule);
  for (Step& step : schedule.steps) {
    if (step.kind != TSR_STEP_DISPATCH) continue;
    if (how == "shrink-binding") {
      for (Binding& binding : step.bindings)
        if (isLiteral(binding.length) && binding.length >= 8) {
          binding.length -= 4;
          return true;
        }
    } else if (how == "extra-workgroup" && isLiteral(step.workgroup_count[0]) && step.workgroup_count[0] > 1) {
      step.workgroup_count[0] += 1;
      return true;
    } else if (how == "inflate-constant" && !step.constants.empty()) {
      step.constants[0] = Ref{1} << 20;
      return true;
    }
  }
  return false;
}

int main(int argc, char** argv) {
  const bool erase = argc == 5 && std::string(argv[4]) == "--erase-signatures";
  if (argc != 4 && !erase)
    return fail("usage: tessera-forge-artifact IN OUT shrink-binding|extra-workgroup|swap-kernels|inflate-constant "
                "[--erase-signatures]");
  std::ifstream in(argv[1], std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  tsr_artifact_header header;
  std::vector<tsr_section_entry> entries;
  std::string error;
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (readContainer(data, bytes.size(), header, entries, error) != ContainerStatus::Ok) return fail(error);
  Metadata metadata;
  Schedule schedule;
  std::vector<std::string> sectionBytes; // kept alive: SectionBytes only views them
  std::vector<uint32_t> kinds;
  for (const tsr_section_entry& e : entries) {
    kinds.push_back(e.kind);
    sectionBytes.emplace_back(bytes.substr(e.offset, e.size));
    if (e.kind == TSR_SECTION_METADATA && !decodeMetadata(data + e.offset, e.size, metadata, error))
      return fail(error);
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (kinds[i] != TSR_SECTION_SCHEDULE) continue;
    if (!decodeSchedule(data + entries[i].offset, entries[i].size, metadata.symbols.size(), schedule, error))
      return fail(error);
    if (!forge(schedule, argv[3])) return fail(std::string("no dispatch to forge with ") + argv[3]);
    if (erase)
      for (Executable& executable : schedule.executables)
        for (Export& x : executable.exports) {
          std::fill(std::begin(x.workgroup_count), std::end(x.workgroup_count), 0u);
          x.binding_bytes.clear();
        }
    sectionBytes[i] = encodeSchedule(schedule);
  }
  ContainerInfo info;
  info.format_version = header.format_version;
  info.kernel_abi_version = header.kernel_abi_version;
  info.target_triple = std::string(header.target_triple, strnlen(header.target_triple, sizeof header.target_triple));
  info.target_cpu = std::string(header.target_cpu, strnlen(header.target_cpu, sizeof header.target_cpu));
  info.required_cpu_features = header.required_cpu_features;
  std::vector<SectionBytes> sections;
  for (size_t i = 0; i < kinds.size(); ++i) sections.push_back({kinds[i], sectionBytes[i]});
  std::ofstream out(argv[2], std::ios::binary);
  out << writeContainer(info, sections);
  return out ? 0 : fail(std::string("cannot write ") + argv[2]);
}
