// Noise only: the number of harmonic-sum peaks above a sigma threshold agrees with what the
// sigma formula promises (kernels/search/search_stats.hpp with the trials of
// period_search.hpp's independent_trials), stage by stage, over many seeded white-noise series.
// For a threshold of trial-corrected sigma s, the false-alarm probability per series is
// F = P(Z >= s); with Poisson-distributed exceedances the expected number of peaks per series
// is lambda = -ln(1 - F).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/fft/real_fft.hpp"
#include "kernels/search/harmonic_sum.hpp"
#include "kernels/search/period_search.hpp"
#include "kernels/search/search_stats.hpp"
#include "kernels/search/spectrum.hpp"

namespace tianyan::test {
namespace {

TEST(FalseAlarm, PeaksAboveThresholdMatchThePromisedRate) {
  constexpr size_t kN = 1 << 16;
  constexpr int kSeries = 300;
  constexpr double kSigma = 1.0;
  SearchConfig cfg;
  cfg.f_min_hz = 1.0;
  const SeriesGeometry g = series_geometry(cfg, kN, 1e-3);
  ASSERT_EQ(g.nfft, kN);
  const int nstages = 6;
  std::vector<float> thresholds;
  for (int s = 0; s < nstages; ++s) {
    thresholds.push_back(static_cast<float>(
        power_for_sigma(kSigma, 1 << s, independent_trials(g, 1 << s))));
  }
  const double fap = std::exp(log_gauss_sf(kSigma));
  const double lambda = -std::log1p(-fap);

  const auto plan = real_fft_plan(kN, FftEffort::Estimate);
  FftRealBuffer x = fft_alloc_real(kN);
  FftComplexBuffer a = fft_alloc_complex(g.nbins);
  std::vector<float> p(2 * g.nbins - 1), acc, scratch;
  std::vector<HarmonicPeak> peaks;
  std::vector<double> counts(nstages, 0.0);
  std::mt19937_64 rng(20261123);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  for (int k = 0; k < kSeries; ++k) {
    for (size_t i = 0; i < kN; ++i) x[i] = gauss(rng);
    plan->execute(x.get(), a.get());
    normalise_spectrum(a.get(), g.nbins, cfg.rednoise, scratch);
    half_bin_powers(a.get(), g.nbins, p.data());
    harmonic_sum_search(p.data(), p.size(), 32, {g.r_min, g.r_max}, thresholds, 100000, acc,
                        peaks);
    for (const HarmonicPeak& pk : peaks) counts[static_cast<size_t>(std::log2(pk.nharm))] += 1;
  }
  const double expected = lambda * kSeries;
  for (int s = 0; s < nstages; ++s) {
    const double ratio = counts[static_cast<size_t>(s)] / expected;
    std::printf("stage %2d: %5.0f peaks above sigma %.1f, %.1f promised (ratio %.2f)\n", 1 << s,
                counts[static_cast<size_t>(s)], kSigma, expected, ratio);
    EXPECT_GT(ratio, 0.6) << "stage " << (1 << s);
    EXPECT_LT(ratio, 1.6) << "stage " << (1 << s);
  }
}

}  // namespace
}  // namespace tianyan::test
