// RFI stage throughput: 1024 channels at 98.304 us (FAST-like), 4 blocks of 16384 samples of
// Gaussian noise with a few RFI channels and a broadband burst, default configuration, one
// process() call per gulp into a reused output buffer. Beside it, as the same-run baseline, a
// plain memcpy of the same gulp. GB/s are of float input bytes; `realtime` is seconds of data
// cleaned per wall-clock second.
//
//   build/bench/rfi_bench [--benchmark_repetitions=N]
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/rfi/rfi.hpp"

namespace {
using namespace tianyan;

constexpr size_t kNchan = 1024;
constexpr double kTsamp = 98.304e-6;
constexpr uint64_t kBlock = 16384;
constexpr uint64_t kGulp = 4 * kBlock;  // 6.44 s of data, 256 MiB of floats

ObservationInfo bench_info() {
  ObservationInfo info;
  info.tsamp_s = kTsamp;
  info.nbits = 32;
  // nsamples = 0: a stream of unknown length, so that the benchmark can keep feeding gulps.
  for (size_t c = 0; c < kNchan; ++c) info.freqs_mhz.push_back(1000.0 + 0.48828125 * c);
  info.flagged.assign(kNchan, 0);
  return info;
}

// One gulp of noise (mean 100, sigma 10, a smooth bandpass), with a steady and an on-off
// narrowband channel and a 10 ms broadband burst, so that every detection step has work.
const std::vector<float>& gulp_data() {
  static const std::vector<float> data = [] {
    std::vector<float> d(kGulp * kNchan);
    std::mt19937_64 rng(12345);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> gain(kNchan);
    for (size_t c = 0; c < kNchan; ++c) {
      gain[c] = 10.0f * (1.0f + 0.3f * std::sin(0.01f * static_cast<float>(c)));
    }
    for (uint64_t t = 0; t < kGulp; ++t) {
      const bool burst = t % kBlock >= 5000 && t % kBlock < 5100;
      for (size_t c = 0; c < kNchan; ++c) {
        float v = 100.0f + gain[c] * noise(rng);
        if (c == 300) v += 2.0f * gain[c];
        if (c == 700 && (t / 2000) % 2 == 0) v += 3.0f * gain[c];
        if (burst) v += 0.5f * gain[c];
        d[t * kNchan + c] = v;
      }
    }
    return d;
  }();
  return data;
}

void set_counters(benchmark::State& state) {
  const double bytes = static_cast<double>(kGulp * kNchan * sizeof(float));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["realtime"] = benchmark::Counter(static_cast<double>(kGulp) * kTsamp,
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

// The same-run baseline: copying the gulp once, what any stage reading and writing it costs.
void BM_Memcpy(benchmark::State& state) {
  const std::vector<float>& in = gulp_data();
  std::vector<float> out(in.size(), 0.0f);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), in.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  set_counters(state);
}

// Arg: threads. The cleaner is planned once; each iteration is the stream's next gulp (the
// same samples again), as a pipeline feeds it.
void BM_Rfi(benchmark::State& state) {
  const std::vector<float>& in = gulp_data();
  std::vector<float> out(in.size(), 0.0f);
  auto cleaner = make_rfi_cleaner_cpu(RfiConfig{}, bench_info(), static_cast<int>(state.range(0)));
  uint64_t start = 0;
  cleaner->process(in.data(), out.data(), start, kGulp, kGulp);  // untimed: first touch
  start += kGulp;
  for (auto _ : state) {
    cleaner->process(in.data(), out.data(), start, kGulp, kGulp);
    start += kGulp;
    benchmark::ClobberMemory();
  }
  set_counters(state);
}

BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Rfi)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
