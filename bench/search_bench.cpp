// The periodicity search of one series against the bare FFTW transform of the same series in
// the same run (issue 4, benchmark (a)): white noise of 2^19 (51.5 s at 98.304 us, padded) and
// 2^20 samples, the default search (baseline removal, FFT, whitening, half-bin powers,
// harmonic summing to 32, refinement of the few peaks), one thread. The ratio of the two
// times is the figure; the goal is at most 2.
//
//   build/bench/search_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/fft/real_fft.hpp"
#include "kernels/search/period_search.hpp"

namespace {
using namespace tianyan;

constexpr double kTsamp = 98.304e-6;

std::vector<float> noise(size_t n) {
  std::vector<float> v(n);
  std::mt19937_64 rng(7);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (float& x : v) x = g(rng);
  return v;
}

void BM_BareFft(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto plan = real_fft_plan(good_fft_size(n), FftEffort::Measure, 1);
  FftRealBuffer in = fft_alloc_real(plan->size());
  FftComplexBuffer out = fft_alloc_complex(plan->nbins());
  const std::vector<float> x = noise(n);
  std::copy(x.begin(), x.end(), in.get());
  for (auto _ : state) {
    plan->execute(in.get(), out.get());
    benchmark::DoNotOptimize(out.get());
  }
}

void BM_Search(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  SearchConfig cfg;
  auto searcher = make_period_searcher(Backend::Cpu, cfg, 1);
  const std::vector<float> x = noise(n);
  const std::vector<SeriesInput> batch = {{x.data(), n, kTsamp, 10.0, 0, {}}};
  searcher->search(batch);  // plans and workspaces
  for (auto _ : state) benchmark::DoNotOptimize(searcher->search(batch));
}

}  // namespace

BENCHMARK(BM_BareFft)->Arg(523879)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Search)->Arg(523879)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
