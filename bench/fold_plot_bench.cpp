// The cost of judging one candidate once it is folded (docs/fold_optimise.md, docs/plots.md):
// optimising a 64 x 64 x 128 cube with the default grids, and drawing its sheet (PNG 1600 x
// 1200, PDF) and thumbnail. Baseline in the same run: one pass summing the cube into a profile
// (what any use of the cube costs at least). A search folds and plots dozens of candidates, so
// each should take well under a second.
//
//   build/bench/fold_plot_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/plot/plot.hpp"
#include "kernels/fold/fold_optimise.hpp"
#include "tests/fold_opt/fold_opt_util.hpp"

namespace {
using namespace tianyan;

const FoldModel kTruth{3.7137, 2.0e-6, 120.0, 300.0};

FoldCube cube() {
  FoldModel fold = kTruth;
  fold.freq_hz += 3e-5;
  fold.dm += 1.5;
  return test::make_cube({.nsubint = 64, .nsubband = 64, .nbin = 128, .snr_mf = 30}, kTruth,
                         fold);
}

void BM_CubeSum(benchmark::State& state) {
  const FoldCube c = cube();
  std::vector<float> profile(c.nbin);
  for (auto _ : state) {
    std::fill(profile.begin(), profile.end(), 0.0f);
    for (size_t cell = 0; cell < c.nsubint * c.nsubband; ++cell) {
      const float* p = c.data.data() + cell * c.nbin;
      for (size_t b = 0; b < c.nbin; ++b) profile[b] += p[b];
    }
    benchmark::DoNotOptimize(profile.data());
  }
}

void BM_OptimiseFold(benchmark::State& state) {
  const FoldCube c = cube();
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(optimise_fold(c, FoldConfig{}, threads));
}

FoldedCandidate candidate() {
  FoldedCandidate fc;
  fc.cube = cube();
  fc.best = optimise_fold(fc.cube, FoldConfig{}, 1);
  fc.meta.source = "BENCH";
  fc.meta.telescope = "FAST";
  fc.meta.start_mjd = 60000;
  fc.meta.rank = 1;
  return fc;
}

void plot_bench(benchmark::State& state, const std::string& format, bool thumbnail) {
  const FoldedCandidate fc = candidate();
  const std::string dir = (std::filesystem::temp_directory_path() / "tianyan-plot-bench").string();
  std::filesystem::create_directories(dir);
  PlotOptions options = thumbnail ? thumbnail_options() : PlotOptions{};
  options.format = format;
  const std::string path = dir + "/sheet." + format;
  // The first page of a process loads fonts and the driver: not what a search pays per page.
  plot_candidate_sheet(path, fc, options);
  for (auto _ : state) {
    if (thumbnail) {
      plot_thumbnail(path, fc, options);
    } else {
      plot_candidate_sheet(path, fc, options);
    }
  }
  std::filesystem::remove_all(dir);
}

void BM_SheetPng(benchmark::State& state) { plot_bench(state, "png", false); }
void BM_SheetPdf(benchmark::State& state) { plot_bench(state, "pdf", false); }
void BM_ThumbnailPng(benchmark::State& state) { plot_bench(state, "png", true); }

}  // namespace

BENCHMARK(BM_CubeSum)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OptimiseFold)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SheetPng)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SheetPdf)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ThumbnailPng)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
