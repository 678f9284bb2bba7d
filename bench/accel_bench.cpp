// Acceleration resampling against a plain memcpy of the same bytes: 2^20 float samples at
// 98.304 us (103 s), for accelerations from a typical trial (300 m/s^2: the shift reaches 12
// samples, a few dozen runs) to the largest the configuration allows (1e5 m/s^2: thousands of
// short runs). resample_accel runs once per acceleration trial per dedispersed series, so it
// should cost about what copying the series costs. Also the cost of one refine_peak call (the
// default ±1 bin, half_width 32) for 1 to 32 harmonics, which bounds the work per candidate.
//
//   build/bench/accel_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/accel/accel_plan.hpp"
#include "kernels/search/fourier_interp.hpp"

namespace {
using namespace tianyan;

constexpr size_t kN = size_t{1} << 20;
constexpr double kTsamp = 98.304e-6;

const std::vector<float>& series() {
  static const std::vector<float> x = [] {
    std::mt19937_64 rng(7);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> v(kN);
    for (float& f : v) f = g(rng);
    return v;
  }();
  return x;
}

void set_counters(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(kN * sizeof(float)));
}

void BM_Memcpy(benchmark::State& state) {
  const std::vector<float>& in = series();
  std::vector<float> out(kN);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), kN * sizeof(float));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state);
}

void BM_ResampleAccel(benchmark::State& state) {
  const std::vector<float>& in = series();
  std::vector<float> out(kN);
  const auto a = static_cast<double>(state.range(0));
  for (auto _ : state) {
    resample_accel(in.data(), out.data(), kN, kTsamp, a);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state);
}

// A pulse-like spectrum: a strong fundamental and harmonics on noise, from FFTW.
const std::vector<std::complex<float>>& spectrum() {
  static const std::vector<std::complex<float>> a = [] {
    std::vector<float> x = series();
    for (size_t t = 0; t < kN; ++t) {
      x[t] += static_cast<float>(0.05 * std::cos(2 * 3.141592653589793 * 0.0123 * double(t)));
    }
    std::vector<std::complex<float>> s(kN / 2 + 1);
    fftwf_plan p = fftwf_plan_dft_r2c_1d(static_cast<int>(kN), x.data(),
                                         reinterpret_cast<fftwf_complex*>(s.data()), FFTW_ESTIMATE);
    fftwf_execute(p);
    fftwf_destroy_plan(p);
    return s;
  }();
  return a;
}

void BM_RefinePeak(benchmark::State& state) {
  const auto& a = spectrum();
  const int nharm = static_cast<int>(state.range(0));
  const double r0 = 0.0123 * kN;
  for (auto _ : state) {
    RefinedPeak p = refine_peak(a.data(), a.size(), r0, nharm, 1.0);
    benchmark::DoNotOptimize(p);
  }
}

BENCHMARK(BM_Memcpy)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ResampleAccel)
    ->Arg(300)
    ->Arg(-300)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_RefinePeak)->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
