// Harmonic summing to 32 harmonics against the bare FFT it follows. A series of 2^20 real
// samples gives 2^19 Fourier bins, hence 2^20 half-bin powers: the harmonic sum of 2^20 points
// is the like-for-like partner of the r2c FFT of 2^20 floats (FFTW, single precision,
// FFTW_MEASURE, one thread). 2^21 checks the scaling. Powers are exponential noise (mean 1);
// the thresholds are the search's defaults (3 sigma after the trials of docs/search.md: the
// fundamental bins searched / N), so peaks are rare, as in a real search. Both work on data in
// cache, as the pipeline's thread does right after computing the spectrum.
//   build/bench/harmonic_sum_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/search/harmonic_sum.hpp"
#include "kernels/search/harmonic_sum_detail.hpp"
#include "kernels/search/search_stats.hpp"

namespace {
using namespace tianyan;

std::vector<float> noise_powers(size_t n) {
  std::mt19937_64 rng(42);
  std::exponential_distribution<float> e(1.0f);
  std::vector<float> p(n);
  for (float& v : p) v = e(rng);
  return p;
}

std::vector<float> thresholds(size_t np) {
  std::vector<float> t;
  for (int n = 1; n <= 32; n *= 2) {
    const double trials = static_cast<double>(np) / 2 / n;
    t.push_back(static_cast<float>(power_for_sigma(3.0, n, trials)));
  }
  return t;
}

void run_harmonic_sum(benchmark::State& state, harmonic_detail::Kernel kernel) {
  const auto np = static_cast<size_t>(state.range(0));
  const std::vector<float> p = noise_powers(np);
  const std::vector<float> thr = thresholds(np);
  std::vector<float> acc;
  std::vector<HarmonicPeak> peaks;
  if (!harmonic_detail::kernel_available(kernel)) {
    state.SkipWithError("kernel not available on this CPU");
    return;
  }
  for (auto _ : state) {
    harmonic_detail::harmonic_sum_search_with(kernel, p.data(), np, 32, {1.0, 0}, thr, 100, acc,
                                              peaks);
    benchmark::DoNotOptimize(peaks.data());
    benchmark::ClobberMemory();
  }
  state.counters["points_per_s"] =
      benchmark::Counter(static_cast<double>(np) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["peaks"] = static_cast<double>(peaks.size());
}

void BM_HarmonicSum32(benchmark::State& s) { run_harmonic_sum(s, harmonic_detail::Kernel::Auto); }
void BM_HarmonicSum32Generic(benchmark::State& s) {
  run_harmonic_sum(s, harmonic_detail::Kernel::Generic);
}
void BM_HarmonicSum32Avx2(benchmark::State& s) {
  run_harmonic_sum(s, harmonic_detail::Kernel::Avx2);
}
void BM_HarmonicSum32Avx512(benchmark::State& s) {
  run_harmonic_sum(s, harmonic_detail::Kernel::Avx512);
}

void BM_FftwR2C(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  float* in = fftwf_alloc_real(static_cast<size_t>(n));
  fftwf_complex* out = fftwf_alloc_complex(static_cast<size_t>(n / 2 + 1));
  fftwf_plan plan = fftwf_plan_dft_r2c_1d(n, in, out, FFTW_MEASURE);
  // Filled after planning (FFTW_MEASURE scribbles on the arrays); r2c preserves its input.
  const std::vector<float> x = noise_powers(static_cast<size_t>(n));
  std::copy(x.begin(), x.end(), in);
  for (auto _ : state) {
    fftwf_execute(plan);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  fftwf_destroy_plan(plan);
  fftwf_free(out);
  fftwf_free(in);
}

BENCHMARK(BM_FftwR2C)->Arg(1 << 20)->Arg(1 << 21)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HarmonicSum32)
    ->Arg(1 << 20)
    ->Arg(1 << 21)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// The kernels one by one (Auto above is the widest available).
BENCHMARK(BM_HarmonicSum32Generic)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HarmonicSum32Avx2)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HarmonicSum32Avx512)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  const harmonic_detail::Kernel k = harmonic_detail::resolve_kernel(harmonic_detail::Kernel::Auto);
  std::printf("harmonic sum kernel (Auto): %s\n", k == harmonic_detail::Kernel::Avx512 ? "AVX-512"
                                                  : k == harmonic_detail::Kernel::Avx2 ? "AVX2"
                                                                                       : "generic");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
