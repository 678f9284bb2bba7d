#pragma once
// The per-element arithmetic of the periodicity search, written once for the CPU path
// (spectrum.cpp, harmonic_sum*.cpp) and the CUDA kernels (period_search_cuda_kernels.cu):
// powers, interbinned powers, the harmonic-bin mapping and the order its sums are added in,
// and the red-noise scale of a bin. C++17 and no standard-library containers: nvcc compiles it.
//
// Products and sums are written with mul_rn/add_rn where the CPU's result must be matched bit
// for bit: nvcc contracts a * b + c into one fused multiply-add by default, which rounds once
// instead of twice.
#include <cstdint>
#include <cstring>

#include "kernels/common/hd.hpp"

namespace tianyan::search_elements {

using hd::add_rn;
using hd::mul_rn;

// |a|^2 of one Fourier bin, as block_median and the half-bin grid compute it.
TIANYAN_HD float power_of(float re, float im) { return add_rn(mul_rn(re, re), mul_rn(im, im)); }

// The half-bin grid at bin k (spectrum.hpp, half_bin_powers): p[2k] = |a_k|^2 and
// p[2k+1] = (pi^2/16) |a_k - a_k+1|^2 / (pi^2/8) = |a_k - a_k+1|^2 / 2.
TIANYAN_HD void half_bin_pair(float re0, float im0, float re1, float im1, float* p_even,
                              float* p_odd) {
  const float dr = re0 - re1, di = im0 - im1;
  *p_even = power_of(re0, im0);
  *p_odd = mul_rn(0.5f, power_of(dr, di));
}

// round(h j / N) with ties upward: the half-bin index of harmonic h (of N) at grid point j.
TIANYAN_HD constexpr uint64_t harmonic_half_bin(uint64_t j, uint32_t h, uint32_t n) {
  return (2 * static_cast<uint64_t>(h) * j + n) / (2 * static_cast<uint64_t>(n));
}

// What stage s (N = 2^s, s >= 1) adds to S_{N/2}(j) to make S_N(j): the odd harmonics
// h = 2k + 1 in groups of four (k = 4g .. 4g + 3), each group summed pairwise as
// (x0 + x1) + (x2 + x3), the groups added in increasing g; harmonic_sum_kernels.cpp adds in
// the same order, so that every kernel gives the same bits.
TIANYAN_HD float harmonic_stage_add(const float* p, uint64_t j, int s, float sum) {
  const auto n = static_cast<uint32_t>(1u << s);
  const uint32_t nodd = n / 2;
  for (uint32_t g = 0; g < nodd; g += 4) {
    const uint32_t gn = nodd - g < 4 ? nodd - g : 4;
    float x[4];
    for (uint32_t u = 0; u < gn; ++u) x[u] = p[harmonic_half_bin(j, 2 * (g + u) + 1, n)];
    float group = x[0];
    if (gn == 2) group = add_rn(x[0], x[1]);
    if (gn == 4) group = add_rn(add_rn(x[0], x[1]), add_rn(x[2], x[3]));
    sum = add_rn(sum, group);
  }
  return sum;
}

// A grid point of stage `stage` (N = 2^stage) whose sum S_N(j) is at or above the stage's
// threshold: what the CUDA harmonic kernel leaves for the host's peak finder.
struct HarmonicPoint {
  uint64_t j = 0;
  float power = 0;
  int32_t stage = 0;
};

// The running mean of remove_baseline at sample i of n, from prefix[k] = the sum of the first
// k samples (in double): the window [i - before, i + after] clipped to the series, divided by
// the window (a full one, 1 / window precomputed as the CPU does) or by its clipped length.
// Rounded to float before it is subtracted, so that a constant series gives exact zeros.
TIANYAN_HD float running_mean(const double* prefix, uint64_t i, uint64_t n, uint64_t before,
                              uint64_t after, double inv_window) {
  const uint64_t lo = i > before ? i - before : 0;
  const uint64_t hi = i + after + 1 < n ? i + after + 1 : n;
  const uint64_t count = hi - lo;
  const double scale =
      count == before + after + 1 ? inv_window : 1.0 / static_cast<double>(count);
  return static_cast<float>((prefix[hi] - prefix[lo]) * scale);
}

// 1 / sqrt(s): a bit-level first guess and two Newton steps (5e-6 relative; the red-noise
// scale itself is uncertain by ~10%), as the CPU's vectorised loop computes it.
TIANYAN_HD float rsqrt_newton(float s) {
  int32_t i;
  std::memcpy(&i, &s, sizeof(i));
  i = 0x5f375a86 - (i >> 1);
  float g;
  std::memcpy(&g, &i, sizeof(g));
  g = mul_rn(g, add_rn(1.5f, -mul_rn(mul_rn(mul_rn(0.5f, s), g), g)));
  return mul_rn(g, add_rn(1.5f, -mul_rn(mul_rn(mul_rn(0.5f, s), g), g)));
}

// Bins [k0, k1) of the whitened spectrum are multiplied by rsqrt_newton(start + slope (k - k0)):
// the red-noise scale interpolated linearly between two blocks' centres.
struct ScaleSegment {
  uint64_t k0 = 0, k1 = 0;
  float start = 0, slope = 0;
};

TIANYAN_HD float segment_gain(const ScaleSegment& seg, uint64_t k) {
  const float s = add_rn(seg.start, mul_rn(seg.slope, static_cast<float>(k - seg.k0)));
  return rsqrt_newton(s);
}

// The segment of bins [k0, k1) between block centres (c0, s0) and (c1, s1).
TIANYAN_HD ScaleSegment make_segment(uint64_t k0, uint64_t k1, double c0, double s0, double c1,
                                     double s1) {
  const double slope = c1 > c0 ? (s1 - s0) / (c1 - c0) : 0.0;
  const double start = s0 + slope * (static_cast<double>(k0) - c0);
  return ScaleSegment{k0, k1, static_cast<float>(start), static_cast<float>(slope)};
}

// The whitening's second pass as a sequence of segments, fed one red-noise block at a time
// (its bins [o, e) and scale s, median / expected median): the bins up to each block's
// centre are interpolated from the previous block's. Blocks whose scale is not positive and
// finite (zapped, padding) borrow the previous good one's; bins before the first good block
// take its scale. add() and finish() return whether *out holds a segment to apply.
class SegmentMaker {
 public:
  TIANYAN_HD explicit SegmentMaker(uint64_t nbins) : nbins_(nbins) {}

  TIANYAN_HD bool add(uint64_t o, uint64_t e, float s, ScaleSegment* out) {
    const double c = 0.5 * static_cast<double>(o + e - 1);
    const auto k_end = static_cast<uint64_t>(c) + 1;  // bins <= c (c >= 0: floor)
    const bool good = s > 0 && s <= 3.402823466e38f;  // positive, finite, not NaN
    if (!have_) {
      if (!good) return false;
      *out = make_segment(k_, k_end, c, s, c, s);
      have_ = true;
    } else {
      if (!good) s = static_cast<float>(s_prev_);
      *out = make_segment(k_, k_end, c_prev_, s_prev_, c, s);
    }
    k_ = k_end;
    c_prev_ = c;
    s_prev_ = s;
    return true;
  }

  // The bins after the last centre, at its scale; false when no block had a scale (an
  // all-zero spectrum, which stays all zero).
  TIANYAN_HD bool finish(ScaleSegment* out) const {
    if (!have_) return false;
    *out = make_segment(k_, nbins_, c_prev_, s_prev_, c_prev_, s_prev_);
    return true;
  }

 private:
  uint64_t nbins_;
  uint64_t k_ = 1;  // the next bin to scale (bin 0, the mean, is set to 0)
  bool have_ = false;
  double c_prev_ = 0, s_prev_ = 0;
};

}  // namespace tianyan::search_elements
