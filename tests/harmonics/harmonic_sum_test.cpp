// The fast harmonic sum against its definition (every stage, every grid point, every kernel),
// and the peak rules of harmonic_sum_search: runs, the strongest max_peaks, the range, the order.
#include "kernels/search/harmonic_sum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/common/error.hpp"
#include "kernels/search/harmonic_sum_detail.hpp"
#include "tests/harmonics/harmonic_test_util.hpp"

namespace tianyan {
namespace {

using harmonic_detail::Kernel;
using test::expect_same_peaks;
using test::exponential_powers;

std::vector<Kernel> kernels_here() {
  std::vector<Kernel> k = {Kernel::Generic};
  for (Kernel simd : {Kernel::Avx2, Kernel::Avx512}) {
    if (harmonic_detail::kernel_available(simd)) k.push_back(simd);
  }
  return k;
}

// Float sums of up to 32 positive terms in another order: a few ulp of the sum apart.
void expect_close_to_reference(const std::vector<float>& p, int nharm, uint64_t j, float got) {
  const float want = harmonic_sum_reference(p.data(), p.size(), nharm, j);
  ASSERT_NEAR(got, want, 4e-6f * want + 1e-30f) << "nharm " << nharm << " j " << j;
}

TEST(HarmonicSum, StagesMatchReferenceEverywhere) {
  // Sizes around the tile (2048) and block (32) boundaries, spans that start unaligned.
  struct Case {
    size_t np;
    uint64_t j_begin, j_end;
  };
  const std::vector<Case> cases = {
      {1, 0, 1},        {7, 0, 7},          {33, 0, 33},       {1000, 3, 1000},
      {4101, 37, 4101}, {6149, 2047, 6000}, {20000, 0, 20000}, {70001, 60001, 70001}};
  uint64_t seed = 11;
  for (const Case& c : cases) {
    const std::vector<float> p = exponential_powers(c.np, seed++);
    for (Kernel k : kernels_here()) {
      std::vector<std::vector<float>> st;
      harmonic_detail::harmonic_sum_stages(p.data(), p.size(), 32, c.j_begin, c.j_end, k, st);
      ASSERT_EQ(st.size(), 6u);
      for (int s = 0; s < 6; ++s) {
        ASSERT_EQ(st[s].size(), c.j_end - c.j_begin);
        for (uint64_t j = c.j_begin; j < c.j_end; ++j) {
          expect_close_to_reference(p, 1 << s, j, st[s][j - c.j_begin]);
        }
      }
    }
  }
}

TEST(HarmonicSum, KernelsAreBitIdentical) {
  const std::vector<Kernel> kernels = kernels_here();
  if (kernels.size() < 2) GTEST_SKIP() << "no SIMD kernel on this CPU";
  const std::vector<float> p = exponential_powers(50001, 5);
  std::vector<std::vector<float>> a, b;
  harmonic_detail::harmonic_sum_stages(p.data(), p.size(), 32, 5, p.size(), Kernel::Generic, a);
  for (Kernel k : kernels) {
    harmonic_detail::harmonic_sum_stages(p.data(), p.size(), 32, 5, p.size(), k, b);
    EXPECT_EQ(a, b) << static_cast<int>(k);
  }
}

TEST(HarmonicSum, SmallerMaxHarmStopsEarly) {
  const std::vector<float> p = exponential_powers(3000, 6);
  std::vector<std::vector<float>> st32, st4;
  harmonic_detail::harmonic_sum_stages(p.data(), p.size(), 32, 0, p.size(), Kernel::Auto, st32);
  harmonic_detail::harmonic_sum_stages(p.data(), p.size(), 4, 0, p.size(), Kernel::Auto, st4);
  ASSERT_EQ(st4.size(), 3u);
  for (size_t s = 0; s < 3; ++s) EXPECT_EQ(st4[s], st32[s]);
}

// An independent reading of the documented peak rule, applied to stage sums already checked
// against the reference: points at or above threshold within [lo, hi); a point closer than
// 2 N grid points to the previous one extends its run; the first largest point of a run is its
// peak; the max_peaks strongest (ties: lower j) are kept, returned in order of j.
std::vector<HarmonicPeak> expected_peaks(const std::vector<std::vector<float>>& st,
                                         const HarmonicSearchRange& range,
                                         const std::vector<float>& thr, size_t max_peaks) {
  std::vector<HarmonicPeak> out;
  const double np = static_cast<double>(st[0].size());
  for (size_t s = 0; s < st.size(); ++s) {
    const int n = 1 << s;
    const double lo = std::max(0.0, std::ceil(2 * n * range.r_min));
    const double hi = range.r_max > 0 ? std::min(np, std::floor(2 * n * range.r_max) + 1) : np;
    std::vector<HarmonicPeak> runs;
    uint64_t last = 0;
    for (uint64_t j = static_cast<uint64_t>(lo); static_cast<double>(j) < hi; ++j) {
      const float v = st[s][j];
      if (!(v >= thr[s])) continue;
      if (!runs.empty() && j - last < 2u * static_cast<uint64_t>(n)) {
        if (v > runs.back().power) runs.back() = HarmonicPeak{n, j, v};
      } else {
        runs.push_back(HarmonicPeak{n, j, v});
      }
      last = j;
    }
    std::stable_sort(runs.begin(), runs.end(), [](const HarmonicPeak& a, const HarmonicPeak& b) {
      return a.power > b.power;
    });
    if (runs.size() > max_peaks) runs.resize(max_peaks);
    std::sort(runs.begin(), runs.end(),
              [](const HarmonicPeak& a, const HarmonicPeak& b) { return a.j < b.j; });
    out.insert(out.end(), runs.begin(), runs.end());
  }
  return out;
}

TEST(HarmonicSum, SearchPeaksFollowTheRuleOnNoise) {
  const std::vector<float> p = exponential_powers(30011, 21);
  std::vector<std::vector<float>> st;
  harmonic_detail::harmonic_sum_stages(p.data(), p.size(), 32, 0, p.size(), Kernel::Auto, st);
  // Thresholds near the noise tail of each stage (many runs, some of several points).
  const std::vector<float> thr = {4.0f, 6.5f, 10.0f, 16.0f, 27.0f, 47.0f};
  const std::vector<HarmonicSearchRange> ranges = {{1.0, 0},       {0.3, 0},      {17.3, 4000.6},
                                                   {100.0, 100.2}, {5000.0, 1e9}, {20000.0, 0}};
  std::vector<float> acc;
  std::vector<HarmonicPeak> peaks;
  for (const HarmonicSearchRange& r : ranges) {
    for (size_t max_peaks : {size_t{0}, size_t{1}, size_t{7}, size_t{100000}}) {
      harmonic_sum_search(p.data(), p.size(), 32, r, thr, max_peaks, acc, peaks);
      SCOPED_TRACE(testing::Message()
                   << "range " << r.r_min << ".." << r.r_max << " max_peaks " << max_peaks);
      // Every kernel's scan finds the same peaks.
      for (Kernel k : kernels_here()) {
        std::vector<HarmonicPeak> other;
        harmonic_detail::harmonic_sum_search_with(k, p.data(), p.size(), 32, r, thr, max_peaks, acc,
                                                  other);
        expect_same_peaks(other, peaks);
      }
      expect_same_peaks(peaks, expected_peaks(st, r, thr, max_peaks));
      if (max_peaks == 100000 && r.r_min < 100) {
        EXPECT_GT(peaks.size(), 100u);  // the case is not vacuous
      }
      for (const HarmonicPeak& pk : peaks) {
        EXPECT_GE(pk.r_fund(), r.r_min);
        if (r.r_max > 0) {
          EXPECT_LE(pk.r_fund(), r.r_max);
        }
        EXPECT_LT(pk.j, p.size());
      }
    }
  }
}

// Spikes at the half-bins of harmonics 1..32 of r0 = 1000.5 bins (p[2001 h]), weaker with h:
// the strongest peak of stage N is at its grid point j = 2 N r0 (the only point where harmonic
// N lands on its spike), summing harmonics 1..N.
TEST(HarmonicSum, InjectedHarmonicsPeakAtTheirFundamental) {
  std::vector<float> p(80000, 0.0f);
  std::vector<float> amp(33, 0.0f);
  for (uint64_t h = 1; h <= 32; ++h) {
    amp[h] = 40.0f - static_cast<float>(h);
    p[2001 * h] = amp[h];
  }
  std::vector<float> acc;
  std::vector<HarmonicPeak> peaks;
  harmonic_sum_search(p.data(), p.size(), 32, {1.0, 0}, std::vector<float>(6, 1.0f), 1, acc, peaks);
  ASSERT_EQ(peaks.size(), 6u);
  for (int s = 0; s < 6; ++s) {
    const int n = 1 << s;
    float want = 0;
    for (int h = 1; h <= n; ++h) want += amp[static_cast<size_t>(h)];
    EXPECT_EQ(peaks[s].nharm, n);
    EXPECT_EQ(peaks[s].j, 2001u * static_cast<uint64_t>(n));
    EXPECT_DOUBLE_EQ(peaks[s].r_fund(), 1000.5);
    EXPECT_FLOAT_EQ(peaks[s].power, want);
  }
  // Excluding the fundamental from the range leaves its multiples: at stage 8, 2 r0 (summing
  // harmonics 2, 4, ..., 16 of r0) is the strongest.
  harmonic_sum_search(p.data(), p.size(), 8, {1001.0, 0}, std::vector<float>(4, 1.0f), 1, acc,
                      peaks);
  ASSERT_EQ(peaks.size(), 4u);
  EXPECT_EQ(peaks[3].j, 2u * 2001u * 8u);
  float want = 0;
  for (size_t h = 2; h <= 16; h += 2) want += amp[h];
  EXPECT_FLOAT_EQ(peaks[3].power, want);
}

// Stage 2 of spikes p[i]: S_2(j) = p[j] + p[round(j / 2)] is p[i] at j = i, 2i - 1 and 2i.
// Spikes at 1000 (5), 1003 (7), 1007 (6) give points 1000, 1003, 1007 | 1999, 2000 | 2005,
// 2006 | 2013, 2014; a run continues while points are closer than 2 N = 4.
TEST(HarmonicSum, RunsMergeWithinOneFundamentalBin) {
  std::vector<float> p(4000, 0.0f);
  p[1000] = 5;
  p[1003] = 7;
  p[1007] = 6;
  const std::vector<float> thr = {1e9f, 1.0f};
  std::vector<float> acc;
  std::vector<HarmonicPeak> peaks;
  harmonic_sum_search(p.data(), p.size(), 2, {0.5, 0}, thr, 100, acc, peaks);
  const std::vector<std::pair<uint64_t, float>> want = {
      {1003, 7.0f}, {1007, 6.0f}, {1999, 5.0f}, {2005, 7.0f}, {2013, 6.0f}};
  ASSERT_EQ(peaks.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(peaks[i].nharm, 2);
    EXPECT_EQ(peaks[i].j, want[i].first);
    EXPECT_EQ(peaks[i].power, want[i].second);
  }
  // The two strongest, still in order of j.
  harmonic_sum_search(p.data(), p.size(), 2, {0.5, 0}, thr, 2, acc, peaks);
  ASSERT_EQ(peaks.size(), 2u);
  EXPECT_EQ(peaks[0].j, 1003u);
  EXPECT_EQ(peaks[1].j, 2005u);
  // The range cuts at grid points: fundamentals [250, 500.25] are j in [1000, 2001] at stage 2.
  harmonic_sum_search(p.data(), p.size(), 2, {250.0, 500.25}, thr, 100, acc, peaks);
  ASSERT_EQ(peaks.size(), 3u);
  EXPECT_EQ(peaks[0].j, 1003u);
  EXPECT_EQ(peaks[1].j, 1007u);
  EXPECT_EQ(peaks[2].j, 1999u);
  harmonic_sum_search(p.data(), p.size(), 2, {0.5, 0}, thr, 0, acc, peaks);
  EXPECT_TRUE(peaks.empty());
}

TEST(HarmonicSum, PeaksComeInOrderOfStageThenJ) {
  const std::vector<float> p = exponential_powers(20000, 8);
  std::vector<float> acc;
  std::vector<HarmonicPeak> peaks;
  harmonic_sum_search(p.data(), p.size(), 32, {1.0, 0}, {6, 8, 12, 18, 30, 50}, 50, acc, peaks);
  ASSERT_GT(peaks.size(), 100u);
  for (size_t i = 1; i < peaks.size(); ++i) {
    const bool ordered = peaks[i - 1].nharm < peaks[i].nharm ||
                         (peaks[i - 1].nharm == peaks[i].nharm && peaks[i - 1].j < peaks[i].j);
    EXPECT_TRUE(ordered) << i;
  }
}

TEST(HarmonicSum, RejectsBadArguments) {
  const std::vector<float> p(100, 1.0f);
  std::vector<float> acc;
  std::vector<HarmonicPeak> peaks;
  EXPECT_THROW(harmonic_sum_search(p.data(), p.size(), 3, {}, std::vector<float>(6), 1, acc, peaks),
               Error);
  EXPECT_THROW(
      harmonic_sum_search(p.data(), p.size(), 64, {}, std::vector<float>(7), 1, acc, peaks), Error);
  EXPECT_THROW(
      harmonic_sum_search(p.data(), p.size(), 32, {}, std::vector<float>(5), 1, acc, peaks), Error);
  EXPECT_THROW(harmonic_sum_reference(p.data(), p.size(), 2, 100), Error);
  // An empty spectrum or an empty range is no error, just no peaks.
  harmonic_sum_search(p.data(), 0, 32, {}, std::vector<float>(6), 1, acc, peaks);
  EXPECT_TRUE(peaks.empty());
  harmonic_sum_search(p.data(), p.size(), 32, {1e6, 0}, std::vector<float>(6), 1, acc, peaks);
  EXPECT_TRUE(peaks.empty());
}

}  // namespace
}  // namespace tianyan
