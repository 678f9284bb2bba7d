// Fourier interpolation against the DFT evaluated directly at fractional frequencies (FFTW's
// sign convention, X(r) = sum_t x_t exp(-2 pi i r t / n)), and peak refinement on noiseless
// signals whose Fourier amplitudes are known analytically.
#include "kernels/search/fourier_interp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "kernels/common/error.hpp"
#include "tests/accel/accel_test_util.hpp"

namespace tianyan {
namespace {

using test::direct_dft;
using test::real_spectrum;
constexpr double kPi = std::numbers::pi;

std::vector<float> gaussian_noise(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = gauss(rng);
  return x;
}

// sum_h amp[h-1] cos(2 pi h (r t / n + phase)): a pulse train of fundamental r bins when amp
// falls off smoothly; its amplitude at bin h r is amp[h-1] n / 2 exp(2 pi i h phase) up to the
// negative-frequency images, which are O(1 / r) of it.
std::vector<float> harmonic_series(size_t n, double r, double phase,
                                   const std::vector<double>& amp) {
  std::vector<float> x(n);
  for (size_t t = 0; t < n; ++t) {
    const double turns = r * static_cast<double>(t) / static_cast<double>(n) + phase;
    double v = 0;
    for (size_t h = 1; h <= amp.size(); ++h) {
      const double ht = turns * static_cast<double>(h);
      v += amp[h - 1] * std::cos(2 * kPi * (ht - std::floor(ht)));
    }
    x[t] = static_cast<float>(v);
  }
  return x;
}

TEST(FourierInterp, IntegerBinReturnsTheBinExactly) {
  const std::vector<float> x = gaussian_noise(1024, 11);
  const auto a = real_spectrum(x, x.size());
  for (size_t k : {size_t{0}, size_t{1}, size_t{37}, size_t{511}, size_t{512}}) {
    const std::complex<double> v = fourier_interp(a.data(), a.size(), static_cast<double>(k));
    EXPECT_EQ(v.real(), static_cast<double>(a[k].real())) << k;
    EXPECT_EQ(v.imag(), static_cast<double>(a[k].imag())) << k;
  }
}

// Noise is the hard case: every neighbour is as large as the nearest, so truncating to
// |r - k| <= W leaves a random error of variance sum_{|j| > W} sin^2(pi f) / (pi j)^2 ~
// 2 sin^2(pi f) / (pi^2 W) of a bin's, an rms of 1 / (pi sqrt W) = 0.056 of the amplitude for
// W = 32 averaged over the fraction f. A 1e-2 bound holds only where the power is concentrated
// near r (the sinusoid test below). We assert the rms error (relative to the rms amplitude) is
// below 0.08 at W = 32 and that no point errs by more than 0.35. A window spanning the whole
// spectrum (through the conjugate images at both ends, so a wrong image would show at O(1))
// leaves only the sinc kernel's departure from the exact periodic (Dirichlet) kernel, O(1/n)
// per neighbour and O(1/sqrt(n)) = 0.016 in all for n = 4096: we assert an rms below 0.025.
TEST(FourierInterp, MatchesDirectDftOfNoise) {
  constexpr size_t kN = 4096;
  const std::vector<float> x = gaussian_noise(kN, 12345);
  const auto a = real_spectrum(x, kN);
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> frac(0.0, 1.0);
  std::vector<double> rs = {0.3, 1.5, 2.71, 30.5, 2047.5, 2046.2, 2020.9};
  for (int i = 0; i < 300; ++i) rs.push_back(frac(rng) * (kN / 2));

  for (int w : {32, static_cast<int>(kN / 2)}) {
    double err2 = 0, amp2 = 0, worst = 0;
    std::vector<double> errs;
    for (double r : rs) {
      const std::complex<double> want = direct_dft(x, r);
      const std::complex<double> got = fourier_interp(a.data(), a.size(), r, w);
      err2 += std::norm(got - want);
      amp2 += std::norm(want);
      errs.push_back(std::abs(got - want));
    }
    const double rms_amp = std::sqrt(amp2 / static_cast<double>(rs.size()));
    for (double e : errs) worst = std::max(worst, e / rms_amp);
    const double rms_rel = std::sqrt(err2 / amp2);
    std::printf("half_width %d: rms error %.4f, worst %.4f of the rms amplitude\n", w, rms_rel,
                worst);
    if (w == 32) {
      EXPECT_LT(rms_rel, 0.08);
      EXPECT_LT(worst, 0.35);
    } else {
      EXPECT_LT(rms_rel, 0.025);
      EXPECT_LT(worst, 0.05);
    }
  }
}

// A sinusoid of unit amplitude at fractional bin r0 and phase phi has X(r0) = (n / 2) e^{i phi}.
// Around it, with W = 32, the interpolation must match the direct DFT to 1e-2 of the peak
// amplitude (the truncated tails are at most 2 / (pi^2 W) = 0.6% of it) in amplitude and
// phase: a kernel of the wrong sign, exp(+i pi d), would be off by up to 2 pi frac(r) in phase.
TEST(FourierInterp, MatchesDirectDftOfSinusoid) {
  constexpr size_t kN = 8192;
  std::mt19937_64 rng(777);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  for (int trial = 0; trial < 20; ++trial) {
    const double r0 = 40 + uni(rng) * 4000;
    const double phase = uni(rng);
    const std::vector<float> x = harmonic_series(kN, r0, phase, {1.0});
    const auto a = real_spectrum(x, kN);
    const double peak = kN / 2.0;
    for (double d : {0.0, -0.5, 0.5, 0.25, -0.8, 1.3, 2.5}) {
      const double r = r0 + d;
      const std::complex<double> want = direct_dft(x, r);
      const std::complex<double> got = fourier_interp(a.data(), a.size(), r);
      EXPECT_LT(std::abs(got - want) / peak, 1e-2) << "r0 " << r0 << " d " << d;
    }
    const std::complex<double> at_peak = fourier_interp(a.data(), a.size(), r0);
    EXPECT_NEAR(std::abs(at_peak) / peak, 1.0, 1e-2) << r0;
    const double dphi = std::arg(at_peak * std::polar(1.0, -2 * kPi * phase));
    EXPECT_LT(std::abs(dphi), 1e-2) << "phase at r0 = " << r0;
  }
}

TEST(FourierInterp, RejectsFrequenciesOutsideTheSpectrum) {
  const std::vector<std::complex<float>> a(100);
  EXPECT_THROW(fourier_interp(a.data(), a.size(), -0.1), Error);
  EXPECT_THROW(fourier_interp(a.data(), a.size(), 100.0), Error);
  EXPECT_THROW(fourier_interp(a.data(), a.size(), std::nan("")), Error);
  EXPECT_NO_THROW(fourier_interp(a.data(), a.size(), 99.9));
}

// The worst case for the start point: the nearest integer bin, up to half a bin away.
TEST(RefinePeak, RecoversSinusoidFrequencyAndPower) {
  constexpr size_t kN = 1 << 16;
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  double worst_dr = 0, worst_dp = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const double r_true = 2000 + uni(rng) * 28000;
    const std::vector<float> x = harmonic_series(kN, r_true, uni(rng), {1.0});
    const auto a = real_spectrum(x, kN);
    const RefinedPeak p = refine_peak(a.data(), a.size(), std::round(r_true), 1, 1.0);
    const double ideal = std::pow(kN / 2.0, 2);
    ASSERT_EQ(p.harm_power.size(), 1u);
    EXPECT_NEAR(p.r_fund, r_true, 0.01);
    EXPECT_NEAR(p.power / ideal, 1.0, 0.02) << r_true;
    EXPECT_EQ(p.power, p.harm_power[0]);
    worst_dr = std::max(worst_dr, std::abs(p.r_fund - r_true));
    worst_dp = std::max(worst_dp, std::abs(p.power / ideal - 1));
  }
  std::printf("sinusoid: worst |dr| %.2e bins, worst |dP/P| %.2e\n", worst_dr, worst_dp);
}

// A Gaussian pulse train of 3% duty cycle (32 harmonics present), refined with 8 and 16
// harmonics from a start up to half a bin off: the power must be sum_{h <= nharm} |A_h|^2
// with |A_h| = c_h n / 2, and each harmonic's power |A_h|^2, to 2%.
TEST(RefinePeak, RecoversPulseTrainHarmonicSum) {
  constexpr size_t kN = 1 << 16;
  const double sigma = 0.03 / (2 * std::sqrt(2 * std::log(2.0)));  // duty cycle = FWHM
  std::vector<double> amp(32);
  for (size_t h = 1; h <= amp.size(); ++h) {
    amp[h - 1] = std::exp(-2 * std::pow(kPi * static_cast<double>(h) * sigma, 2));
  }
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  for (int trial = 0; trial < 10; ++trial) {
    const double r_true = 300 + uni(rng) * 600;
    const std::vector<float> x = harmonic_series(kN, r_true, uni(rng), amp);
    const auto a = real_spectrum(x, kN);
    for (int nharm : {8, 16}) {
      const RefinedPeak p = refine_peak(a.data(), a.size(), std::round(r_true), nharm, 1.0);
      double ideal = 0;
      ASSERT_EQ(p.harm_power.size(), static_cast<size_t>(nharm));
      for (int h = 1; h <= nharm; ++h) {
        const double ah2 = std::pow(amp[h - 1] * kN / 2.0, 2);
        ideal += ah2;
        EXPECT_NEAR(p.harm_power[h - 1] / ah2, 1.0, 0.02) << "h " << h << " r " << r_true;
      }
      EXPECT_NEAR(p.r_fund, r_true, 0.01) << nharm;
      EXPECT_NEAR(p.power / ideal, 1.0, 0.02) << nharm << " r " << r_true;
    }
  }
}

TEST(RefinePeak, HarmonicsAtOrAboveTheTopBinContributeNothing) {
  constexpr size_t kN = 1 << 12;
  const double r_true = 1500.3;  // its second harmonic, 3000.6, is beyond bin 2048
  const std::vector<float> x = harmonic_series(kN, r_true, 0.1, {1.0});
  const auto a = real_spectrum(x, kN);
  const RefinedPeak p = refine_peak(a.data(), a.size(), 1500, 2, 1.0);
  ASSERT_EQ(p.harm_power.size(), 2u);
  EXPECT_EQ(p.harm_power[1], 0.0);
  EXPECT_EQ(p.power, p.harm_power[0]);
  EXPECT_NEAR(p.r_fund, r_true, 0.01);
}

TEST(RefinePeak, StaysWithinTheSpectrumAndItsRange) {
  constexpr size_t kN = 1 << 12;
  const std::vector<float> x = harmonic_series(kN, 3.4, 0.0, {1.0});
  const auto a = real_spectrum(x, kN);
  const RefinedPeak low = refine_peak(a.data(), a.size(), 0.2, 1, 1.0);
  EXPECT_GE(low.r_fund, 0.0);
  EXPECT_LE(low.r_fund, 1.2);
  const RefinedPeak top = refine_peak(a.data(), a.size(), 2048, 1, 2.0);
  EXPECT_LE(top.r_fund, 2048.0);
  const RefinedPeak fixed = refine_peak(a.data(), a.size(), 3.0, 1, 0.0);
  EXPECT_EQ(fixed.r_fund, 3.0);
  // A range wider than the spectrum is cut to it (a scan of 8 x 2048 steps, not 8e12).
  const RefinedPeak wide = refine_peak(a.data(), a.size(), 3.0, 1, 1e12);
  EXPECT_NEAR(wide.r_fund, 3.4, 0.05);
  EXPECT_THROW(refine_peak(a.data(), a.size(), 3.0, 0, 1.0), Error);
  EXPECT_THROW(refine_peak(a.data(), a.size(), 2049.0, 1, 1.0), Error);
}

}  // namespace
}  // namespace tianyan
