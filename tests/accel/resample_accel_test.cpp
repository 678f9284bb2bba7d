// Time-domain resampling for a trial acceleration: exactly the documented nearest-neighbour
// map, and a drifting signal (the simulator's convention) made coherent again.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <random>
#include <vector>

#include "kernels/accel/accel_elements.hpp"
#include "kernels/accel/accel_plan.hpp"
#include "kernels/common/constants.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/simulate/pulsar_model.hpp"
#include "tests/accel/accel_test_util.hpp"

namespace tianyan {
namespace {

constexpr double kPi = std::numbers::pi;

std::vector<float> uniform_series(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = uni(rng);
  return x;
}

// The header's definition, sample by sample: out[k] = in[round(k + shift(k))] with
// shift(k) = -(a tsamp / 2c) (k - (n-1)/2)^2, the index clamped to [0, n-1].
std::vector<float> naive_resample(const std::vector<float>& in, double tsamp, double a) {
  const auto n = static_cast<int64_t>(in.size());
  const double mid = 0.5 * static_cast<double>(n - 1);
  std::vector<float> out(in.size());
  for (int64_t k = 0; k < n; ++k) {
    const double d = static_cast<double>(k) - mid;
    const double src = static_cast<double>(k) - a * tsamp / (2 * kSpeedOfLight) * d * d;
    const auto i = static_cast<int64_t>(std::floor(src + 0.5));
    out[static_cast<size_t>(k)] = in[static_cast<size_t>(std::clamp<int64_t>(i, 0, n - 1))];
  }
  return out;
}

TEST(ResampleAccel, ZeroAccelerationCopiesExactly) {
  const std::vector<float> x = uniform_series(100003, 1);
  std::vector<float> out(x.size(), 7.0f);
  resample_accel(x.data(), out.data(), x.size(), 1e-4, 0.0);
  EXPECT_EQ(std::memcmp(out.data(), x.data(), x.size() * sizeof(float)), 0);
}

// The run-by-run copy must reproduce the per-sample definition bit for bit, for small and
// large shifts (up to runs of one sample and indices clamped over a large part of the series),
// both signs, and even and odd lengths.
TEST(ResampleAccel, MatchesPerSampleDefinition) {
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{1000}, size_t{65536}, size_t{99999}}) {
    const std::vector<float> x = uniform_series(n, 2 + n);
    for (double a : {300.0, -300.0, 2e4, -2e4, 3e7, -3e7, 1e10}) {
      const double tsamp = 1e-3;
      std::vector<float> out(n, 7.0f);
      resample_accel(x.data(), out.data(), n, tsamp, a);
      const std::vector<float> want = naive_resample(x, tsamp, a);
      size_t bad = 0;
      for (size_t k = 0; k < n; ++k) bad += out[k] != want[k];
      EXPECT_EQ(bad, 0u) << "n " << n << " a " << a;
    }
  }
}

// The CUDA kernel gathers out[k] = in[accel_elements::source_sample(k)] one sample per thread;
// run on the host, the same element must give resample_accel's output bit for bit (the device
// evaluates it with the same separately rounded products, hd::mul_rn/add_rn).
TEST(ResampleAccel, DeviceGatherElementMatchesTheRunByRunCopy) {
  for (size_t n : {size_t{1}, size_t{2}, size_t{1000}, size_t{65536}, size_t{99999}}) {
    const std::vector<float> x = uniform_series(n, 7 + n);
    for (double a : {200.0, -200.0, 2e4, -3e7, 1e10}) {
      const double tsamp = 6.5536e-5;
      std::vector<float> out(n);
      resample_accel(x.data(), out.data(), n, tsamp, a);
      const double e = a * tsamp / (2 * kSpeedOfLight);
      const double m = 0.5 * static_cast<double>(static_cast<int64_t>(n) - 1);
      size_t bad = 0;
      for (size_t k = 0; k < n; ++k) {
        const int64_t src = accel_elements::source_sample(static_cast<int64_t>(k), e, m,
                                                          static_cast<int64_t>(n));
        bad += out[k] != x[static_cast<size_t>(src)];
      }
      EXPECT_EQ(bad, 0u) << "n " << n << " a " << a;
    }
  }
}

TEST(ResampleAccel, MiddleSampleStaysAndShiftIsSymmetric) {
  constexpr size_t kN = 1 << 16;
  std::vector<float> ramp(kN);
  for (size_t k = 0; k < kN; ++k) ramp[k] = static_cast<float>(k);
  std::vector<float> out(kN);
  const double a = 1e4, tsamp = 1e-3;  // shift -(a tsamp / 2c) (n/2)^2 = -17.9 at the ends
  resample_accel(ramp.data(), out.data(), kN, tsamp, a);
  EXPECT_EQ(out[kN / 2], static_cast<float>(kN / 2));
  EXPECT_EQ(out[kN / 2 - 1], static_cast<float>(kN / 2 - 1));
  // a > 0 reads earlier samples, symmetrically about the middle, most at the ends.
  for (size_t k = 0; k < kN / 2; ++k) {
    const double left = static_cast<double>(out[k]) - static_cast<double>(k);
    const double right = static_cast<double>(out[kN - 1 - k]) - static_cast<double>(kN - 1 - k);
    ASSERT_LE(left, 0.0) << k;
    if (k >= 18) {  // the first 18 are clamped to in[0]
      ASSERT_EQ(left, right) << k;
    }
  }
  EXPECT_EQ(out.back() - static_cast<float>(kN - 1), -18.0f);
  EXPECT_EQ(out[0], 0.0f);  // clamped
}

// Shifts far beyond the series (a/c T ~ 1e20) clamp every sample to an end; nothing overflows.
TEST(ResampleAccel, AbsurdAccelerationClampsToTheEnds) {
  const std::vector<float> x = uniform_series(1001, 5);
  std::vector<float> out(x.size());
  resample_accel(x.data(), out.data(), x.size(), 1e-3, 1e30);
  for (size_t k = 0; k < x.size(); ++k) {
    ASSERT_EQ(out[k], k == 500 ? x[500] : x[0]) << k;  // the middle sample never moves
  }
  resample_accel(x.data(), out.data(), x.size(), 1e-3, -1e30);
  for (size_t k = 0; k < x.size(); ++k) ASSERT_EQ(out[k], k == 500 ? x[500] : x.back()) << k;
}

TEST(ResampleAccel, RejectsBadSampleTime) {
  std::vector<float> x(10), out(10);
  EXPECT_THROW(resample_accel(x.data(), out.data(), 10, 0.0, 1.0), Error);
  EXPECT_THROW(resample_accel(x.data(), out.data(), 10, 1e-4, std::nan("")), Error);
}

// A long, finely sampled series with a large drift. Peak power is the largest |X|^2 within
// the drift of f_mid on a quarter-bin grid (4x zero padding), as a fraction of the ideal
// (n / 2)^2 of a unit sinusoid at constant frequency.
constexpr size_t kN = 1 << 20;
constexpr double kTsamp = 1e-4;
constexpr double kRmid = 104857.5;  // f_mid = r / T = 999.995 Hz, on the quarter-bin grid

struct Peak {
  double r, fraction;
};

Peak peak_near(const std::vector<float>& x, double r_centre, double half_width_bins) {
  constexpr size_t kPad = 4;
  const auto spec = test::real_spectrum(x, kPad * x.size());
  const auto lo = static_cast<size_t>((r_centre - half_width_bins) * kPad);
  const auto hi = static_cast<size_t>((r_centre + half_width_bins) * kPad);
  Peak best{0, 0};
  for (size_t i = lo; i <= hi; ++i) {
    const double p = std::norm(std::complex<double>(spec[i]));
    if (p > best.fraction) best = {static_cast<double>(i) / kPad, p};
  }
  best.fraction /= std::pow(static_cast<double>(x.size()) / 2, 2);
  return best;
}

// f(t) = f_mid (1 + a (t - t_mid) / c), t_mid the middle of the observation: phase
// f_mid (s + a s^2 / 2c) with s = t - t_mid.
std::vector<float> drifting_sinusoid(double a) {
  const double f_mid = kRmid / (kN * kTsamp);
  const double t_mid = 0.5 * kN * kTsamp;
  std::vector<float> x(kN);
  for (size_t k = 0; k < kN; ++k) {
    const double s = static_cast<double>(k) * kTsamp - t_mid;
    const double turns = f_mid * (s + a * s * s / (2 * kSpeedOfLight));
    x[k] = static_cast<float>(std::cos(2 * kPi * (turns - std::floor(turns))));
  }
  return x;
}

// a = 300 m/s^2 drifts 1 kHz by z = a T^2 f / c = 11 bins over 105 s. The plain spectrum
// spreads the power over those bins (peak ~1/z of ideal). Resampled with the right a, the
// sinusoid is coherent again; nearest-neighbour sampling leaves a timing error uniform in
// +-tsamp/2, which costs sinc^2(pi f tsamp) = 0.968 of the power at 1 kHz (more towards
// Nyquist: 0.81 at f = 1 / (4 tsamp)), so we ask for 0.93. The wrong sign doubles the drift.
TEST(ResampleAccel, MakesAnAcceleratedSinusoidCoherent) {
  constexpr double kA = 300;
  const double z = accel_drift_bins(kA, kN * kTsamp, kRmid / (kN * kTsamp));
  ASSERT_GT(z, 10.0);
  const std::vector<float> x = drifting_sinusoid(kA);
  const Peak plain = peak_near(x, kRmid, z + 4);
  std::vector<float> out(kN);
  resample_accel(x.data(), out.data(), kN, kTsamp, kA);
  const Peak fixed = peak_near(out, kRmid, z + 4);
  resample_accel(x.data(), out.data(), kN, kTsamp, -kA);
  const Peak wrong = peak_near(out, kRmid, 2 * z + 4);
  std::printf("z = %.2f bins; peak power / ideal: plain %.3f, a %.3f (r %.2f), -a %.3f\n", z,
              plain.fraction, fixed.fraction, fixed.r, wrong.fraction);
  EXPECT_LT(plain.fraction, 0.35);
  EXPECT_GT(fixed.fraction, 0.93);
  EXPECT_LE(fixed.fraction, 1.0);
  EXPECT_NEAR(fixed.r, kRmid, 0.26);
  EXPECT_LT(wrong.fraction, 0.2);
}

// The simulator's timing model (t from the start, tau = t + a t^2 / 2c) with the same a: the
// resampled series has the model's frequency at the middle of the observation.
TEST(ResampleAccel, UndoesTheSimulatorsAcceleration) {
  SimPulsar p;
  p.period_s = 1.0 / 1234.567;
  p.accel_ms2 = -250;
  p.phase0 = 0.3;
  const PulsarTiming timing(p);
  std::vector<float> x(kN);
  for (size_t k = 0; k < kN; ++k) {
    const double turns = timing.phase(static_cast<double>(k) * kTsamp);
    x[k] = static_cast<float>(std::cos(2 * kPi * (turns - std::floor(turns))));
  }
  const double tobs = kN * kTsamp;
  const double r_mid = timing.frequency(0.5 * tobs) * tobs;
  const double z = std::abs(accel_drift_bins(p.accel_ms2, tobs, 1 / p.period_s));
  std::vector<float> out(kN);
  resample_accel(x.data(), out.data(), kN, kTsamp, p.accel_ms2);
  const Peak fixed = peak_near(out, r_mid, z + 4);
  EXPECT_GT(fixed.fraction, 0.9);
  EXPECT_NEAR(fixed.r, r_mid, 0.26);
  EXPECT_LT(peak_near(x, r_mid, z + 4).fraction, 0.35);
}

// The band-limited resampling of a chirp is the steady tone, sample by sample, away from the
// 8-sample edges; rounding to the nearest sample is far off at the same frequency.
TEST(ResampleAccelSinc, ChirpBecomesASteadyTone) {
  constexpr size_t kN = 100000;
  constexpr double kTsamp = 1e-4, kA = 3000, kCycles = 0.2;  // cycles per sample, 0.4 Nyquist
  const double f_mid = kCycles / kTsamp, mid = 0.5 * (kN - 1);
  std::vector<float> in(kN), sinc(kN), nearest(kN);
  for (size_t k = 0; k < kN; ++k) {
    const double t = (static_cast<double>(k) - mid) * kTsamp;
    const double turns = f_mid * (t + 0.5 * kA * t * t / kSpeedOfLight);
    in[k] = static_cast<float>(std::cos(2 * kPi * (turns - std::floor(turns))));
  }
  resample_accel_sinc(in.data(), sinc.data(), kN, kTsamp, kA);
  resample_accel(in.data(), nearest.data(), kN, kTsamp, kA);
  double worst_sinc = 0, worst_nearest = 0;
  for (size_t k = 16; k + 16 < kN; ++k) {
    const double turns = kCycles * (static_cast<double>(k) - mid);
    const double want = std::cos(2 * kPi * (turns - std::floor(turns)));
    worst_sinc = std::max(worst_sinc, std::abs(sinc[k] - want));
    worst_nearest = std::max(worst_nearest, std::abs(nearest[k] - want));
  }
  EXPECT_LT(worst_sinc, 5e-3);
  EXPECT_GT(worst_nearest, 0.3);  // half a sample at 0.2 cycles per sample: 0.2 pi rad
}

TEST(ResampleAccelSinc, ZeroAccelerationCopiesAndConstantsStayConstant) {
  std::vector<float> x = uniform_series(1000, 3), out(1000);
  resample_accel_sinc(x.data(), out.data(), x.size(), 1e-4, 0.0);
  EXPECT_EQ(std::memcmp(x.data(), out.data(), x.size() * sizeof(float)), 0);
  std::vector<float> ones(100000, 1.0f), r(100000);
  resample_accel_sinc(ones.data(), r.data(), ones.size(), 1e-4, 5000.0);
  for (size_t k = 16; k + 16 < r.size(); ++k) ASSERT_NEAR(r[k], 1.0f, 1e-6f) << k;
  EXPECT_THROW(resample_accel_sinc(x.data(), out.data(), x.size(), 0.0, 1.0), Error);
}

}  // namespace
}  // namespace tianyan
