// Interbinning (half_bin_powers, interbin_power) and birdies (zap ranges, zapping, automatic
// detection), kernels/search/spectrum.hpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/common/error.hpp"
#include "kernels/search/spectrum.hpp"
#include "spectrum_test_util.hpp"

namespace tianyan::test {
namespace {

constexpr double kPi2Over8 = kPi * kPi / 8;

// ---- half_bin_powers ----------------------------------------------------------------------------

TEST(HalfBinPowers, FollowsTheDefinition) {
  constexpr size_t kBins = 33;
  std::mt19937_64 rng(31);
  std::normal_distribution<float> g(0.0f, 2.0f);
  std::vector<std::complex<float>> a(kBins);
  for (auto& v : a) v = {g(rng), g(rng)};
  std::vector<float> p(2 * kBins, -7.0f);  // one sentinel past the end
  half_bin_powers(a.data(), kBins, p.data());
  for (size_t k = 0; k < kBins; ++k) {
    EXPECT_NEAR(p[2 * k], std::norm(a[k]), 1e-5f * std::norm(a[k])) << k;
    if (k + 1 < kBins) {
      const double want = interbin_power(a[k], a[k + 1]) / kPi2Over8;
      EXPECT_NEAR(p[2 * k + 1], want, 1e-5 * want) << k;
      EXPECT_NEAR(p[2 * k + 1], 0.5 * std::norm(a[k] - a[k + 1]), 1e-5 * want) << k;
    }
  }
  EXPECT_EQ(p[2 * kBins - 1], -7.0f);  // 2 nbins - 1 values, no more
}

TEST(HalfBinPowers, NoiseHasUnitMeanOnBothGrids) {
  std::vector<std::complex<float>> a = spectrum_of(gaussian_noise(1 << 18, 1.0, 32));
  std::vector<float> scratch;
  normalise_spectrum(a.data(), a.size(), {}, scratch);
  std::vector<float> p(2 * a.size() - 1);
  half_bin_powers(a.data(), a.size(), p.data());
  double even = 0, odd = 0;
  const size_t nb = a.size();
  for (size_t k = 1; k + 1 < nb; ++k) even += p[2 * k], odd += p[2 * k + 1];
  EXPECT_NEAR(even / static_cast<double>(nb - 2), 1.0, 0.02);
  // Unscaled, the half-bin points would have mean pi^2 / 8 = 1.23.
  EXPECT_NEAR(odd / static_cast<double>(nb - 2), 1.0, 0.02);
}

// A pure cosine of unit amplitude at fractional bin r of an n-sample series: its power at an
// integer bin r would be (n / 2)^2, the "true power" below.
struct Tone {
  std::vector<std::complex<float>> a;
  double true_power;
};
Tone tone(size_t n, double r, double phase) {
  std::vector<float> x(n, 0.0f);
  add_sinusoid(x, r, 1.0, phase);
  return {spectrum_of(x), 0.25 * static_cast<double>(n) * static_cast<double>(n)};
}

TEST(HalfBinPowers, InterbinningRecoversASignalHalfWayBetweenBins) {
  constexpr size_t kN = 1 << 16, kK = 5000;
  std::mt19937_64 rng(33);
  std::uniform_real_distribution<double> phase(0, 2 * kPi);
  for (int trial = 0; trial < 8; ++trial) {
    const Tone t = tone(kN, kK + 0.5, phase(rng));
    // Half-way, the sinc has lost 1 - 4 / pi^2 = 60% at both neighbours...
    EXPECT_NEAR(std::norm(t.a[kK]) / t.true_power, 4 / (kPi * kPi), 0.01);
    EXPECT_NEAR(std::norm(t.a[kK + 1]) / t.true_power, 4 / (kPi * kPi), 0.01);
    // ...and (pi / 4)(a_k - a_k+1) is exact there for a pure tone (up to O(1/n) and the
    // negative-frequency image, ~1e-4): well within the 15% asked of it.
    const double ib = interbin_power(t.a[kK], t.a[kK + 1]) / t.true_power;
    EXPECT_NEAR(ib, 1.0, 0.01) << "trial " << trial;
    std::vector<float> p(2 * t.a.size() - 1);
    half_bin_powers(t.a.data(), t.a.size(), p.data());
    EXPECT_NEAR(p[2 * kK + 1] * kPi2Over8 / t.true_power, 1.0, 0.01);
  }
}

// For a tone at k + d (0 <= d < 1), with a_j = A e^{i pi (r - j)} sinc(pi (r - j)):
//   integer bins:  |a_k|^2 / P = sinc^2(pi d), |a_k+1|^2 / P = sinc^2(pi (1 - d))
//   half bin:      |(pi/4)(a_k - a_k+1)|^2 / P = [sin(pi d) / (4 d (1 - d))]^2
// The larger of the integer and half-bin powers is smallest where the curves cross, at
// d = 0.215 (and 0.785): 0.857 of the true power. (Integer bins alone fall to 0.405; the
// often-quoted ~0.77 for interbinning is a looser bound than this for a pure tone.)
TEST(HalfBinPowers, IntegerOrHalfBinKeepsMostPowerAtAnyOffset) {
  constexpr size_t kN = 1 << 16, kK = 7000;
  std::mt19937_64 rng(34);
  std::uniform_real_distribution<double> unit(0, 1);
  auto sinc2 = [](double x) { return x == 0 ? 1.0 : std::pow(std::sin(x) / x, 2); };
  double worst = 1;
  for (int trial = 0; trial < 40; ++trial) {
    const double d = unit(rng);
    const Tone t = tone(kN, kK + d, 2 * kPi * unit(rng));
    const double p0 = std::norm(t.a[kK]) / t.true_power;
    const double p1 = std::norm(t.a[kK + 1]) / t.true_power;
    const double ib = interbin_power(t.a[kK], t.a[kK + 1]) / t.true_power;
    EXPECT_NEAR(p0, sinc2(kPi * d), 0.01) << "d = " << d;
    EXPECT_NEAR(p1, sinc2(kPi * (1 - d)), 0.01) << "d = " << d;
    EXPECT_NEAR(ib, std::pow(std::sin(kPi * d) / (4 * d * (1 - d)), 2), 0.01) << "d = " << d;
    const double best = std::max({p0, p1, ib});
    EXPECT_GE(best, 0.85) << "d = " << d;
    worst = std::min(worst, best);
  }
  EXPECT_LT(worst, 0.95);  // the trials did sample offsets where the bound matters
}

// ---- birdies ------------------------------------------------------------------------------------

BirdieConfig birdie(double f, double w, int h = 1) {
  BirdieConfig b;
  b.name = "test";
  b.freq_hz = f;
  b.width_hz = w;
  b.harmonics = h;
  return b;
}

TEST(BirdieZapRanges, HandComputed) {
  // 0.125 Hz bins (exact in binary), Nyquist at bin 1000. Each range is bins k with
  // |k - h f / df| <= (width / df) / 2 + 1/2.
  const std::vector<BirdieConfig> birdies = {
      birdie(124.9375, 0.5),  // bin 999.5 +- 2.5: [997, 1002] clipped to [997, 1000]
      birdie(10.25, 0.25),    // bin 82 +- 1.5: [81, 83], overlaps the next one
      birdie(10.0, 0.25),     // bin 80 +- 1.5: [79, 81]; merged: [79, 83]
      birdie(30.0, 0.125),    // bin 240 +- 1: [239, 241] (edges on bins are included)
      birdie(30.375, 0.125),  // bin 243 +- 1: [242, 244], adjacent: merged [239, 244]
      birdie(50.0, 0.0, 3),   // bins 400, 800 (+- 0.5); 1200 is above Nyquist
      birdie(40.0, 0.25, 5),  // bins 320, 640, 960 (+- 1.5); 1280, 1600 dropped
      birdie(62.5, 0.0, 4),   // bins 500 and 1000 (Nyquist itself); merged into [997, 1000]
      birdie(0.125, 0.5),     // bin 1 +- 2.5: [-1.5, 3.5] clipped to [0, 3]
  };
  const std::vector<ZapRange> got = birdie_zap_ranges(birdies, 0.125, 1001);
  const std::vector<std::pair<size_t, size_t>> want = {
      {0, 3},     {79, 83},   {239, 244}, {319, 321}, {400, 400},
      {500, 500}, {639, 641}, {800, 800}, {959, 961}, {997, 1000}};
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].lo, want[i].first) << i;
    EXPECT_EQ(got[i].hi, want[i].second) << i;
  }
  // Decimal inputs whose bins are not exact in binary still include their edge bins.
  const std::vector<ZapRange> dec = birdie_zap_ranges({birdie(10.0, 0.1)}, 0.1, 1000);
  ASSERT_EQ(dec.size(), 1u);
  EXPECT_EQ(dec[0].lo, 99u);  // bin 100 +- 1: 99..101
  EXPECT_EQ(dec[0].hi, 101u);
  EXPECT_TRUE(birdie_zap_ranges(birdies, 0.125, 0).empty());
  EXPECT_TRUE(birdie_zap_ranges({birdie(200.0, 1.0)}, 0.125, 1001).empty());  // above Nyquist
  EXPECT_THROW(birdie_zap_ranges({birdie(-1.0, 1.0)}, 0.125, 1001), Error);
  EXPECT_THROW(birdie_zap_ranges(birdies, 0.0, 1001), Error);
}

TEST(ZapBins, ZeroesExactlyTheRanges) {
  std::vector<std::complex<float>> a(100, {1.0f, -2.0f});
  zap_bins(a.data(), a.size(), {{5, 7}, {50, 50}, {98, 150}, {200, 300}});
  for (size_t k = 0; k < a.size(); ++k) {
    const bool zapped = (k >= 5 && k <= 7) || k == 50 || k >= 98;
    EXPECT_EQ(a[k], zapped ? std::complex<float>(0) : std::complex<float>(1.0f, -2.0f)) << k;
  }
}

// ---- find_auto_birdies --------------------------------------------------------------------------

class AutoBirdies : public ::testing::Test {
 protected:
  static constexpr size_t kN = 1 << 18;
  static constexpr double kTsamp = 1e-3;
  static constexpr double kDf = 1 / (kN * kTsamp);  // 1 / T

  void SetUp() override {
    std::vector<float> x = gaussian_noise(kN, 1.0, 41);
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> phase(0, 2 * kPi);
    // (bin, expected normalised power N A^2 / 4); bin 40 (0.15 Hz) lies below f_min = 1 Hz,
    // and 60000.5 falls between bins (~40% of its power in each of 60000 and 60001).
    const std::vector<std::pair<double, double>> tones = {
        {40, 1000}, {5000, 300}, {20000, 2000}, {45000, 150}, {60000.5, 1500}, {90000, 250}};
    for (auto [bin, power] : tones) add_sinusoid(x, bin, std::sqrt(4 * power / kN), phase(rng));
    a_ = spectrum_of(x);
    std::vector<float> scratch;
    normalise_spectrum(a_.data(), a_.size(), {}, scratch);
  }

  std::vector<size_t> bins(const AutoBirdieConfig& cfg, double f_min_hz = 1.0) const {
    std::vector<size_t> out;
    for (const BirdieConfig& b : find_auto_birdies(a_.data(), a_.size(), kDf, f_min_hz, cfg)) {
      EXPECT_NEAR(b.width_hz, cfg.width_bins * kDf, 1e-12);
      EXPECT_EQ(b.harmonics, 1);
      out.push_back(static_cast<size_t>(std::lround(b.freq_hz / kDf)));
      EXPECT_NEAR(b.freq_hz, static_cast<double>(out.back()) * kDf, 1e-9);
    }
    return out;
  }

  std::vector<std::complex<float>> a_;
};

TEST_F(AutoBirdies, FindsTheInjectedTonesAndNoNoise) {
  AutoBirdieConfig cfg;  // min_power 40: noise reaches it with probability 1e-12 here
  const std::vector<size_t> got = bins(cfg);
  ASSERT_EQ(got.size(), 5u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], 5000u);
  EXPECT_EQ(got[1], 20000u);
  EXPECT_EQ(got[2], 45000u);
  EXPECT_TRUE(got[3] == 60000u || got[3] == 60001u) << got[3];  // one birdie for the pair
  EXPECT_EQ(got[4], 90000u);
  // Bin 40 counts when f_min allows it.
  EXPECT_EQ(bins(cfg, 0.0).front(), 40u);
}

TEST_F(AutoBirdies, KeepsTheStrongestInFrequencyOrder) {
  AutoBirdieConfig cfg;
  cfg.max_birdies = 2;  // 20000 (2000) and the 60000.5 pair (~600 per bin) beat 5000 (300)
  const std::vector<size_t> got = bins(cfg);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], 20000u);
  EXPECT_TRUE(got[1] == 60000u || got[1] == 60001u) << got[1];
  cfg.max_birdies = 0;
  EXPECT_TRUE(bins(cfg).empty());
  cfg.max_birdies = 200;
  cfg.min_power = 1000;  // only 20000 is above it
  EXPECT_EQ(bins(cfg), std::vector<size_t>{20000});
  cfg.enabled = false;
  EXPECT_TRUE(bins(cfg).empty());
}

}  // namespace
}  // namespace tianyan::test
