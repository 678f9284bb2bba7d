// Per-series cost of the periodicity search's spectral preparation against the bare real FFT
// it follows (kernels/fft/real_fft.hpp, kernels/search/spectrum.hpp): one thread, one series,
// as the pipeline runs them (series in parallel, one per thread). Lengths 2^19 and 2^20
// samples (52 and 103 s at 98.304 us), Gaussian noise; the FFT is planned with FFTW_MEASURE
// (wisdom is cached, see fft_wisdom_path()).
//
//   build/bench/fft_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <complex>
#include <random>
#include <vector>

#include "kernels/fft/real_fft.hpp"
#include "kernels/search/spectrum.hpp"

namespace {
using namespace tianyan;

FftRealBuffer noise(size_t n) {
  FftRealBuffer x = fft_alloc_real(n);
  std::mt19937_64 rng(1);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::generate(x.get(), x.get() + n, [&] { return g(rng); });
  return x;
}

// A normalised noise spectrum of n samples (what the search stages see).
FftComplexBuffer spectrum(size_t n) {
  auto plan = real_fft_plan(n);
  FftRealBuffer x = noise(n);
  FftComplexBuffer a = fft_alloc_complex(plan->nbins());
  plan->execute(x.get(), a.get());
  std::vector<float> scratch;
  normalise_spectrum(a.get(), plan->nbins(), RednoiseConfig{}, scratch);
  return a;
}

void per_series(benchmark::State& state, size_t n) {
  state.counters["series_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["n"] = static_cast<double>(n);
}

void BM_R2C(benchmark::State& state) {
  const size_t n = size_t{1} << state.range(0);
  auto plan = real_fft_plan(n);
  FftRealBuffer x = noise(n);
  FftComplexBuffer a = fft_alloc_complex(plan->nbins());
  for (auto _ : state) {
    plan->execute(x.get(), a.get());
    benchmark::DoNotOptimize(a.get());
    benchmark::ClobberMemory();
  }
  per_series(state, n);
}

void BM_RemoveBaseline(benchmark::State& state) {
  const size_t n = size_t{1} << state.range(0);
  FftRealBuffer x = noise(n);
  // 10 s at 98.304 us. Re-running on its own output costs the same (the work is fixed).
  for (auto _ : state) {
    remove_baseline(x.get(), n, 101725);
    benchmark::ClobberMemory();
  }
  per_series(state, n);
}

void BM_Normalise(benchmark::State& state) {
  const size_t n = size_t{1} << state.range(0);
  FftComplexBuffer a = spectrum(n);
  std::vector<float> scratch;
  // Re-normalising the normalised spectrum does the same work: block medians, interpolation.
  for (auto _ : state) {
    normalise_spectrum(a.get(), n / 2 + 1, RednoiseConfig{}, scratch);
    benchmark::ClobberMemory();
  }
  per_series(state, n);
}

void BM_HalfBinPowers(benchmark::State& state) {
  const size_t n = size_t{1} << state.range(0);
  FftComplexBuffer a = spectrum(n);
  std::vector<float> p(n + 1);  // 2 nbins - 1
  for (auto _ : state) {
    half_bin_powers(a.get(), n / 2 + 1, p.data());
    benchmark::DoNotOptimize(p.data());
    benchmark::ClobberMemory();
  }
  per_series(state, n);
}

BENCHMARK(BM_R2C)->Arg(19)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RemoveBaseline)->Arg(19)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Normalise)->Arg(19)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HalfBinPowers)->Arg(19)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
