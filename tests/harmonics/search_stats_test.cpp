// Significance of harmonic sums against published tables, high-precision values (mpmath, 40
// digits, 60 where a tail is 1 - tiny: log of gammainc(n, s, inf, regularized) and of
// ncdf(-x)) and sampled noise.
#include "kernels/search/search_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace tianyan {
namespace {

// Critical values of chi^2 (any standard table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4):
// P(chi^2_dof >= x) = p. S = chi^2 / 2 is Gamma(dof / 2, 1).
TEST(SearchStats, GammaSurvivalMatchesChiSquareTable) {
  struct Row {
    int dof;
    double x, p;
  };
  const Row rows[] = {{2, 13.816, 0.001}, {2, 9.210, 0.01},   {10, 18.307, 0.05},
                      {20, 37.566, 0.01}, {64, 93.217, 0.01}, {64, 83.675, 0.05}};
  for (const Row& r : rows) {
    const double p = std::exp(log_gamma_sf(r.dof / 2, r.x / 2));
    // The tables round x to 3 decimals, which moves p by up to 3e-4 of itself.
    EXPECT_NEAR(p / r.p, 1.0, 5e-4) << r.dof << " dof at " << r.x;
  }
}

TEST(SearchStats, GammaSurvivalHighPrecisionValues) {
  EXPECT_NEAR(log_gamma_sf(32, 1e4), -9792.568567518968, 1e-9);
  EXPECT_NEAR(log_gamma_sf(16, 200.0), -148.34698249613262, 1e-11);
  EXPECT_NEAR(log_gamma_sf(4, 3.0), -0.43505064253846326, 1e-13);
  EXPECT_NEAR(log_gamma_sf(32, 32.0), -0.74131209873625477, 1e-13);
  // Far below the mean the survival function is 1 - 1.4e-36: only its complement shows it.
  EXPECT_NEAR(log_gamma_sf(32, 1.0) / -1.4417345421413976e-36, 1.0, 1e-10);
  EXPECT_NEAR(log_gamma_sf(1000, 900.0) / -5.500535174143447e-4, 1.0, 1e-9);
  // n = 1 is the exponential: log sf = -s, however large.
  for (double s : {0.5, 10.0, 1e5, 1e300}) EXPECT_DOUBLE_EQ(log_gamma_sf(1, s), -s);
  EXPECT_EQ(log_gamma_sf(8, 0.0), 0.0);
  EXPECT_TRUE(std::isfinite(log_gamma_sf(32, 1e12)));
}

TEST(SearchStats, GammaSurvivalIsMonotone) {
  for (int n : {1, 2, 4, 8, 16, 32}) {
    double prev = 0;
    for (double s = 0.25; s < 500; s *= 1.1) {
      const double v = log_gamma_sf(n, s);
      EXPECT_LT(v, prev) << n << " " << s;
      EXPECT_GT(log_gamma_sf(n + 1, s), v);
      prev = v;
    }
  }
}

TEST(SearchStats, GaussTailMatchesHighPrecisionValues) {
  EXPECT_NEAR(std::exp(log_gauss_sf(1.0)), 0.15865525393145705, 1e-15);
  EXPECT_NEAR(log_gauss_sf(35.0), -616.97510126192251, 1e-10);
  EXPECT_NEAR(log_gauss_sf(1000.0), -500007.82669481218, 1e-8);
  EXPECT_NEAR(log_gauss_sf(1e5), -5000000012.431864, 1e-5);
  // Across the switch from erfc to the asymptotic series at 30.
  EXPECT_NEAR(log_gauss_sf(29.999), -454.29121119612383, 1e-10);
  EXPECT_NEAR(log_gauss_sf(30.001), -454.35127771545879, 1e-10);
  EXPECT_NEAR(log_gauss_sf(0.0), std::log(0.5), 1e-15);
  EXPECT_NEAR(std::exp(log_gauss_sf(-2.0)), 1 - 0.022750131948179207, 1e-15);
}

TEST(SearchStats, SigmaFromKnownGaussianTails) {
  EXPECT_NEAR(sigma_from_log_p(std::log(0.15865525393145705)), 1.0, 1e-9);
  EXPECT_NEAR(sigma_from_log_p(std::log(0.022750131948179207)), 2.0, 1e-9);
  EXPECT_NEAR(sigma_from_log_p(std::log(1.3498980316300945e-3)), 3.0, 1e-9);
  EXPECT_NEAR(sigma_from_log_p(std::log(2.8665157187919391e-7)), 5.0, 1e-9);
  // Rounded table values (p = 0.15866, 0.02275, 1.3499e-3, 2.8665e-7) land within 1e-4.
  EXPECT_NEAR(sigma_from_log_p(std::log(0.15866)), 1.0, 1e-4);
  EXPECT_NEAR(sigma_from_log_p(std::log(2.8665e-7)), 5.0, 1e-4);
  EXPECT_NEAR(sigma_from_log_p(std::log(0.5)), 0.0, 1e-12);
  EXPECT_NEAR(sigma_from_log_p(std::log(1 - 0.15865525393145705)), -1.0, 1e-9);
  // Huge sigmas: mpmath's root, and the x^2 / 2 asymptotics.
  EXPECT_NEAR(sigma_from_log_p(-5000.0), 99.944748174841092, 1e-9);
  EXPECT_NEAR(sigma_from_log_p(-1e6), 1414.2077829910173, 1e-8);
  EXPECT_NEAR(sigma_from_log_p(-5000.0) / std::sqrt(2 * 5000.0), 1.0, 0.01);
  // p = 0 is infinitely significant; p = 1 stays finite (and very negative).
  EXPECT_EQ(sigma_from_log_p(-INFINITY), INFINITY);
  EXPECT_LT(sigma_from_log_p(0.0), -30.0);
  EXPECT_TRUE(std::isfinite(sigma_from_log_p(0.0)));
}

TEST(SearchStats, SigmaRoundTrips) {
  for (double x : {-8.0, -1.0, -1e-3, 0.0, 0.5, 3.0, 10.0, 29.9, 30.1, 100.0, 1e3, 1e4}) {
    EXPECT_NEAR(sigma_from_log_p(log_gauss_sf(x)), x, 1e-9 * std::max(1.0, std::abs(x))) << x;
  }
}

TEST(SearchStats, TrialsFalseAlarmLimits) {
  // One trial changes nothing.
  EXPECT_DOUBLE_EQ(log_trials_fap(std::log(0.01), 1), std::log(0.01));
  // n p << 1: log n + log p, even where p itself underflows a double.
  EXPECT_NEAR(log_trials_fap(-1000.0, 1e6), -1000.0 + std::log(1e6), 1e-12);
  EXPECT_NEAR(log_trials_fap(-30.0, 1e3), -30.0 + std::log(1e3), 1e-9);
  // Moderate: 1 - 0.99^10 = 0.0956179...; 1 - (1 - 1e-6)^1e4 = 0.00995017...
  EXPECT_NEAR(log_trials_fap(std::log(0.01), 10), -2.3473949765927886, 1e-12);
  EXPECT_NEAR(std::exp(log_trials_fap(std::log(1e-6), 1e4)), -std::expm1(1e4 * std::log1p(-1e-6)),
              1e-15);
  // n p >> 1: certain false alarm.
  EXPECT_NEAR(log_trials_fap(std::log(0.01), 1e5), 0.0, 1e-300);
  // Continuous across the switch to log n + log p (at n p = e^-25).
  const double a = log_trials_fap(-25.0 - std::log(1e4) + 1e-9, 1e4);
  const double b = log_trials_fap(-25.0 - std::log(1e4) - 1e-9, 1e4);
  EXPECT_NEAR(a - b, 2e-9, 1e-11);
  // More trials, larger false-alarm probability.
  EXPECT_LT(log_trials_fap(-20.0, 1e3), log_trials_fap(-20.0, 1e4));
}

TEST(SearchStats, CandidateSigmaAndThresholdAgree) {
  // One harmonic, one trial: sigma 3 at S = -log(Q(3)).
  EXPECT_NEAR(candidate_sigma(-std::log(1.3498980316300945e-3), 1, 1), 3.0, 1e-9);
  for (int n : {1, 2, 4, 8, 16, 32}) {
    for (double trials : {1.0, 1e6, 1e9}) {
      for (double sigma : {2.0, 5.0, 8.0, 30.0}) {
        const double s = power_for_sigma(sigma, n, trials);
        EXPECT_GE(candidate_sigma(s, n, trials), sigma);
        EXPECT_LT(candidate_sigma(s * (1 - 1e-4), n, trials), sigma);
        EXPECT_GT(s, n);  // above the noise mean for these sigmas
      }
    }
  }
  EXPECT_DOUBLE_EQ(spectral_snr(32 + 3 * std::sqrt(32.0), 32), 3.0);
  EXPECT_DOUBLE_EQ(spectral_snr(1, 1), 0.0);
}

// Noise calibration: S, a sum of N unit exponentials, is Gamma(N, 1); the fraction at or below
// p = 0.01 (and 0.5) must be those probabilities within sampling error (5 sigma).
TEST(SearchStats, NoiseCalibration) {
  constexpr int kSamples = 200000;
  for (int n : {1, 4, 32}) {
    std::mt19937_64 rng(1000 + static_cast<uint64_t>(n));
    std::exponential_distribution<double> e(1.0);
    int below_1pc = 0, below_half = 0;
    for (int i = 0; i < kSamples; ++i) {
      double s = 0;
      for (int k = 0; k < n; ++k) s += e(rng);
      const double lp = log_gamma_sf(n, s);
      below_1pc += lp <= std::log(0.01);
      below_half += lp <= std::log(0.5);
    }
    const double f1 = static_cast<double>(below_1pc) / kSamples;
    const double f2 = static_cast<double>(below_half) / kSamples;
    EXPECT_NEAR(f1, 0.01, 5 * std::sqrt(0.01 * 0.99 / kSamples)) << n;
    EXPECT_NEAR(f2, 0.5, 5 * std::sqrt(0.25 / kSamples)) << n;
  }
}

}  // namespace
}  // namespace tianyan
