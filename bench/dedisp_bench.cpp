// Dedispersion throughput: the subband (fast) path against brute force on the same DM plan
// (1024 channels, 1000-1500 MHz, 98.304 us, DM 0-150, planned as docs/dedispersion.md) and the
// same data. The fast path runs on a 10 s segment; brute force, ~10x slower, runs on the first
// 1 s of it (the fast path is timed on that 1 s too, so the speed-up is like for like).
// Figures: wall time per segment and the real-time factor (seconds of data per second).
//
//   build/bench/dedisp_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/dedisp/dm_plan.hpp"

namespace {
using namespace tianyan;

constexpr double kTsamp = 98.304e-6;
constexpr uint64_t kLong = 101724;  // 10.0 s, a multiple of the plan's largest downsample
constexpr uint64_t kShort = 10172;  // 1.0 s

const DmPlan& plan() {
  static const DmPlan p = [] {
    DmPlanConfig cfg;
    cfg.dm_hi = 150;
    return make_dm_plan(BandGeometry::from_edges(1000, 1500, 1024, kTsamp), cfg);
  }();
  return p;
}

// Values do not change the work; a cheap xorshift fills ~430 MB quickly.
const std::vector<float>& data(uint64_t nsamp) {
  static std::vector<float> v;
  if (v.size() < nsamp * 1024) {
    v.resize(nsamp * 1024);
    uint32_t x = 2463534242u;
    for (float& f : v) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      f = static_cast<float>(x >> 8) * (1.0f / 16777216.0f) - 0.5f;
    }
  }
  return v;
}

void run(benchmark::State& state, DedispAlgorithm algo, uint64_t nfresh) {
  const int threads = static_cast<int>(state.range(0));
  const DedispSetup setup =
      make_dedisp_setup(plan(), plan().band.freqs_mhz(), nfresh, threads, algo);
  std::unique_ptr<Dedisperser> d = make_dedisperser(Backend::Cpu, setup);
  const std::vector<float>& in = data(kLong + d->overlap());
  std::vector<float> out(d->output_size());
  for (auto _ : state) {
    d->execute(in.data(), nfresh + d->overlap(), nfresh, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double seconds = static_cast<double>(nfresh) * kTsamp;
  state.counters["realtime_x"] = benchmark::Counter(
      seconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["trials"] = static_cast<double>(d->num_trials());
  state.counters["workspace_MB"] = static_cast<double>(d->workspace_bytes()) / 1e6;
}

void BM_Subband10s(benchmark::State& s) { run(s, DedispAlgorithm::Subband, kLong); }
void BM_Subband1s(benchmark::State& s) { run(s, DedispAlgorithm::Subband, kShort); }
void BM_BruteForce1s(benchmark::State& s) { run(s, DedispAlgorithm::BruteForce, kShort); }

BENCHMARK(BM_Subband10s)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(BM_Subband1s)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_BruteForce1s)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

}  // namespace

int main(int argc, char** argv) {
  std::fputs(format_dm_plan(plan()).c_str(), stdout);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
