// The folding engine (kernels/fold/fold_cpu.hpp) against the per-channel brute-force fold of
// fold_reference.hpp, on Gaussian noise with random fractional periods, fdots and epochs
// (fixed seeds), and its invariances (gulp sizes, threads).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "kernels/fold/fold_group.hpp"
#include "tests/fold/fold_reference.hpp"

namespace tianyan::test {
namespace {

constexpr double kTsamp = 1e-3;
constexpr double kDm = 100.0;

// Random models: frequency 2-40 Hz with a random fraction, fdot up to +-2e-3 Hz/s, epoch
// anywhere in the observation.
std::vector<FoldSpec> random_specs(size_t count, double dm, double tobs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const size_t nbins[] = {16, 32, 64, 128};
  std::vector<FoldSpec> specs;
  for (size_t i = 0; i < count; ++i) {
    FoldSpec s;
    s.model = {2.0 + 38.0 * u(rng), (u(rng) - 0.5) * 4e-3, dm, tobs * u(rng)};
    s.nbin = nbins[i % 4];
    s.nsubint = 5 + i % 7;
    specs.push_back(s);
  }
  return specs;
}

struct Diff {
  double max_data = 0, max_var_rel = 0;
  size_t bins_off = 0;  // bins differing by more than the tolerance
};

Diff compare(const FoldCube& a, const FoldCube& b, double tol) {
  EXPECT_EQ(a.data.size(), b.data.size());
  EXPECT_EQ(a.bin_var.size(), b.bin_var.size());
  Diff d;
  for (size_t i = 0; i < std::min(a.data.size(), b.data.size()); ++i) {
    const double e = std::abs(static_cast<double>(a.data[i]) - b.data[i]);
    d.max_data = std::max(d.max_data, e);
    if (e > tol) ++d.bins_off;
  }
  for (size_t i = 0; i < std::min(a.bin_var.size(), b.bin_var.size()); ++i) {
    const double scale = std::max(1e-6, static_cast<double>(b.bin_var[i]));
    d.max_var_rel = std::max(d.max_var_rel, std::abs(a.bin_var[i] - b.bin_var[i]) / scale);
  }
  return d;
}

TEST(FoldEngine, MatchesBruteForceWhenDelaysAreWholeSamples) {
  // 32 channels in 8 subbands, delays of 3 samples per channel at DM 100: subbanding at the
  // request's DM is exact, so the cubes must agree to float rounding. Two channels are zero
  // (masked) and skipped; gulps of 777 samples cut the subbands' look-ahead.
  SyntheticBeam b = noise_beam(integer_delay_freqs(32, kDm, kTsamp, 1500.0, 3), kTsamp, 20000, 11);
  std::vector<uint8_t> zero(32, 0);
  for (size_t c : {5, 18}) {
    zero[c] = 1;
    for (uint64_t i = 0; i < b.n; ++i) b.data[i * 32 + c] = 0.0f;
  }
  const auto specs = random_specs(6, kDm, 20.0, 12);
  size_t groups = 0;
  const auto cubes = engine_fold(b, 8, specs, 2, 777, zero, &groups);
  EXPECT_EQ(groups, 1u);  // one DM
  for (size_t r = 0; r < specs.size(); ++r) {
    const Diff d = compare(cubes[r], reference_fold(b, 8, specs[r], zero), 1e-3);
    std::printf("request %zu: f %.6f Hz, nbin %zu: max |diff| %.2e, var rel %.2e, %zu bins off\n",
                r, specs[r].model.freq_hz, specs[r].nbin, d.max_data, d.max_var_rel, d.bins_off);
    // A sample within ~1e-13 turns of a bin edge may land on either side (double rounding of
    // two equivalent time expressions): at most a couple of bins in 10^4.
    EXPECT_LE(d.bins_off, 2u);
    EXPECT_LT(d.max_var_rel, 1e-4);
  }
}

TEST(FoldEngine, OneChannelSubbandsMatchBruteForceAtAnyDm) {
  // With one channel per subband, each subband is folded at its channel's exact delay, so any
  // DMs (here spread over 0-300, fractional) must match the brute-force fold.
  std::vector<double> freqs;
  for (int c = 0; c < 16; ++c) freqs.push_back(1000.0 + 31.25 * c);
  const SyntheticBeam b = noise_beam(freqs, kTsamp, 15000, 21);
  auto specs = random_specs(5, 0.0, 15.0, 22);
  std::mt19937_64 rng(23);
  for (FoldSpec& s : specs) s.model.dm = 300.0 * std::uniform_real_distribution<double>(0, 1)(rng);
  const auto cubes = engine_fold(b, 16, specs, 3, 4096);
  for (size_t r = 0; r < specs.size(); ++r) {
    const Diff d = compare(cubes[r], reference_fold(b, 16, specs[r]), 1e-3);
    EXPECT_LE(d.bins_off, 2u) << "request " << r << " DM " << specs[r].model.dm;
    EXPECT_LT(d.max_var_rel, 1e-4);
  }
}

TEST(FoldEngine, SharedGroupIsWithinItsSmearingBound) {
  // Two requests at DM 100 (1 -+ 1e-3) and the same period share one subbanding at DM 100,
  // the middle of their tolerances, where delays are whole samples. Inside a subband a
  // member's channels are then misaligned by up to 1e-3 x 9 samples (9 us), while each
  // subband as a whole is placed at the member's own DM. Samples within 9 us of a bin edge
  // (a fraction 9e-6 s x f x nbin <= 6e-3 of them here) may move to the neighbouring bin, so
  // the cubes differ by rms <= sqrt(2 x 6e-3) = 0.11 of a bin's noise sd. Placing the whole
  // subband at the group's DM instead (errors up to 0.08 sample, the top subband's delay
  // times 1e-3) would move several times more.
  const SyntheticBeam b =
      noise_beam(integer_delay_freqs(32, kDm, kTsamp, 1500.0, 3), kTsamp, 20000, 31);
  std::vector<FoldSpec> specs = random_specs(2, 0.0, 20.0, 32);
  specs[1].model.freq_hz = specs[0].model.freq_hz;
  specs[1].nbin = specs[0].nbin;
  specs[0].model.dm = kDm * (1 - 1e-3);
  specs[1].model.dm = kDm * (1 + 1e-3);
  size_t groups = 0;
  const auto cubes = engine_fold(b, 8, specs, 2, 5000, {}, &groups);
  EXPECT_EQ(groups, 1u);
  for (size_t r = 0; r < 2; ++r) {
    const FoldCube ref = reference_fold(b, 8, specs[r]);
    double ss = 0, var = 0;
    for (size_t i = 0; i < ref.data.size(); ++i) {
      ss += std::pow(cubes[r].data[i] - ref.data[i], 2.0);
      var += ref.bin_var[i / ref.nbin];
    }
    const double ratio = std::sqrt(ss / var);
    std::printf("request %zu: f %.4f Hz, nbin %zu: rms difference %.3f of the bin noise\n", r,
                specs[r].model.freq_hz, specs[r].nbin, ratio);
    EXPECT_LT(ratio, 0.12);
    for (size_t cell = 0; cell < ref.bin_var.size(); ++cell) {
      double sa = 0, sb = 0;
      for (size_t i = 0; i < ref.nbin; ++i) {
        sa += cubes[r].data[cell * ref.nbin + i];
        sb += ref.data[cell * ref.nbin + i];
      }
      // Moves between bins keep a cell's total; a sub-integration edge moves by < 0.01
      // sample, so at most one subband sample (sd 2) crosses it.
      EXPECT_NEAR(sa, sb, 10.0) << "cell " << cell;
    }
  }
  // Far apart in DM with short periods: separate subbandings.
  specs[0].model.dm = 10.0;
  specs[0].model.freq_hz = specs[1].model.freq_hz = 100.0;
  engine_fold(b, 8, specs, 1, 20000, {}, &groups);
  EXPECT_EQ(groups, 2u);
}

TEST(FoldEngine, IndependentOfGulpSizeAndThreads) {
  const SyntheticBeam b =
      noise_beam(integer_delay_freqs(32, 40.0, kTsamp, 1400.0, 2), kTsamp, 12000, 41);
  auto specs = random_specs(4, 40.0, 12.0, 42);
  specs[2].model.dm = 45.0;  // a second group
  specs[2].model.freq_hz = 80.0;
  const auto one = engine_fold(b, 8, specs, 1, b.n);
  for (const auto& [threads, gulp] :
       std::vector<std::pair<int, uint64_t>>{{1, 1}, {3, 97}, {2, 4099}}) {
    const auto other = engine_fold(b, 8, specs, threads, gulp);
    for (size_t r = 0; r < specs.size(); ++r) {
      EXPECT_EQ(other[r].data, one[r].data) << threads << " threads, gulp " << gulp;
      EXPECT_EQ(other[r].bin_var, one[r].bin_var) << threads << " threads, gulp " << gulp;
    }
  }
}

TEST(FoldEngine, NoiseCubeHasUnitReducedChiSquare) {
  // Each (subint, subband) profile of white noise: sum_b (p_b - mean)^2 / bin_var is
  // chi-square with nbin - 1 degrees of freedom. Over 6 x 8 cells x 63 dof the mean reduced
  // chi-square has sd sqrt(2 / (48 x 63)) = 0.026; 5 sd: 0.13.
  const SyntheticBeam b =
      noise_beam(integer_delay_freqs(32, 60.0, kTsamp, 1500.0, 2), kTsamp, 30000, 51);
  FoldSpec spec;
  spec.model = {7.123456, 0.0, 60.0, 15.0};
  spec.nbin = 64;
  spec.nsubint = 6;
  const FoldCube c = engine_fold(b, 8, {spec}, 2, 3000).front();
  double chi2 = 0;
  for (size_t cell = 0; cell < c.bin_var.size(); ++cell) {
    const float* p = c.data.data() + cell * c.nbin;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < c.nbin; ++i) mean += p[i] / static_cast<double>(c.nbin);
    for (size_t i = 0; i < c.nbin; ++i) ss += (p[i] - mean) * (p[i] - mean);
    ASSERT_GT(c.bin_var[cell], 0.0f);
    chi2 += ss / c.bin_var[cell] / static_cast<double>(c.nbin - 1);
  }
  chi2 /= static_cast<double>(c.bin_var.size());
  std::printf("mean reduced chi-square of %zu noise cells: %.4f\n", c.bin_var.size(), chi2);
  EXPECT_NEAR(chi2, 1.0, 0.13);
  // The cube's geometry.
  EXPECT_EQ(c.freqs_mhz.size(), 8u);
  EXPECT_DOUBLE_EQ(c.ref_freq_mhz, b.freqs.back());
  EXPECT_NEAR(c.subint_mid_s[0], 2.5, 1e-9);
  EXPECT_NEAR(c.tobs_s, 30.0, 1e-9);
}

TEST(FoldGroups, StabbingIsMinimalAndEveryMemberWithinTolerance) {
  const std::vector<double> dm = {0, 0.5, 3, 3.2, 10, 50, 52, 200};
  const std::vector<double> tol = {1, 1, 0.1, 0.3, 100, 1, 1, 0.01};
  const auto groups = group_by_dm(dm, tol);
  // {0, 0.5, 10} (10 +- 100 reaches down to 1), {3, 3.2}, {50, 52} (meeting at 51), {200}.
  ASSERT_EQ(groups.size(), 4u);
  size_t members = 0;
  for (const FoldGroup& g : groups) {
    for (size_t m : g.members) {
      EXPECT_LE(std::abs(g.dm - dm[m]), tol[m] + 1e-12) << "member " << m;
      ++members;
    }
  }
  EXPECT_EQ(members, dm.size());
  EXPECT_EQ(groups.back().members, std::vector<size_t>{7});
  EXPECT_EQ(groups.back().dm, 200.0);  // a group of one: exactly its DM
}

TEST(FoldGroups, SubbandCountDividesTheChannels) {
  EXPECT_EQ(fold_subband_count(4096, 64), 64u);
  EXPECT_EQ(fold_subband_count(100, 64), 50u);
  EXPECT_EQ(fold_subband_count(7, 64), 7u);
  EXPECT_EQ(fold_subband_count(13, 4), 1u);
  // The widest sweep per unit DM is the lowest subband's.
  const std::vector<double> f = {1000, 1100, 1200, 1300};
  EXPECT_DOUBLE_EQ(subband_sweep_s_per_dm(f, 2), dispersion_delay_s(1.0, 1000, 1100));
  EXPECT_DOUBLE_EQ(subband_sweep_s_per_dm(f, 4), 0.0);
}

}  // namespace
}  // namespace tianyan::test
