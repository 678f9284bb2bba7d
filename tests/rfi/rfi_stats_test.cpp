// The cell statistics' building blocks: histogram selection gives exactly the nth_element
// median, and compute_cell_stats takes the median and MAD from the documented subsample and the
// moments from all samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/rfi/rfi_cpu.hpp"

namespace tianyan::test {
namespace {

using rfi_detail::median_bracketed;
using rfi_detail::median_inplace;

float reference_median(std::vector<float> v) { return median_inplace(v.data(), v.size()); }

TEST(RfiSelect, BracketedMedianIsExactWhateverTheBracket) {
  std::mt19937 rng(3);
  std::normal_distribution<float> gauss(50.0f, 4.0f);
  rfi_detail::SelectWorkspace ws;
  ws.resize(5000);
  for (size_t m : {64u, 65u, 4095u, 4096u, 5000u}) {
    std::vector<float> v(m);
    for (float& x : v) x = gauss(rng);
    const float want = reference_median(v);
    // A good bracket, one that misses the median (fallback), a degenerate and a huge one.
    for (auto [lo, hi] : {std::pair{46.0f, 54.0f}, std::pair{60.0f, 70.0f}, std::pair{50.0f, 50.0f},
                          std::pair{-1e30f, 1e30f}}) {
      EXPECT_EQ(median_bracketed(v.data(), m, lo, hi, ws), want) << m << " " << lo;
    }
  }
  // Coarsely quantised data: many equal values in each bin, and a MAD of exactly 0.
  std::vector<float> q(4096);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<float>(std::lround(gauss(rng) / 8.0f));
  EXPECT_EQ(median_bracketed(q.data(), q.size(), 0.0f, 12.0f, ws), reference_median(q));
  for (float& x : q) x = std::abs(x - 6.0f);
  EXPECT_EQ(median_bracketed(q.data(), q.size(), 0.0f, 1.0f, ws), reference_median(q));
}

TEST(RfiSelect, CellStatsUseTheSubsampleForRobustStatistics) {
  constexpr size_t kNchan = 40;  // a partial channel tile
  constexpr uint64_t kN = 16384;
  ASSERT_EQ(rfi_detail::robust_stride(kN), 4u);
  ASSERT_EQ(rfi_detail::robust_stride(8191), 1u);
  std::mt19937 rng(5);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> block(kN * kNchan);
  for (uint64_t t = 0; t < kN; ++t) {
    for (size_t c = 0; c < kNchan; ++c) {
      block[t * kNchan + c] = 1000.0f + static_cast<float>(c) + (1.0f + 0.1f * c) * gauss(rng);
    }
  }
  rfi_detail::StatsWorkspace ws;
  ws.resize(kNchan, kN, 2);
  rfi_detail::CellStats stats;
  stats.resize(kNchan);
  rfi_detail::compute_cell_stats(block.data(), kN, kNchan, 2, ws, stats);
  for (size_t c = 0; c < kNchan; ++c) {
    std::vector<float> sub;
    for (uint64_t t = 0; t < kN; t += 4) sub.push_back(block[t * kNchan + c]);
    const float med = reference_median(sub);
    EXPECT_EQ(stats.median[c], med) << c;
    for (float& x : sub) x = std::abs(x - med);
    EXPECT_EQ(stats.sigma[c], 1.4826f * reference_median(sub)) << c;
    // Moments of all samples, two-pass in double as reference.
    double s = 0, m2 = 0, m4 = 0;
    for (uint64_t t = 0; t < kN; ++t) s += block[t * kNchan + c];
    const double mean = s / kN;
    for (uint64_t t = 0; t < kN; ++t) {
      const double d = block[t * kNchan + c] - mean;
      m2 += d * d;
      m4 += d * d * d * d;
    }
    const double var = m2 / kN;
    EXPECT_NEAR(stats.mean[c], mean, 1e-6 * std::abs(mean)) << c;
    EXPECT_NEAR(stats.std[c], std::sqrt(var), 1e-5 * std::sqrt(var)) << c;
    EXPECT_NEAR(stats.kurtosis[c], m4 / kN / (var * var) - 3.0, 1e-4) << c;
  }
}

}  // namespace
}  // namespace tianyan::test
