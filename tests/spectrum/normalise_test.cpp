// Baseline removal and red-noise whitening (kernels/search/spectrum.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "kernels/common/error.hpp"
#include "kernels/search/spectrum.hpp"
#include "spectrum_test_util.hpp"

namespace tianyan::test {
namespace {

double correlation(const std::vector<float>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= n, mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

// ---- remove_baseline ----------------------------------------------------------------------------

// The definition, O(n window): x_i minus the mean of x over [i - (w-1)/2, i + w/2] clipped to the
// series, then standardised.
std::vector<float> baseline_reference(const std::vector<float>& x, size_t w) {
  const auto n = static_cast<ptrdiff_t>(x.size());
  const auto before = static_cast<ptrdiff_t>((w - 1) / 2);
  const auto after = static_cast<ptrdiff_t>(w) - 1 - before;
  std::vector<double> y(x.size());
  for (ptrdiff_t i = 0; i < n; ++i) {
    const ptrdiff_t lo = std::max<ptrdiff_t>(0, i - before), hi = std::min(n - 1, i + after);
    double s = 0;
    for (ptrdiff_t j = lo; j <= hi; ++j) s += x[j];
    y[i] = x[i] - s / static_cast<double>(hi - lo + 1);
  }
  const double m = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  double v = 0;
  for (double& e : y) v += (e - m) * (e - m);
  const double sd = std::sqrt(v / static_cast<double>(n));
  std::vector<float> out(x.size());
  for (size_t i = 0; i < y.size(); ++i) out[i] = static_cast<float>((y[i] - m) / sd);
  return out;
}

TEST(RemoveBaseline, MatchesTheDefinition) {
  // Short series and windows; then windows whose steps go in blocks of 256 (spectrum.cpp), with
  // the ring wrapping at odd places, partial blocks at the ends, and a window longer than n.
  for (auto [n, w] : std::vector<std::pair<size_t, size_t>>{{1000, 1},
                                                            {1000, 2},
                                                            {1000, 100},
                                                            {1000, 101},
                                                            {1000, 999},
                                                            {1000, 1000},
                                                            {1000, 5000},
                                                            {20011, 600},
                                                            {20011, 1537},
                                                            {20011, 4096},
                                                            {20011, 15000},
                                                            {20011, 30001}}) {
    std::vector<float> x = gaussian_noise(n, 3.0, 21);
    for (size_t t = 0; t < n; ++t) x[t] += 50.0f + 0.001f * static_cast<float>(t);
    add_sinusoid(x, 1.3, 10.0, 0.4);
    const std::vector<float> ref = baseline_reference(x, w);
    remove_baseline(x.data(), x.size(), w);
    if (w == 1) {  // every sample is its own mean
      EXPECT_TRUE(std::all_of(x.begin(), x.end(), [](float v) { return v == 0; }));
      continue;
    }
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_NEAR(x[i], ref[i], 2e-5) << "n " << n << " w " << w << " i " << i;
    }
  }
}

TEST(RemoveBaseline, RemovesASlowTrendAndStandardises) {
  constexpr size_t kN = 1 << 18;
  constexpr size_t kWindow = 1024;
  std::vector<float> x = gaussian_noise(kN, 2.0, 5);
  std::vector<double> trend(kN);
  for (size_t t = 0; t < kN; ++t) {
    const double u = static_cast<double>(t) / kN;
    trend[t] = 40.0 * std::sin(2 * kPi * 3 * u) + 30.0 * u + 500.0;
    x[t] += static_cast<float>(trend[t]);
  }
  ASSERT_GT(correlation(x, trend), 0.99);
  remove_baseline(x.data(), kN, kWindow);
  double m = 0, v = 0;
  for (float e : x) m += e;
  m /= kN;
  for (float e : x) v += (e - m) * (e - m);
  v /= kN;
  EXPECT_NEAR(m, 0.0, 1e-5);
  EXPECT_NEAR(v, 1.0, 1e-4);
  // What is left of the trend away from the ends: the running mean attenuates a 3-cycle
  // sinusoid by sinc(pi 3 w / n) = 1 - 2.3e-4, leaving 0.009 of its 40 (0.0045 sigma), and
  // follows the ramp exactly. The correlation is about that residual's rms in sigma, ~0.003.
  // Within w / 2 of the ends the shrinking window is off-centre and lags the trend (by up to
  // ~0.4 sigma here), the price of not padding; those samples are left out.
  const size_t h = kWindow / 2;
  const std::vector<float> inner(x.begin() + h, x.end() - h);
  const std::vector<double> inner_trend(trend.begin() + h, trend.end() - h);
  EXPECT_LT(std::abs(correlation(inner, inner_trend)), 0.01);
  // And what is left is the noise (less 1 / w of its variance).
  const std::vector<float> noise = gaussian_noise(kN, 2.0, 5);
  const std::vector<double> inner_noise(noise.begin() + h, noise.end() - h);
  EXPECT_GT(correlation(inner, inner_noise), 0.999);
}

TEST(RemoveBaseline, ConstantSeriesBecomesZeros) {
  std::vector<float> x(10000, 3.7f);
  remove_baseline(x.data(), x.size(), 333);
  EXPECT_TRUE(std::all_of(x.begin(), x.end(), [](float v) { return v == 0; }));
  EXPECT_THROW(remove_baseline(x.data(), x.size(), 0), Error);
}

// The definition in O(n) for long series: prefix sums in long double.
std::vector<float> baseline_by_prefix_sums(const std::vector<float>& x, size_t w) {
  const size_t n = x.size();
  const size_t before = (w - 1) / 2, after = w - 1 - before;
  std::vector<long double> prefix(n + 1, 0.0L);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + x[i];
  std::vector<long double> y(n);
  long double m = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t lo = i > before ? i - before : 0, hi = std::min(n - 1, i + after);
    y[i] = x[i] - (prefix[hi + 1] - prefix[lo]) / static_cast<long double>(hi - lo + 1);
    m += y[i];
  }
  m /= static_cast<long double>(n);
  long double v = 0;
  for (long double e : y) v += (e - m) * (e - m);
  const long double sd = std::sqrt(v / static_cast<long double>(n));
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>((y[i] - m) / sd);
  return out;
}

TEST(RemoveBaseline, MatchesTheDefinitionOverLongSeries) {
  // The search's case (10 s at 98.304 us over 2^20 samples, 4000 blocks of the SIMD path), and
  // windows whose ring wraps at odd places. The running sum must not drift: compared at every
  // sample, the end included.
  for (auto [n, w] : std::vector<std::pair<size_t, size_t>>{
           {1 << 20, 101725}, {300007, 4097}, {300007, 12289}, {100003, 257}}) {
    std::vector<float> x = gaussian_noise(n, 2.0, 40 + w);
    for (size_t t = 0; t < n; ++t) x[t] += 10.0f + 2e-5f * static_cast<float>(t);
    add_sinusoid(x, 7.3, 3.0, 0.1);
    const std::vector<float> ref = baseline_by_prefix_sums(x, w);
    remove_baseline(x.data(), n, w);
    float worst = 0;
    for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(x[i] - ref[i]));
    EXPECT_LT(worst, 2e-5f) << "n " << n << " w " << w;
  }
}

TEST(RemoveBaseline, KeepsPrecisionUnderALargeOffset) {
  // Noise of sd 1 on an offset of 10^4: the output can be no closer than the float rounding of
  // the samples and of the mean subtracted from them (half an ulp of 10^4 each, 1e-3 in all);
  // nothing of the window sum's size (10^8) may leak into the means.
  constexpr float kOffset = 1e4f;
  const float ulp = std::nextafter(kOffset, 2 * kOffset) - kOffset;
  for (auto [n, w] : std::vector<std::pair<size_t, size_t>>{{200003, 10001}, {20011, 600}}) {
    std::vector<float> x = gaussian_noise(n, 1.0, 77);
    for (float& v : x) v += kOffset;
    const std::vector<float> ref = baseline_by_prefix_sums(x, w);
    remove_baseline(x.data(), n, w);
    float worst = 0;
    for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(x[i] - ref[i]));
    EXPECT_LT(worst, ulp) << "n " << n << " w " << w;
  }
}

TEST(RemoveBaseline, ConstantSeriesBecomesZerosInEveryPath) {
  // Constants whose multiples are not exact in float, windows that go through the blocks (full,
  // growing and shrinking windows, the ring wrapping) and one longer than the series.
  for (float c : {0.1f, 3.7f, -2.5f, 1e5f, 123456.789f}) {
    for (auto [n, w] : std::vector<std::pair<size_t, size_t>>{
             {300007, 101725}, {100003, 4097}, {50000, 257}, {10000, 30000}}) {
      std::vector<float> x(n, c);
      remove_baseline(x.data(), n, w);
      const auto nonzero = std::count_if(x.begin(), x.end(), [](float v) { return v != 0; });
      EXPECT_EQ(nonzero, 0) << "c " << c << " n " << n << " w " << w;
    }
  }
}

// ---- normalise_spectrum -------------------------------------------------------------------------

std::vector<std::complex<float>> normalised(const std::vector<float>& x,
                                            const RednoiseConfig& rn = {}) {
  std::vector<std::complex<float>> a = spectrum_of(x);
  std::vector<float> scratch;
  normalise_spectrum(a.data(), a.size(), rn, scratch);
  return a;
}

double fraction_above(const std::vector<std::complex<float>>& a, size_t k0, double x) {
  size_t c = 0;
  for (size_t k = k0; k < a.size(); ++k) c += std::norm(a[k]) > x;
  return static_cast<double>(c) / static_cast<double>(a.size() - k0);
}

// The fraction of noise powers above x, against exp(-x): the tolerance is 3 binomial sigma
// plus `excess`, the known inflation of the tail by the scale's own noise (below).
void expect_exponential_tail(const std::vector<std::complex<float>>& a, double x, double excess) {
  const double expected = std::exp(-x);
  const double got = fraction_above(a, 1, x);
  const double sd = std::sqrt(expected / static_cast<double>(a.size() - 1));
  EXPECT_GT(got, expected - 3 * sd) << "x = " << x;
  EXPECT_LT(got, expected * (1 + excess) + 3 * sd) << "x = " << x;
}

TEST(NormaliseSpectrum, WhiteNoiseBecomesUnitMeanExponential) {
  const std::vector<float> x = gaussian_noise(1 << 18, 3.0, 1);
  // 2000-bin blocks: medians good to ~3% (2.6% rms after interpolation), which fattens the tail
  // by under 1% at x = 5, so the powers are exponential with mean 1 within counting statistics.
  RednoiseConfig wide;
  wide.start_bins = wide.max_bins = 2000;
  const std::vector<std::complex<float>> w = normalised(x, wide);
  EXPECT_EQ(w[0], std::complex<float>(0));
  EXPECT_NEAR(mean_power(w, 1, w.size()), 1.0, 0.01);
  expect_exponential_tail(w, 3.0, 0.01);
  expect_exponential_tail(w, 5.0, 0.01);
  // The defaults (100-bin blocks): a median of 100 powers is uncertain by ~1.44 / sqrt(100), and
  // interpolation leaves ~12% rms jitter in each bin's scale, which fattens the tail by about
  // exp(x^2 var / 2): +6% at x = 3, +19% at x = 5 (measured +2..5% and +7..18% over seeds).
  // The mean stays 1 (measured 1.006-1.011).
  const std::vector<std::complex<float>> d = normalised(x);
  EXPECT_NEAR(mean_power(d, 1, d.size()), 1.0, 0.02);
  expect_exponential_tail(d, 3.0, 0.06);
  expect_exponential_tail(d, 5.0, 0.19);
}

// The mean normalised power over [k0, k1) of `realisations` spectra from make(seed): one
// realisation of 190 bins varies by ~10% (few powers, and 6-bin blocks whose medians are
// uncertain by ~60%), the mean of 8 by ~4%.
template <typename Make>
double mean_over_realisations(Make make, size_t k0, size_t k1, int realisations = 8) {
  double sum = 0;
  for (int r = 0; r < realisations; ++r) {
    std::vector<std::complex<float>> a = make(static_cast<uint64_t>(1000 + r));
    std::vector<float> scratch;
    normalise_spectrum(a.data(), a.size(), {}, scratch);
    sum += mean_power(a, k0, k1);
  }
  return sum / realisations;
}

// Complex Gaussian amplitudes of power 1 + 10^6 / k^2: 10^4 x the white level at bin 10, 26 x
// at bin 200, 2 x at bin 1000; stationary red noise with no leakage.
std::vector<std::complex<float>> steep_red_spectrum(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, std::sqrt(0.5));
  std::vector<std::complex<float>> a(1 << 17);
  for (size_t k = 1; k < a.size(); ++k) {
    const double sd = std::sqrt(1 + 1e6 / (static_cast<double>(k) * static_cast<double>(k)));
    a[k] = {static_cast<float>(g(rng) * sd), static_cast<float>(g(rng) * sd)};
  }
  return a;
}

// White noise plus a random walk: power ~ 1 / f^2, 1700 x the white level at bin 10 and 4 x at
// bin 200. Unlike the stationary case its end-to-end step leaks a deterministic 1/f^2 part too.
std::vector<std::complex<float>> random_walk_spectrum(uint64_t seed) {
  std::vector<float> x = gaussian_noise(1 << 18, 1.0, seed);
  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<double> step(0.0, 0.01);
  double walk = 0;
  for (float& v : x) v += static_cast<float>(walk += step(rng));
  return spectrum_of(x);
}

TEST(NormaliseSpectrum, WhitensSteepRedNoise) {
  const std::vector<std::complex<float>> raw = steep_red_spectrum(1000);
  ASSERT_GT(mean_power(raw, 10, 200), 100.0);
  EXPECT_NEAR(mean_over_realisations(steep_red_spectrum, 10, 200), 1.0, 0.2);
  EXPECT_NEAR(mean_over_realisations(steep_red_spectrum, 200, 2000), 1.0, 0.05);
  EXPECT_NEAR(mean_over_realisations(steep_red_spectrum, 2000, 1 << 17), 1.0, 0.02);
}

TEST(NormaliseSpectrum, WhitensARandomWalk) {
  const std::vector<std::complex<float>> raw = random_walk_spectrum(1000);
  ASSERT_GT(mean_power(raw, 10, 200) / mean_power(raw, 20000, raw.size()), 50.0);
  EXPECT_NEAR(mean_over_realisations(random_walk_spectrum, 10, 200), 1.0, 0.2);
  EXPECT_NEAR(mean_over_realisations(random_walk_spectrum, 200, 2000), 1.0, 0.05);
  EXPECT_NEAR(mean_over_realisations(random_walk_spectrum, 2000, raw.size()), 1.0, 0.02);
  // No junk: the largest power above bin 10 is one noise could give (P(>25) ~ 1e-11 per bin).
  std::vector<std::complex<float>> a = raw;
  std::vector<float> scratch;
  normalise_spectrum(a.data(), a.size(), {}, scratch);
  float top = 0;
  for (size_t k = 10; k < a.size(); ++k) top = std::max(top, std::norm(a[k]));
  EXPECT_LT(top, 25.0f);
}

TEST(NormaliseSpectrum, KeepsAnInjectedSinusoidsPowerRelativeToNoise) {
  constexpr size_t kN = 1 << 18;
  constexpr double kSigma = 1.5, kExpected = 500.0;  // N A^2 / (4 sigma^2)
  const double amp = std::sqrt(4 * kSigma * kSigma * kExpected / kN);
  std::vector<float> x = gaussian_noise(kN, kSigma, 4);
  std::vector<size_t> bins;
  std::mt19937_64 rng(5);
  for (int j = 0; j < 16; ++j) {
    bins.push_back(3000 + static_cast<size_t>(j) * 7919);
    add_sinusoid(x, static_cast<double>(bins.back()), amp,
                 std::uniform_real_distribution<double>(0, 2 * kPi)(rng));
  }
  const std::vector<std::complex<float>> a = normalised(x);
  double sum = 0;
  for (size_t k : bins) {
    const double ratio = std::norm(a[k]) / kExpected;
    // One signal: the block scale's ~12% jitter (skewed: 1 / median) and the noise cross term's
    // 6% rms; measured 0.68-1.49 over 96 signals.
    EXPECT_GT(ratio, 0.5) << "bin " << k;
    EXPECT_LT(ratio, 1.7) << "bin " << k;
    sum += ratio;
  }
  // Their mean: ~3.5% rms (measured 0.99-1.04 over 6 seeds).
  EXPECT_NEAR(sum / static_cast<double>(bins.size()), 1.0, 0.1);
}

TEST(NormaliseSpectrum, InterpolatesScalesLinearlyBetweenBlockCentres) {
  // Powers 1 + 0.01 k with no noise, and 50-bin blocks: each block's scale is its upper median,
  // the power at o + 25, divided by the expected median of 50 unit exponentials; linear
  // interpolation between centres o + 24.5, constant outside them.
  constexpr size_t kBins = 1 + 50 * 40;
  RednoiseConfig rn;
  rn.start_bins = rn.max_bins = 50;
  auto power = [](double k) { return 1.0 + 0.01 * k; };
  std::vector<std::complex<float>> a(kBins);
  for (size_t k = 0; k < kBins; ++k) a[k] = static_cast<float>(std::sqrt(power(double(k))));
  std::vector<float> scratch;
  normalise_spectrum(a.data(), kBins, rn, scratch);
  double e50 = 0;  // H(50) - H(24)
  for (int j = 25; j <= 50; ++j) e50 += 1.0 / j;
  const double c_first = 1 + 24.5, c_last = kBins - 50 + 24.5;
  for (size_t k = 1; k < kBins; ++k) {
    const double c = std::clamp(static_cast<double>(k), c_first, c_last);
    // Between centres the interpolant of a linear function is the function: power(c + 0.5).
    const double expected = power(double(k)) / (power(c + 0.5) / e50);
    // 1e-5: the reciprocal square roots are good to 5e-6 (spectrum.cpp, scale_bins).
    ASSERT_NEAR(std::norm(a[k]), expected, 1e-5 * expected) << "bin " << k;
  }
  EXPECT_EQ(a[0], std::complex<float>(0));
}

TEST(NormaliseSpectrum, ZeroedBlocksAndEmptySpectraStayFinite) {
  std::vector<std::complex<float>> a = spectrum_of(gaussian_noise(1 << 14, 1.0, 6));
  std::fill(a.begin() + 1, a.begin() + 300, std::complex<float>(0));  // zapped low bins
  std::fill(a.begin() + 4000, a.begin() + 4500, std::complex<float>(0));
  std::vector<float> scratch;
  normalise_spectrum(a.data(), a.size(), {}, scratch);
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_TRUE(std::isfinite(a[k].real()) && std::isfinite(a[k].imag())) << k;
    if (k < 300 || (k >= 4000 && k < 4500)) {
      ASSERT_EQ(a[k], std::complex<float>(0)) << k;
    }
  }
  EXPECT_NEAR(mean_power(a, 4500, a.size()), 1.0, 0.1);
  std::vector<std::complex<float>> zeros(1000);
  normalise_spectrum(zeros.data(), zeros.size(), {}, scratch);
  EXPECT_TRUE(std::all_of(zeros.begin(), zeros.end(), [](auto v) { return v == 0.0f; }));
  for (size_t n : {1u, 2u, 3u, 7u}) {  // tiny spectra: no crash, bin 0 cleared
    std::vector<std::complex<float>> t(n, {1.0f, 1.0f});
    normalise_spectrum(t.data(), n, {}, scratch);
    EXPECT_EQ(t[0], std::complex<float>(0));
    for (size_t k = 1; k < n; ++k) EXPECT_TRUE(std::isfinite(t[k].real()));
  }
}

// normalise_spectrum by its definition for blocks of one width w (start_bins = max_bins = w):
// blocks [1, 1 + w), [1 + w, 1 + 2w), ..., the remainder joining the last; each block's upper
// median power by sorting, over the expected median of unit exponentials; scales of zero
// medians borrowed from the nearest earlier block (the first ones the nearest later); linear
// interpolation between block centres.
std::vector<std::complex<float>> normalise_by_definition(std::vector<std::complex<float>> a,
                                                         size_t w) {
  const size_t n = a.size();
  std::vector<double> centre, scale;
  for (size_t o = 1; o < n;) {
    size_t e = o + w;
    if (e >= n || n - e < w) e = n;
    std::vector<float> p;
    for (size_t k = o; k < e; ++k) p.push_back(std::norm(a[k]));
    std::sort(p.begin(), p.end());
    const size_t len = e - o;
    double expected = 0;
    for (size_t j = 0; j <= len / 2; ++j) expected += 1.0 / static_cast<double>(len - j);
    centre.push_back(0.5 * static_cast<double>(o + e - 1));
    scale.push_back(static_cast<float>(p[len / 2] / expected));
    o = e;
  }
  const auto good = [](double s) { return s > 0 && std::isfinite(s); };
  const auto first = std::find_if(scale.begin(), scale.end(), good);
  if (first == scale.end()) return std::vector<std::complex<float>>(n);
  std::fill(scale.begin(), first, *first);
  for (size_t b = 1; b < scale.size(); ++b) {
    if (!good(scale[b])) scale[b] = scale[b - 1];
  }
  a[0] = 0;
  size_t b = 0;
  for (size_t k = 1; k < n; ++k) {
    const auto x = static_cast<double>(k);
    while (b < centre.size() && centre[b] < x) ++b;
    double s;
    if (b == 0) {
      s = scale.front();
    } else if (b == centre.size()) {
      s = scale.back();
    } else {
      const double f = (x - centre[b - 1]) / (centre[b] - centre[b - 1]);
      s = scale[b - 1] + f * (scale[b] - scale[b - 1]);
    }
    a[k] /= static_cast<float>(std::sqrt(s));
  }
  return a;
}

void expect_normalised_by_definition(const std::vector<std::complex<float>>& raw, size_t w,
                                     const char* what) {
  RednoiseConfig rn;
  rn.start_bins = rn.max_bins = static_cast<int>(w);
  std::vector<std::complex<float>> got = raw;
  std::vector<float> scratch;
  normalise_spectrum(got.data(), got.size(), rn, scratch);
  const std::vector<std::complex<float>> want = normalise_by_definition(raw, w);
  size_t bad = 0;
  for (size_t k = 0; k < got.size(); ++k) {
    const double g = std::norm(got[k]), e = std::norm(want[k]);
    // 2e-5: float interpolation and reciprocal square roots (spectrum.cpp, scale_bins). A wrong
    // median is off by a whole rank, ~1.4 / w of the scale, and moves a whole block.
    if (!(std::abs(g - e) <= 2e-5 * e + 1e-30)) {
      if (bad++ < 5)
        ADD_FAILURE() << what << " w " << w << " bin " << k << ": " << g << " vs " << e;
    }
  }
  EXPECT_EQ(bad, 0u) << what << " w " << w;
}

TEST(NormaliseSpectrum, BlockMediansAreExact) {
  // Each block's median is selected by rounds of SIMD counting around the previous block's
  // (spectrum.cpp), falling back to quickselect; the scales must be the exact order statistic
  // whichever path is taken: white noise (the fast path for nearly all blocks), steep red noise
  // (the median outside the first interval), odd and small widths, zeroed blocks (no guess), and
  // many tied powers (no progress in a round).
  const std::vector<std::complex<float>> white = spectrum_of(gaussian_noise(1 << 17, 2.0, 50));
  for (size_t w : {17u, 37u, 100u, 999u, 1000u, 2000u}) {
    expect_normalised_by_definition(white, w, "white");
  }
  const std::vector<std::complex<float>> red = steep_red_spectrum(51);
  for (size_t w : {100u, 1000u}) expect_normalised_by_definition(red, w, "red");
  std::vector<std::complex<float>> zapped = white;
  std::fill(zapped.begin() + 1, zapped.begin() + 2500, std::complex<float>(0));
  std::fill(zapped.begin() + 20000, zapped.begin() + 23000, std::complex<float>(0));
  std::fill(zapped.begin() + 40000, zapped.begin() + 40600, std::complex<float>(0));  // > half
  expect_normalised_by_definition(zapped, 1000, "zapped");
  std::vector<std::complex<float>> tied = white;
  for (auto& v : tied) v = {std::round(v.real() / 100.0f), std::round(v.imag() / 100.0f)};
  for (size_t w : {100u, 1000u}) expect_normalised_by_definition(tied, w, "tied");
}

}  // namespace
}  // namespace tianyan::test
