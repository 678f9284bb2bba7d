// profile_stats against a brute-force evaluation and analytic values.
#include "kernels/fold/profile_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/common/error.hpp"
#include "tests/fold_opt/fold_opt_util.hpp"

namespace tianyan {
namespace {

// The definition, evaluated the slow obvious way: every window, its off-window mean directly.
ProfileStats brute_force(const std::vector<float>& p, double bin_var) {
  const size_t n = p.size();
  ProfileStats best;
  best.snr = -1e300;
  for (size_t w = 1; w <= n / 2; ++w)
    for (size_t b = 0; b < n; ++b) {
      double on = 0, off = 0;
      for (size_t k = 0; k < n; ++k) {
        const bool in = (k + n - b) % n < w;
        (in ? on : off) += p[k];
      }
      const double m = off / static_cast<double>(n - w);
      const double snr =
          (on - static_cast<double>(w) * m) / std::sqrt(static_cast<double>(w) * bin_var);
      if (snr > best.snr + 1e-9)
        best.snr = snr, best.width_bins = static_cast<double>(w), best.peak_bin = b, best.mean = m;
    }
  double mean = 0, chi = 0;
  for (float v : p) mean += v;
  mean /= static_cast<double>(n);
  for (float v : p) chi += (v - mean) * (v - mean);
  best.redchi2 = chi / bin_var / static_cast<double>(n - 1);
  return best;
}

TEST(ProfileStats, MatchesBruteForce) {
  std::mt19937_64 rng(7);
  for (size_t n : {4u, 7u, 16u, 33u, 64u}) {
    for (int trial = 0; trial < 5; ++trial) {
      std::normal_distribution<double> g(3.0, 2.0);
      std::vector<float> p(n);
      for (auto& v : p) v = static_cast<float>(g(rng));
      p[(trial * 5) % n] += 6.0f;  // a pulse somewhere, sometimes wrapping
      p[(trial * 5 + 1) % n] += 4.0f;
      const double var = 4.0;
      const ProfileStats a = profile_stats(p.data(), n, var), b = brute_force(p, var);
      EXPECT_NEAR(a.snr, b.snr, 1e-9 * std::fabs(b.snr) + 1e-9) << n;
      EXPECT_EQ(a.width_bins, b.width_bins) << n;
      EXPECT_EQ(a.peak_bin, b.peak_bin) << n;
      EXPECT_NEAR(a.mean, b.mean, 1e-5) << n;
      EXPECT_NEAR(a.redchi2, b.redchi2, 1e-9 * b.redchi2) << n;
      std::vector<float> scratch(2 * n + 1);
      // The grids' S/N: a dense subset of the widths, never above the full search.
      const double fast = profile_snr_fast(p.data(), n, var, scratch.data());
      EXPECT_LE(fast, a.snr * (1 + 1e-5)) << n;
      if (a.width_bins <= 8) {
        EXPECT_NEAR(fast, a.snr, 1e-5 * a.snr) << n;
      }
    }
  }
}

TEST(ProfileStats, BoxcarPulseInZeroNoise) {
  // A boxcar of amplitude A over w0 bins on a baseline: S/N = A w0 / sqrt(w0 var).
  const size_t n = 64, w0 = 6;
  const double A = 5.0, var = 2.0;
  for (size_t start : {0u, 20u, 61u}) {
    std::vector<float> p(n, 10.0f);
    for (size_t k = 0; k < w0; ++k) p[(start + k) % n] += static_cast<float>(A);
    const ProfileStats st = profile_stats(p.data(), n, var);
    EXPECT_NEAR(st.snr, A * std::sqrt(static_cast<double>(w0) / var), 1e-5);
    EXPECT_EQ(st.width_bins, static_cast<double>(w0));
    EXPECT_EQ(st.peak_bin, start);
    EXPECT_NEAR(st.mean, 10.0, 1e-5);
    // Sum of squares about the mean: w0 A^2 (1 - w0 / n).
    const double chi = static_cast<double>(w0) * A * A * (1.0 - static_cast<double>(w0) / n);
    EXPECT_NEAR(st.redchi2, chi / var / (n - 1), 1e-5);
  }
}

TEST(ProfileStats, ConstantOffsetChangesNothing) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<float> p(128), q(128);
  for (size_t b = 0; b < p.size(); ++b) {
    p[b] = static_cast<float>(
        g(rng) + 3.0 * std::exp(-0.5 * std::pow((static_cast<double>(b) - 40.0) / 3.0, 2)));
    q[b] = p[b] + 500.0f;
  }
  const ProfileStats a = profile_stats(p.data(), p.size(), 1.0);
  const ProfileStats b = profile_stats(q.data(), q.size(), 1.0);
  EXPECT_NEAR(a.snr, b.snr, 1e-3);
  EXPECT_NEAR(a.redchi2, b.redchi2, 1e-3);
  EXPECT_EQ(a.width_bins, b.width_bins);
  EXPECT_EQ(a.peak_bin, b.peak_bin);
  EXPECT_NEAR(b.mean - a.mean, 500.0, 1e-3);
}

TEST(ProfileStats, NoiseRedChi2AveragesOne) {
  // redchi2 of noise is chi^2_{n-1} / (n - 1): mean 1, variance 2 / (n - 1).
  const size_t n = 128;
  const int M = 400;
  const double var = 9.0;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> g(50.0, 3.0);
  double sum = 0, snr_sum = 0;
  std::vector<float> p(n);
  for (int m = 0; m < M; ++m) {
    for (auto& v : p) v = static_cast<float>(g(rng));
    const ProfileStats st = profile_stats(p.data(), n, var);
    sum += st.redchi2;
    snr_sum += st.snr;
  }
  const double tol = 4.0 * std::sqrt(2.0 / (n - 1) / M);
  EXPECT_NEAR(sum / M, 1.0, tol);
  // The best of 64 widths x 128 phases of unit-variance-ish noise: a few sigma.
  EXPECT_GT(snr_sum / M, 2.0);
  EXPECT_LT(snr_sum / M, 5.0);
}

TEST(ProfileStats, GaussianPulseBoxcarEfficiency) {
  // Noise-free Gaussian pulses: the boxcar S/N over the ideal matched-filter S/N sqrt(sum s^2 /
  // var). Continuous theory: kBoxcarGaussEfficiency at w = kBoxcarGaussWidth sigma.
  const size_t n = 512;
  for (double sigma : {3.0, 6.0, 12.0}) {
    std::vector<float> p(n, 0.0f);
    test::add_gauss(p.data(), 0.3, sigma, n, 1.0);
    double s2 = 0;
    for (float s : p) s2 += static_cast<double>(s) * s;
    const ProfileStats st = profile_stats(p.data(), n, 1.0);
    const double ratio = st.snr / std::sqrt(s2);
    // Below the continuous figure: the off-pulse mean includes the pulse's wings.
    EXPECT_GT(ratio, 0.925) << sigma;
    EXPECT_LT(ratio, kBoxcarGaussEfficiency + 0.002) << sigma;
    RecordProperty("boxcar_over_matched_sigma" + std::to_string(static_cast<int>(sigma)),
                   std::to_string(ratio));
    EXPECT_NEAR(st.width_bins / sigma, kBoxcarGaussWidth, 0.4) << sigma;
  }
}

TEST(ProfileStats, BadArgumentsThrowInternal) {
  std::vector<float> p(8, 1.0f);
  for (double var : {0.0, -1.0, std::nan("")}) {
    try {
      profile_stats(p.data(), p.size(), var);
      ADD_FAILURE() << var;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Internal);
    }
  }
  EXPECT_THROW(profile_stats(p.data(), 1, 1.0), Error);
}

}  // namespace
}  // namespace tianyan
