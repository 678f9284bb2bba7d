// optimise_fold on synthetic cubes folded at known offsets from the truth.
#include "kernels/fold/fold_optimise.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/common/error.hpp"
#include "tests/fold_opt/fold_opt_util.hpp"

namespace tianyan {
namespace {

using test::SynthCube;

const FoldModel kTruth{3.7137, 2.0e-6, 120.0, 300.0};

// Profile S/N of the cube folded at the truth (the same noise), by a plain sum of its cells.
double truth_snr(const SynthCube& spec) {
  const FoldCube c = test::make_cube(spec, kTruth, kTruth);
  std::vector<float> p(c.nbin, 0.0f);
  double var = 0;
  for (size_t k = 0; k < c.nsubint * c.nsubband; ++k) {
    for (size_t b = 0; b < c.nbin; ++b) p[b] += c.data[k * c.nbin + b];
    var += c.bin_var[k];
  }
  return profile_stats(p.data(), c.nbin, var).snr;
}

// A folding model offset from the truth by (du, dv, dw) grid steps (frequency at ref_s).
FoldModel offset_model(const SynthCube& spec, double du, double dv, double dw) {
  FoldCube probe = test::make_cube({.nsubint = 2,
                                    .nsubband = spec.nsubband,
                                    .nbin = spec.nbin,
                                    .tobs_s = spec.tobs_s,
                                    .snr_mf = 0,
                                    .seed = 0},
                                   kTruth, kTruth);
  FoldModel m = kTruth;
  m.freq_hz += du * test::freq_step(probe);
  m.fdot_hz_s += dv * test::fdot_step(probe);
  m.dm += dw * test::dm_step(probe);
  return m;
}

struct Pulls {
  double f, fdot, dm;
};

Pulls pulls(const FoldOptimum& best) {
  return {(best.model.freq_hz - kTruth.freq_hz) / best.freq_err_hz,
          (best.model.fdot_hz_s - kTruth.fdot_hz_s) / best.fdot_err_hz_s,
          (best.model.dm - kTruth.dm) / best.dm_err};
}

TEST(FoldOptimise, RecoversOffsetsAndSnr) {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> off(-40.0, 40.0);
  const FoldConfig config;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    SynthCube spec{.snr_mf = 50};
    spec.seed = seed;
    const FoldModel fold = offset_model(spec, off(rng), off(rng), off(rng));
    const FoldCube cube = test::make_cube(spec, kTruth, fold);
    const FoldOptimum best = optimise_fold(cube, config, 2);
    const double fs = test::freq_step(cube), ds = test::fdot_step(cube), ms = test::dm_step(cube);
    EXPECT_LT(std::fabs(best.model.freq_hz - kTruth.freq_hz), std::max(fs, 3 * best.freq_err_hz))
        << seed;
    EXPECT_LT(std::fabs(best.model.fdot_hz_s - kTruth.fdot_hz_s),
              std::max(ds, 3 * best.fdot_err_hz_s))
        << seed;
    EXPECT_LT(std::fabs(best.model.dm - kTruth.dm), std::max(ms, 3 * best.dm_err)) << seed;
    EXPECT_EQ(best.model.ref_s, cube.model.ref_s);
    // The boxcar S/N of two nearby profiles differs by about 1 in noise: 2% here.
    const double ratio = best.snr / truth_snr(spec);
    EXPECT_NEAR(ratio, 1.0, 0.05) << seed;
    std::printf("seed %d S/N %.2f, %.4f of the truth fold's\n", static_cast<int>(seed), best.snr,
                ratio);
    EXPECT_EQ(best.profile.size(), cube.nbin);
    EXPECT_EQ(best.time_phase.size(), cube.nsubint * cube.nbin);
    EXPECT_EQ(best.freq_phase.size(), cube.nsubband * cube.nbin);
  }
}

TEST(FoldOptimise, ErrorsAreCalibrated) {
  // Over 30 seeds the pulls (found - truth) / error should have an rms near 1.
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> off(-10.0, 10.0);
  const FoldConfig config{.p_span_turns = 0.25, .pdot_span_turns = 0.25, .dm_span_turns = 0.5};
  const int M = 30;
  double sf = 0, sd = 0, sm = 0;
  for (int s = 0; s < M; ++s) {
    SynthCube spec{.nsubint = 32, .nsubband = 32, .nbin = 64, .sigma_bins = 2.0, .snr_mf = 25};
    spec.seed = 1000 + static_cast<uint64_t>(s);
    const FoldCube cube =
        test::make_cube(spec, kTruth, offset_model(spec, off(rng), off(rng), off(rng)));
    const Pulls p = pulls(optimise_fold(cube, config, 2));
    sf += p.f * p.f, sd += p.fdot * p.fdot, sm += p.dm * p.dm;
  }
  for (double rms : {std::sqrt(sf / M), std::sqrt(sd / M), std::sqrt(sm / M)}) {
    EXPECT_GT(rms, 0.5);
    EXPECT_LT(rms, 2.0);
  }
  RecordProperty("pull_rms_f", std::to_string(std::sqrt(sf / M)));
  RecordProperty("pull_rms_fdot", std::to_string(std::sqrt(sd / M)));
  RecordProperty("pull_rms_dm", std::to_string(std::sqrt(sm / M)));
}

TEST(FoldOptimise, GridsPeakAtTheTruth) {
  SynthCube spec{.snr_mf = 60, .seed = 5};
  const FoldCube cube = test::make_cube(spec, kTruth, offset_model(spec, 17.3, -23.6, 31.2));
  const FoldOptimum best = optimise_fold(cube, FoldConfig{}, 2);
  ASSERT_EQ(best.freq_fdot_snr.size(), best.freq_grid_hz.size() * best.fdot_grid_hz_s.size());
  const size_t k =
      static_cast<size_t>(std::max_element(best.freq_fdot_snr.begin(), best.freq_fdot_snr.end()) -
                          best.freq_fdot_snr.begin());
  const size_t nf = best.freq_grid_hz.size();
  // The map's frequency axis is at the cube's middle epoch (here ref_s itself).
  EXPECT_NEAR(best.freq_grid_hz[k % nf], kTruth.freq_hz, 1.5 * test::freq_step(cube));
  EXPECT_NEAR(best.fdot_grid_hz_s[k / nf], kTruth.fdot_hz_s, 1.5 * test::fdot_step(cube));
  ASSERT_EQ(best.dm_grid.size(), best.dm_snr.size());
  const size_t d = static_cast<size_t>(std::max_element(best.dm_snr.begin(), best.dm_snr.end()) -
                                       best.dm_snr.begin());
  EXPECT_NEAR(best.dm_grid[d], kTruth.dm, 1.5 * test::dm_step(cube));
  // Grids are absolute and centred on the folding model.
  EXPECT_NEAR(best.freq_grid_hz[nf / 2], cube.model.freq_hz, 1e-12);
  EXPECT_NEAR(best.fdot_grid_hz_s[best.fdot_grid_hz_s.size() / 2], cube.model.fdot_hz_s, 1e-15);
  EXPECT_EQ(nf, 2 * cube.nbin + 1);
}

TEST(FoldOptimise, ReferenceEpochAtTheStart) {
  // The model's frequency is at ref_s even when that is not the middle of the cube.
  FoldModel truth = kTruth;
  truth.ref_s = 0;
  truth.freq_hz = kTruth.freq_hz - kTruth.fdot_hz_s * kTruth.ref_s;  // the same pulsar
  SynthCube spec{.snr_mf = 40, .seed = 8};
  FoldModel fold = offset_model(spec, 6.4, 9.7, -12.1);
  fold.freq_hz -= fold.fdot_hz_s * fold.ref_s;
  fold.ref_s = 0;
  const FoldOptimum best = optimise_fold(test::make_cube(spec, truth, fold), FoldConfig{}, 1);
  EXPECT_EQ(best.model.ref_s, 0.0);
  EXPECT_LT(std::fabs(best.model.freq_hz - truth.freq_hz), 3 * best.freq_err_hz);
  EXPECT_LT(std::fabs(best.model.fdot_hz_s - truth.fdot_hz_s), 3 * best.fdot_err_hz_s);
  EXPECT_LT(std::fabs(best.model.dm - truth.dm), 3 * best.dm_err);
}

TEST(FoldOptimise, MaskedCellsAndOddBinCount) {
  // Masked cells hold 0 with bin_var 0 (docs/rfi.md); an odd nbin has no Nyquist harmonic.
  SynthCube spec{.nsubint = 24, .nsubband = 20, .nbin = 45, .snr_mf = 40, .seed = 12};
  const FoldModel truth_fold = offset_model(spec, -7.7, 5.2, 9.9);
  FoldCube cube = test::make_cube(spec, kTruth, truth_fold);
  for (size_t i = 0; i < cube.nsubint; ++i)
    for (size_t j = 0; j < cube.nsubband; ++j)
      if (i == 5 || j % 7 == 3) {
        std::fill_n(cube.profile(i, j), cube.nbin, 0.0f);
        cube.bin_var[i * cube.nsubband + j] = 0.0f;
      }
  const FoldOptimum best = optimise_fold(cube, FoldConfig{}, 2);
  EXPECT_LT(std::fabs(best.model.freq_hz - kTruth.freq_hz),
            std::max(test::freq_step(cube), 3 * best.freq_err_hz));
  EXPECT_LT(std::fabs(best.model.fdot_hz_s - kTruth.fdot_hz_s),
            std::max(test::fdot_step(cube), 3 * best.fdot_err_hz_s));
  EXPECT_LT(std::fabs(best.model.dm - kTruth.dm), std::max(test::dm_step(cube), 3 * best.dm_err));
  // A masked sub-integration's row of the phase-time plane is empty.
  for (size_t b = 0; b < cube.nbin; ++b)
    EXPECT_NEAR(best.time_phase[5 * cube.nbin + b], 0.0f, 1e-4);
  EXPECT_GT(best.snr, 20.0);
}

TEST(FoldOptimise, ThreadCountDoesNotChangeTheResult) {
  SynthCube spec{.nsubint = 16, .nsubband = 16, .nbin = 64, .snr_mf = 20, .seed = 3};
  const FoldCube cube = test::make_cube(spec, kTruth, offset_model(spec, 3.3, -4.2, 5.1));
  const FoldOptimum a = optimise_fold(cube, FoldConfig{}, 1),
                    b = optimise_fold(cube, FoldConfig{}, 3);
  EXPECT_EQ(a.model.freq_hz, b.model.freq_hz);
  EXPECT_EQ(a.model.dm, b.model.dm);
  EXPECT_EQ(a.freq_fdot_snr, b.freq_fdot_snr);
  EXPECT_EQ(a.profile, b.profile);
}

TEST(FoldOptimise, NoiseOnlyCube) {
  const int M = 10;
  double chi = 0;
  for (int s = 0; s < M; ++s) {
    SynthCube spec{.nsubint = 32, .nsubband = 32, .nbin = 64, .snr_mf = 0};
    spec.seed = 500 + static_cast<uint64_t>(s);
    const FoldOptimum best = optimise_fold(test::make_cube(spec, kTruth, kTruth), FoldConfig{}, 2);
    EXPECT_TRUE(std::isfinite(best.snr));
    EXPECT_GT(best.snr, 1.0);
    EXPECT_LT(best.snr, 9.0);
    EXPECT_TRUE(std::isfinite(best.freq_err_hz) && std::isfinite(best.dm_err));
    chi += best.redchi2;
  }
  // The optimiser picks the largest of many noise profiles, so slightly above 1.
  EXPECT_GT(chi / M, 0.9);
  EXPECT_LT(chi / M, 1.6);
}

TEST(FoldOptimise, DegenerateCubesMeasureWhatTheyCan) {
  // One subband: DM cannot be measured; two sub-integrations: fdot cannot.
  SynthCube spec{.nsubint = 2, .nsubband = 1, .nbin = 32, .snr_mf = 20, .seed = 4};
  const FoldOptimum best = optimise_fold(test::make_cube(spec, kTruth, kTruth), FoldConfig{}, 1);
  EXPECT_EQ(best.dm_err, 0.0);
  EXPECT_EQ(best.fdot_err_hz_s, 0.0);
  EXPECT_GT(best.freq_err_hz, 0.0);
  EXPECT_EQ(best.model.dm, kTruth.dm);
  EXPECT_EQ(best.dm_grid.size(), 1u);
  EXPECT_EQ(best.fdot_grid_hz_s.size(), 1u);
}

TEST(FoldOptimise, BadCubesThrowBadInput) {
  SynthCube spec{.nsubint = 4, .nsubband = 4, .nbin = 16, .snr_mf = 10};
  const FoldCube good = test::make_cube(spec, kTruth, kTruth);
  std::vector<FoldCube> bad(7, good);
  bad[0].data.pop_back();
  bad[1].bin_var.pop_back();
  bad[2].freqs_mhz.pop_back();
  bad[3].subint_mid_s.pop_back();
  std::fill(bad[4].bin_var.begin(), bad[4].bin_var.end(), 0.0f);
  bad[5] = test::make_cube({.nsubint = 4, .nsubband = 4, .nbin = 3, .snr_mf = 10}, kTruth, kTruth);
  bad[6] = FoldCube{};
  for (size_t k = 0; k < bad.size(); ++k) {
    try {
      optimise_fold(bad[k], FoldConfig{}, 1);
      ADD_FAILURE() << "case " << k << " did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadInput) << k;
      EXPECT_NE(std::string(e.what()).find("fold cube:"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(optimise_fold(good, FoldConfig{}, 1));
}

}  // namespace
}  // namespace tianyan
