// GEMM and convolution throughput of compiled artifacts against the FP32 peak this CPU measures itself.
//
//   tessera-gemm-bench DIR [benchmark flags]     (bench/gemm_bench.sh makes DIR and runs this)
//
// Every DIR/*.tsr is loaded with the runtime and run on random inputs, one thread; its FLOP count comes from
// the file name (mm_M_K_N.tsr: 2*M*K*N; conv_C_F_H_K_S.tsr: 2*F*C*K*K*OH*OW). The peak benchmark runs 16
// independent FMA chains at the widest vector width the CPU has (AVX-512, else AVX2+FMA), more than the
// FMA latency times the FMA ports of current x86 cores, so it measures throughput, not latency. Rates are
// per CPU second (Google Benchmark's default), printed as GFLOP=<rate>/s. The clock benchmark runs a chain of
// dependent one-cycle integer adds and prints the core clock (GHz=<rate>/s): peak / clock is the FLOP per
// cycle the FMA units reached (64 on Zen 5: two 512-bit FMA pipes; 32 on Zen 4), so a peak that differs
// from another machine's by its clock alone is told apart from a loop that falls short.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tessera/runtime.h"

namespace {

constexpr int kChains = 16;

template <typename V>
__attribute__((always_inline)) inline void fmaChains(benchmark::State& state, int lanes) {
  V acc[kChains], x = V{} + 1.0001f, y = V{} + 0.9999f;
  for (int i = 0; i < kChains; ++i) acc[i] = V{} + float(i);
  const int64_t steps = 1 << 16;
  for (auto _ : state) {
    for (int64_t s = 0; s < steps; ++s)
      for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * x + y;
    benchmark::DoNotOptimize(acc);
  }
  state.counters["GFLOP"] =
      benchmark::Counter(2.0 * lanes * kChains * steps / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

typedef float v16f __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));

__attribute__((target("avx512f"))) void peakAvx512(benchmark::State& state) { fmaChains<v16f>(state, 16); }
__attribute__((target("avx2,fma"))) void peakAvx2(benchmark::State& state) { fmaChains<v8f>(state, 8); }

void peak(benchmark::State& state) {
  if (__builtin_cpu_supports("avx512f")) {
    state.SetLabel("avx512, 16 chains");
    peakAvx512(state);
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    state.SetLabel("avx2+fma, 16 chains");
    peakAvx2(state);
  } else {
    state.SkipWithError("no FMA vector unit");
  }
}

void coreClock(benchmark::State& state) {
#if defined(__x86_64__)
  const int64_t steps = 1 << 24;
  for (auto _ : state) {
    int64_t counter = 0;
    for (int64_t s = 0; s < steps; s += 8)
      asm volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                   "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                   : "+r"(counter));
    benchmark::DoNotOptimize(counter);
  }
  state.SetLabel("dependent adds, 1 per cycle");
  state.counters["GHz"] = benchmark::Counter(steps / 1e9, benchmark::Counter::kIsIterationInvariantRate);
#else
  state.SkipWithError("the clock loop is x86-64 assembly");
#endif
}

double flopsOf(const std::string& stem) {
  std::vector<double> n;
  size_t at = stem.find('_');
  while (at != std::string::npos) {
    n.push_back(std::atof(stem.c_str() + at + 1));
    at = stem.find('_', at + 1);
  }
  if (stem.rfind("mm_", 0) == 0 && n.size() == 3) return 2 * n[0] * n[1] * n[2];
  if (stem.rfind("conv_", 0) == 0 && n.size() == 5) {  // C F H K S, padding K/2
    double c = n[0], f = n[1], h = n[2], k = n[3], s = n[4];
    double o = std::floor((h + 2 * std::floor(k / 2) - k) / s) + 1;
    return 2 * f * c * k * k * o * o;
  }
  return 0;
}

void check(tsr_status* st) {
  if (!st) return;
  std::fprintf(stderr, "tessera-gemm-bench: %s\n", tsr_status_message(st));
  std::exit(2);
}

// One artifact, one thread, random inputs; the runtime API only.
void runArtifact(benchmark::State& state, const std::string& path, double flops) {
  tsr_model* model = nullptr;
  check(tsr_model_load_file(path.c_str(), nullptr, &model));
  tsr_session_options so;
  tsr_session_options_initialize(&so);
  so.thread_count = 1;
  tsr_session* session = nullptr;
  check(tsr_session_create(model, &so, &session));
  size_t ni = tsr_model_input_count(model), no = tsr_model_output_count(model);
  std::vector<std::vector<float>> data(ni);
  std::vector<std::vector<int64_t>> dims(ni);
  std::vector<tsr_tensor> in(ni);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (size_t i = 0; i < ni; ++i) {
    tsr_tensor_info info{};
    check(tsr_model_input_info(model, i, &info));
    dims[i].assign(info.dims, info.dims + info.rank);
    size_t count = 1;
    for (int64_t d : dims[i]) count *= static_cast<size_t>(d);
    data[i].resize(count);
    for (float& v : data[i]) v = dist(rng);
    in[i] = {TSR_DTYPE_FLOAT32, info.rank, dims[i].data(), data[i].data(), count * sizeof(float)};
  }
  std::vector<tsr_tensor> out(no);
  auto run = [&] {
    std::fill(out.begin(), out.end(), tsr_tensor{});
    check(tsr_session_run(session, in.data(), ni, out.data(), no));
  };
  run();  // warm-up
  for (auto _ : state) run();
  state.counters["GFLOP"] =
      benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  tsr_session_release(session);
  tsr_model_release(model);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: tessera-gemm-bench DIR [benchmark flags]   (DIR holds mm_*.tsr, conv_*.tsr)\n");
    return 2;
  }
  std::string dir = argv[1];
  benchmark::RegisterBenchmark("peak_fp32_fma", peak)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("core_clock", coreClock)->Unit(benchmark::kMillisecond);
  std::vector<std::filesystem::path> artifacts;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".tsr") artifacts.push_back(entry.path());
  std::sort(artifacts.begin(), artifacts.end());
  for (const auto& path : artifacts) {
    std::string stem = path.stem().string(), file = path.string();
    double flops = flopsOf(stem);
    if (flops <= 0) continue;
    benchmark::RegisterBenchmark(stem.c_str(), [file, flops](benchmark::State& s) { runArtifact(s, file, flops); })
        ->Unit(benchmark::kMillisecond);
  }
  argv[1] = argv[0];
  int rest = argc - 1;
  benchmark::Initialize(&rest, argv + 1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
