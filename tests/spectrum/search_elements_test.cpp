// The CUDA search's algorithm run on the host, on every machine: the per-element functions its
// kernels call (search_elements.hpp) and the host halves of its passes (the red-noise block
// table, the scale segments, the peaks from compacted points), each against the CPU path.
// What only a GPU can check (launches, cuFFT, the radix selection's loop) is in
// tests/search_e2e/search_backend_parity_test.cpp.
#include "kernels/search/search_elements.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/search/harmonic_sum.hpp"
#include "kernels/search/harmonic_sum_detail.hpp"
#include "kernels/search/spectrum.hpp"
#include "kernels/search/spectrum_detail.hpp"
#include "tests/harmonics/harmonic_test_util.hpp"
#include "tests/spectrum/spectrum_test_util.hpp"

namespace tianyan {
namespace {

namespace se = search_elements;
using test::exponential_powers;

// Every stage's sum as the CUDA kernel computes it equals the CPU's tiled SIMD sums bit for
// bit: both add the odd harmonics in groups of four, pairwise, groups in order.
TEST(SearchElements, HarmonicStageSumsEqualTheCpuKernelsBitForBit) {
  const std::vector<float> p = exponential_powers(50001, 3);
  std::vector<std::vector<float>> st;
  harmonic_detail::harmonic_sum_stages(p.data(), p.size(), 32, 0, p.size(),
                                       harmonic_detail::Kernel::Auto, st);
  for (uint64_t j = 0; j < p.size(); ++j) {
    float sum = p[j];
    ASSERT_EQ(sum, st[0][j]);
    for (int s = 1; s < 6; ++s) {
      sum = se::harmonic_stage_add(p.data(), j, s, sum);
      ASSERT_EQ(sum, st[s][j]) << "stage " << s << " j " << j;
    }
  }
}

TEST(SearchElements, HalfBinPairIsTheCpuInterbinning) {
  const std::vector<float> x = test::gaussian_noise(4096, 1.0, 5);
  const std::vector<std::complex<float>> a = test::spectrum_of(x);
  std::vector<float> cpu(2 * a.size() - 1);
  half_bin_powers(a.data(), a.size(), cpu.data());
  for (size_t k = 0; k + 1 < a.size(); ++k) {
    float even = 0, odd = 0;
    se::half_bin_pair(a[k].real(), a[k].imag(), a[k + 1].real(), a[k + 1].imag(), &even, &odd);
    ASSERT_EQ(even, cpu[2 * k]) << k;
    ASSERT_EQ(odd, cpu[2 * k + 1]) << k;
  }
  const std::complex<float> last = a.back();
  EXPECT_EQ(se::power_of(last.real(), last.imag()), cpu.back());
}

// The whitening as the CUDA path does it: the block table, each block's exact median (the
// device selects it by radix; nth_element here), the segments, a gain per bin. Against
// normalise_spectrum: equal to the float rounding of the gain, 2e-6 relative (the CPU's
// vectorised gain may fuse a multiply and an add on CPUs with FMA; the scalar one does not).
TEST(SearchElements, SegmentedWhiteningEqualsNormaliseSpectrum) {
  for (const size_t n : {size_t{1000}, size_t{65536}, size_t{300000}}) {
    std::vector<float> x = test::gaussian_noise(n, 1.0, n);
    // Red noise and a zapped stretch (zero median blocks borrow their neighbours' scale).
    float walk = 0;
    for (float& v : x) walk = 0.995f * walk + v, v += 0.2f * walk;
    std::vector<std::complex<float>> a = test::spectrum_of(x);
    for (size_t k = a.size() / 3; k < a.size() / 3 + 400 && k < a.size(); ++k) a[k] = 0;
    const RednoiseConfig rn;
    std::vector<std::complex<float>> cpu = a;
    std::vector<float> scratch;
    normalise_spectrum(cpu.data(), cpu.size(), rn, scratch);

    const std::vector<RednoiseBlock> blocks = rednoise_blocks(a.size(), rn);
    ASSERT_FALSE(blocks.empty());
    EXPECT_EQ(blocks.front().o, 1u);
    EXPECT_EQ(blocks.back().e, a.size());
    se::SegmentMaker maker(a.size());
    std::vector<se::ScaleSegment> segs;
    se::ScaleSegment seg;
    for (const RednoiseBlock& b : blocks) {
      std::vector<float> pw;
      for (uint64_t k = b.o; k < b.e; ++k) pw.push_back(se::power_of(a[k].real(), a[k].imag()));
      const size_t rank = pw.size() / 2;
      std::nth_element(pw.begin(), pw.begin() + static_cast<std::ptrdiff_t>(rank), pw.end());
      const float median = pw[rank];
      if (maker.add(b.o, b.e, static_cast<float>(median / b.expected_median), &seg)) {
        segs.push_back(seg);
      }
    }
    ASSERT_TRUE(maker.finish(&seg));
    segs.push_back(seg);
    // Contiguous from bin 1 to the end: the kernel finds a bin's segment by binary search.
    EXPECT_EQ(segs.front().k0, 1u);
    EXPECT_EQ(segs.back().k1, a.size());
    for (size_t i = 1; i < segs.size(); ++i) ASSERT_EQ(segs[i].k0, segs[i - 1].k1);
    EXPECT_EQ(cpu[0], std::complex<float>(0));
    size_t si = 0;
    for (uint64_t k = 1; k < a.size(); ++k) {
      while (k >= segs[si].k1) ++si;
      const float g = se::segment_gain(segs[si], k);
      const std::complex<float> want = cpu[k];
      const float re = se::mul_rn(a[k].real(), g), im = se::mul_rn(a[k].imag(), g);
      ASSERT_NEAR(re, want.real(), 2e-6f * std::abs(want.real()) + 1e-30f) << n << " bin " << k;
      ASSERT_NEAR(im, want.imag(), 2e-6f * std::abs(want.imag()) + 1e-30f) << n << " bin " << k;
    }
  }
}

// The running mean from prefix sums in double (the CUDA baseline) against remove_baseline's
// streaming float-lane sums: the same window rule, at the ends too; the residual standardised
// the same way. The means round to float on both sides, and at an offset of 1000 one float ulp
// is 1.2e-4 of the unit noise: the tolerance is two of them.
TEST(SearchElements, PrefixRunningMeanMatchesRemoveBaseline) {
  for (const size_t window : {size_t{1}, size_t{2}, size_t{101}, size_t{5000}}) {
    const size_t n = 20011;
    std::vector<float> x = test::gaussian_noise(n, 1.0, window);
    for (size_t i = 0; i < n; ++i) x[i] += 1000.0f + 0.01f * static_cast<float>(i);
    std::vector<float> cpu = x;
    remove_baseline(cpu.data(), n, window);

    std::vector<double> prefix(n + 1, 0.0);
    for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + static_cast<double>(x[i]);
    const uint64_t before = (window - 1) / 2, after = window - 1 - before;
    std::vector<float> y(n);
    double sy = 0, syy = 0;
    for (size_t i = 0; i < n; ++i) {
      y[i] = x[i] - se::running_mean(prefix.data(), i, n, before, after, 1.0 / window);
      sy += y[i], syy += static_cast<double>(y[i]) * y[i];
    }
    const double m = sy / n, var = syy / n - m * m;
    if (window == 1) {  // every sample is its own mean
      EXPECT_EQ(var, 0.0);
      for (float v : cpu) ASSERT_EQ(v, 0.0f);
      continue;
    }
    const auto mf = static_cast<float>(m), inv = static_cast<float>(1.0 / std::sqrt(var));
    for (size_t i = 0; i < n; ++i) {
      ASSERT_NEAR((y[i] - mf) * inv, cpu[i], 2.5e-4f) << "window " << window << " i " << i;
    }
  }
}

// The host half of the CUDA harmonic pass: the points at or above threshold of every stage,
// in any order, give exactly harmonic_sum_search's peaks.
TEST(SearchElements, PeaksFromUnorderedPointsEqualTheCpuSearch) {
  std::vector<float> p = exponential_powers(40001, 9);
  for (uint64_t j = 3000; j < 40001; j += 3001) p[j] += 30.0f;  // a comb of harmonics
  const HarmonicSearchRange range{4.5, 8000.0};
  const std::vector<float> thr = {12.0f, 16.0f, 22.0f, 33.0f, 52.0f, 88.0f};
  for (const size_t max_peaks : {size_t{3}, size_t{100}}) {
    std::vector<float> acc;
    std::vector<HarmonicPeak> want;
    harmonic_sum_search(p.data(), p.size(), 32, range, thr, max_peaks, acc, want);
    ASSERT_GT(want.size(), 6u);

    std::vector<harmonic_detail::StageBounds> bounds;
    uint64_t j_end = 0;
    for (int s = 0; s < 6; ++s) {
      bounds.push_back(harmonic_detail::stage_bounds(s, p.size(), range));
      j_end = std::max(j_end, bounds.back().hi);
    }
    std::vector<se::HarmonicPoint> points;
    for (uint64_t j = bounds[0].lo; j < j_end; ++j) {
      float sum = p[j];
      for (int s = 0; s < 6; ++s) {
        if (s > 0) sum = se::harmonic_stage_add(p.data(), j, s, sum);
        if (j >= bounds[s].lo && j < bounds[s].hi && sum >= thr[s]) points.push_back({j, sum, s});
      }
    }
    std::shuffle(points.begin(), points.end(), std::mt19937_64(max_peaks));  // atomics' order
    std::vector<HarmonicPeak> got;
    harmonic_detail::peaks_from_points(points, 6, bounds.data(), thr.data(), max_peaks, got);
    test::expect_same_peaks(got, want);
  }
}

TEST(SearchElements, RsqrtNewtonIsCloseToOneOverSqrt) {
  for (float s : {1e-6f, 0.01f, 0.7f, 1.0f, 3.0f, 1234.5f, 1e6f}) {
    EXPECT_NEAR(se::rsqrt_newton(s) * std::sqrt(s), 1.0f, 1e-5f) << s;
  }
}

}  // namespace
}  // namespace tianyan
