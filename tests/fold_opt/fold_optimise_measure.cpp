// The figures of docs/fold_optimise.md. Disabled (they assert nothing and take a minute); run
//   tianyan_test_fold_opt --gtest_also_run_disabled_tests --gtest_filter='*DISABLED_*'
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "kernels/fold/fold_optimise.hpp"
#include "tests/fold_opt/fold_opt_util.hpp"

namespace tianyan {
namespace {

const FoldModel kTruth{3.7137, 2.0e-6, 120.0, 300.0};

template <typename V>
size_t argmax(const V& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Pull rms of the refined optimum and of the best grid point (map and DM curve), over M seeds
// of cubes folded at uniform random offsets within +-span steps of the truth.
void pulls(test::SynthCube spec, double span, int M) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> off(-span, span);
  const FoldConfig config;
  double r[3] = {}, g[3] = {}, ratio = 0;
  for (int k = 0; k < M; ++k) {
    spec.seed = 1000 + static_cast<uint64_t>(k);
    const FoldCube probe = test::make_cube(spec, kTruth, kTruth);
    FoldModel fold = kTruth;
    fold.freq_hz += off(rng) * test::freq_step(probe);
    fold.fdot_hz_s += off(rng) * test::fdot_step(probe);
    fold.dm += off(rng) * test::dm_step(probe);
    const FoldOptimum b = optimise_fold(test::make_cube(spec, kTruth, fold), config, 1);
    const double e[3] = {b.freq_err_hz, b.fdot_err_hz_s, b.dm_err};
    const double found[3] = {b.model.freq_hz, b.model.fdot_hz_s, b.model.dm};
    const size_t km = argmax(b.freq_fdot_snr), nf = b.freq_grid_hz.size();
    const double grid[3] = {b.freq_grid_hz[km % nf], b.fdot_grid_hz_s[km / nf],
                            b.dm_grid[argmax(b.dm_snr)]};  // ref_s is the middle here
    const double truth[3] = {kTruth.freq_hz, kTruth.fdot_hz_s, kTruth.dm};
    for (int q = 0; q < 3; ++q) {
      r[q] += std::pow((found[q] - truth[q]) / e[q], 2);
      g[q] += std::pow((grid[q] - truth[q]) / e[q], 2);
    }
    std::vector<float> p(probe.nbin, 0.0f);
    double var = 0;
    for (size_t c = 0; c < probe.nsubint * probe.nsubband; ++c) {
      for (size_t bb = 0; bb < probe.nbin; ++bb) p[bb] += probe.data[c * probe.nbin + bb];
      var += probe.bin_var[c];
    }
    ratio += b.snr / profile_stats(p.data(), probe.nbin, var).snr;
  }
  std::printf(
      "%zux%zux%zu sigma %.1f bins, S/N_mf %.0f, %d seeds: pull rms refined f %.2f fdot "
      "%.2f DM %.2f | grid f %.2f fdot %.2f DM %.2f | S/N / truth fold's %.3f\n",
      spec.nsubint, spec.nsubband, spec.nbin, spec.sigma_bins, spec.snr_mf, M, std::sqrt(r[0] / M),
      std::sqrt(r[1] / M), std::sqrt(r[2] / M), std::sqrt(g[0] / M), std::sqrt(g[1] / M),
      std::sqrt(g[2] / M), ratio / M);
}

TEST(FoldOptimiseMeasure, DISABLED_Pulls) {
  for (double snr : {15.0, 30.0, 100.0})
    pulls({.nsubint = 32, .nsubband = 32, .nbin = 64, .sigma_bins = 2.0, .snr_mf = snr}, 10, 60);
  pulls({.nsubint = 64, .nsubband = 64, .nbin = 128, .sigma_bins = 3.0, .snr_mf = 30}, 40, 30);
}

TEST(FoldOptimiseMeasure, DISABLED_Noise) {
  for (size_t n : {32u, 64u}) {
    double s = 0, s2 = 0, chi = 0;
    const int M = 30;
    for (int k = 0; k < M; ++k) {
      const test::SynthCube spec{.nsubint = n,
                                 .nsubband = n,
                                 .nbin = 2 * n,
                                 .snr_mf = 0,
                                 .seed = 5000 + static_cast<uint64_t>(k)};
      const FoldOptimum b = optimise_fold(test::make_cube(spec, kTruth, kTruth), FoldConfig{}, 1);
      s += b.snr, s2 += b.snr * b.snr, chi += b.redchi2;
    }
    std::printf("noise %zux%zux%zu, %d seeds: S/N %.2f +- %.2f, redchi2 %.3f\n", n, n, 2 * n, M,
                s / M, std::sqrt(s2 / M - s * s / M / M), chi / M);
  }
}

}  // namespace
}  // namespace tianyan
