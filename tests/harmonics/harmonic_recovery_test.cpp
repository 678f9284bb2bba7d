// Analytic recovery: noiseless Gaussian pulse trains at random fractional frequencies and duty
// cycles, through a real DFT (FFTW) and half-bin powers, into harmonic_sum_search.
//
// The model. A train of Gaussian pulses of FWHM `duty` periods has Fourier-series amplitudes
// A_h = exp(-pi^2 h^2 duty^2 / (4 ln 2)) (relative to the fundamental's limit 1). The series is
// x_t = sum_h A_h cos(2 pi h (r t / n + phase)), t < n, band-limited at 64 harmonics (the rest
// carry < 1e-5 of the power at duty 2%), with r the fundamental in Fourier bins. Scaled by
// 2 / n, the DFT amplitude at bin k is a_k ~ A_h e^{i pi delta} sinc(delta) near harmonic h,
// delta = h r - k (n -> infinity; leakage from the other harmonics, >= 100 bins away, is
// ignored). The half-bin powers are those of spectrum.hpp: p[2k] = |a_k|^2 and
// p[2k+1] = 0.5 |a_k - a_{k+1}|^2. Hence the power of harmonic h at half-bin m is A_h^2 R, with
//   R = sinc^2(x)                                  (m even, x = h r - m / 2)
//   R = 0.5 (sinc(x + 1/2) + sinc(x - 1/2))^2      (m odd: the normalised interbin response,
//                                                   0.81 at x = 0)
// and the expectation of S_N at grid point j is sum_{h<=N} A_h^2 R(h r - m_h / 2) with
// m_h = harmonic_half_bin(j, h, N).
#include <fftw3.h>
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "kernels/search/harmonic_sum.hpp"

namespace tianyan {
namespace {

constexpr size_t kN = size_t{1} << 18;  // samples: 64 harmonics of r = 2000 stay below Nyquist
constexpr size_t kNbins = kN / 2 + 1;
constexpr int kSignalHarmonics = 64;
constexpr double kPi = std::numbers::pi;

double harmonic_amplitude(double duty, int h) {
  return std::exp(-kPi * kPi * h * h * duty * duty / (4 * std::numbers::ln2));
}

double sinc(double x) { return x == 0 ? 1.0 : std::sin(kPi * x) / (kPi * x); }

double response(double r_h, uint64_t m) {
  const double x = r_h - 0.5 * static_cast<double>(m);
  if (m % 2 == 0) return sinc(x) * sinc(x);
  const double s = sinc(x + 0.5) + sinc(x - 0.5);
  return 0.5 * s * s;
}

struct PulseTrain {
  double r = 0;      // fundamental, bins
  double duty = 0;   // FWHM / period
  double phase = 0;  // of the pulse, periods
};

double expected_sum(const PulseTrain& t, int nharm, uint64_t j) {
  double sum = 0;
  for (int h = 1; h <= nharm; ++h) {
    const double a = harmonic_amplitude(t.duty, h);
    sum += a * a *
           response(h * t.r,
                    harmonic_half_bin(j, static_cast<uint32_t>(h), static_cast<uint32_t>(nharm)));
  }
  return sum;
}

double total_power(double duty, int nharm) {
  double sum = 0;
  for (int h = 1; h <= nharm; ++h) sum += std::pow(harmonic_amplitude(duty, h), 2);
  return sum;
}

// Half-bin powers of the pulse train, through FFTW's single-precision real DFT as the pipeline
// computes it.
class HalfBinSpectrum {
 public:
  HalfBinSpectrum()
      : in_(fftwf_alloc_real(kN)),
        out_(fftwf_alloc_complex(kNbins)),
        plan_(fftwf_plan_dft_r2c_1d(static_cast<int>(kN), in_, out_, FFTW_ESTIMATE)) {}
  ~HalfBinSpectrum() {
    fftwf_destroy_plan(plan_);
    fftwf_free(out_);
    fftwf_free(in_);
  }
  HalfBinSpectrum(const HalfBinSpectrum&) = delete;
  HalfBinSpectrum& operator=(const HalfBinSpectrum&) = delete;

  std::vector<float> powers(const PulseTrain& t) {
    std::vector<double> x(kN, 0.0);
    for (int h = 1; h <= kSignalHarmonics; ++h) {
      // The phasor advanced by multiplication: drift after 2^18 steps is ~1e-11.
      std::complex<double> z = std::polar(harmonic_amplitude(t.duty, h), 2 * kPi * h * t.phase);
      const std::complex<double> w = std::polar(1.0, 2 * kPi * h * t.r / static_cast<double>(kN));
      for (double& v : x) {
        v += z.real();
        z *= w;
      }
    }
    for (size_t i = 0; i < kN; ++i) in_[i] = static_cast<float>(x[i]);
    fftwf_execute(plan_);
    const float scale = 2.0f / static_cast<float>(kN);
    std::vector<std::complex<float>> a(kNbins);
    for (size_t k = 0; k < kNbins; ++k) a[k] = {out_[k][0] * scale, out_[k][1] * scale};
    std::vector<float> p(2 * kNbins - 1);
    for (size_t k = 0; k < kNbins; ++k) {
      p[2 * k] = std::norm(a[k]);
      if (k + 1 < kNbins) p[2 * k + 1] = 0.5f * std::norm(a[k] - a[k + 1]);
    }
    return p;
  }

 private:
  float* in_;
  fftwf_complex* out_;
  fftwf_plan plan_;
};

// Every stage's peak within half a bin of the true fundamental: threshold 0 makes the whole
// window one run, so the peak is the window's largest sum.
std::vector<HarmonicPeak> peaks_near(const std::vector<float>& p, double r) {
  std::vector<float> acc;
  std::vector<HarmonicPeak> peaks;
  harmonic_sum_search(p.data(), p.size(), 32, {r - 0.5, r + 0.5}, std::vector<float>(6, 0.0f), 1,
                      acc, peaks);
  return peaks;
}

TEST(HarmonicRecovery, BestSumMatchesAnalyticExpectation) {
  std::mt19937_64 rng(20240611);
  std::uniform_real_distribution<double> r_dist(100.0, 2000.0), duty_dist(0.02, 0.2), u(0, 1);
  HalfBinSpectrum spectrum;
  for (int trial = 0; trial < 12; ++trial) {
    const PulseTrain t{r_dist(rng), duty_dist(rng), u(rng)};
    SCOPED_TRACE(testing::Message() << "r " << t.r << " duty " << t.duty);
    const std::vector<HarmonicPeak> peaks = peaks_near(spectrum.powers(t), t.r);
    ASSERT_EQ(peaks.size(), 6u);
    for (int s = 0; s < 6; ++s) {
      const int n = 1 << s;
      const HarmonicPeak& pk = peaks[s];
      ASSERT_EQ(pk.nharm, n);
      EXPECT_LE(std::abs(pk.r_fund() - t.r), 0.5);
      // The model at the same grid point, and the model's best over the window. The model
      // ignores leakage between harmonics and float rounding: 0.3% at worst here, so 3% (the
      // aim was 10%) still leaves a margin of ten.
      EXPECT_NEAR(pk.power / expected_sum(t, n, pk.j), 1.0, 0.03) << "stage " << n;
      double best = 0;
      const auto lo = static_cast<uint64_t>(std::ceil(2 * n * (t.r - 0.5)));
      const auto hi = static_cast<uint64_t>(std::floor(2 * n * (t.r + 0.5)));
      for (uint64_t j = lo; j <= hi; ++j) best = std::max(best, expected_sum(t, n, j));
      EXPECT_NEAR(pk.power / best, 1.0, 0.03) << "stage " << n;
    }
  }
}

// The fine grid keeps every harmonic within a quarter bin of a half-bin point. With normalised
// interbinning (0.81 at a half-bin's centre) the model predicts 0.849 of sum_h A_h^2 on average
// at 32 harmonics and duty 2% (exact interpolation at the same points would keep 0.93, the
// figure of SCIENCE.md). Summing p[h m] at the fundamental's own half-bins m, as a search
// without the fine grid would, the model predicts 0.31 (harmonic h misses by up to h / 4 bins);
// on integer bins only, 0.17. These 40 trials measure 0.845, 0.26 and 0.16 (the coarse sums
// scatter widely from trial to trial).
TEST(HarmonicRecovery, FineGridKeepsHighHarmonics) {
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> r_dist(100.0, 2000.0), u(0, 1);
  HalfBinSpectrum spectrum;
  constexpr double kDuty = 0.02;
  const double total = total_power(kDuty, 32);
  constexpr int kTrials = 40;
  double fine = 0, coarse = 0, integer = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const PulseTrain t{r_dist(rng), kDuty, u(rng)};
    const std::vector<float> p = spectrum.powers(t);
    fine += peaks_near(p, t.r)[5].power / total;
    double best_half = 0, best_int = 0;
    const auto m0 = static_cast<uint64_t>(std::floor(2 * t.r));
    for (uint64_t m = m0; m <= m0 + 1; ++m) {
      double s = 0;
      for (uint64_t h = 1; h <= 32; ++h) s += p[h * m];
      best_half = std::max(best_half, s);
    }
    const auto k0 = static_cast<uint64_t>(std::floor(t.r));
    for (uint64_t k = k0; k <= k0 + 1; ++k) {
      double s = 0;
      for (uint64_t h = 1; h <= 32; ++h) s += p[2 * h * k];
      best_int = std::max(best_int, s);
    }
    coarse += best_half / total;
    integer += best_int / total;
  }
  fine /= kTrials;
  coarse /= kTrials;
  integer /= kTrials;
  EXPECT_GT(fine, 0.83);
  EXPECT_LT(fine, 0.87);
  EXPECT_GT(coarse, 0.15);
  EXPECT_LT(coarse, 0.42);
  EXPECT_LT(integer, 0.25);
  EXPECT_GT(fine, 2 * coarse);
}

}  // namespace
}  // namespace tianyan
