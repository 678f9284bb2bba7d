#pragma once
// The per-sample arithmetic of the RFI stage, written once for the CPU row kernels
// (kernels/rfi/*_cpu.cpp), the CUDA kernels (rfi_cuda_kernels.cu) and the host test that runs
// the CUDA path's elements without a GPU (tests/rfi/rfi_cuda_elements_test.cpp).
//
// Bit-for-bit parity: every product that feeds a sum goes through mul_rn, which on the device
// is __fmul_rn (never contracted into an FMA, as nvcc would otherwise do) and on the host a
// plain product (the CPU build targets no FMA: neither the default nor the avx2 clone has it).
// Sums over channels go into kLanes partial sums (lane = channel mod kLanes) combined in lane
// order, the order of the CPU's vector kernels, so a device thread per lane adds the same
// numbers in the same order. The arithmetic templates also take the CPU's 8-float vectors.
// C++17: nvcc compiles this header.
#include <cstddef>
#include <cstdint>

#include "kernels/common/hd.hpp"

namespace tianyan::rfi_elements {

constexpr size_t kLanes = 16;
constexpr float kMadToSigma = 1.4826f;  // sigma of a Gaussian / its median absolute deviation

using hd::add_rn;
using hd::mul_rn;
// Host vectors (the CPU's v8f): lane-wise, no FMA on the targets the CPU code is built for.
template <class V>
inline V mul_rn(V a, V b) {
  return a * b;
}

// --- Moments: sums of d^k, d = x - shift, over rows of a chunk, two rows per step ---------

template <class T>
TIANYAN_HD void moment_pair(T& s1, T& s2, T& s3, T& s4, T da, T db) {
  const T da2 = mul_rn(da, da), db2 = mul_rn(db, db);
  s1 += da + db;
  s2 += da2 + db2;
  s3 += mul_rn(da2, da) + mul_rn(db2, db);
  s4 += mul_rn(da2, da2) + mul_rn(db2, db2);
}

template <class T>
TIANYAN_HD void moment_single(T& s1, T& s2, T& s3, T& s4, T da) {
  const T da2 = mul_rn(da, da);
  s1 += da;
  s2 += da2;
  s3 += mul_rn(da2, da);
  s4 += mul_rn(da2, da2);
}

// Channel c's four sums over rows [t0, t1) of a time-major block (the CPU's chunk, one channel).
TIANYAN_HD void chunk_moments(const float* block, uint64_t t0, uint64_t t1, size_t nchan,
                              size_t c, float shift, float s[4]) {
  float s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, s4 = 0.0f;
  uint64_t t = t0;
  for (; t + 1 < t1; t += 2) {
    moment_pair(s1, s2, s3, s4, block[t * nchan + c] - shift, block[(t + 1) * nchan + c] - shift);
  }
  for (; t < t1; ++t) moment_single(s1, s2, s3, s4, block[t * nchan + c] - shift);
  s[0] = s1;
  s[1] = s2;
  s[2] = s3;
  s[3] = s4;
}

// --- Robust statistics ----------------------------------------------------------------------

// The median of m >= 1 ascending values, as median_inplace defines it (the two middle values
// averaged for even m).
TIANYAN_HD float median_of_sorted(const float* v, size_t m) {
  const size_t half = m / 2;
  if (m % 2 == 1) return v[half];
  return mul_rn(0.5f, add_rn(v[half - 1], v[half]));
}

// Coarsely quantised data (few bits) can have MAD = 0 with nonzero spread: then the std.
TIANYAN_HD float robust_sigma(float mad, float std) {
  return mad > 0 ? mul_rn(kMadToSigma, mad) : std;
}

// --- Clipping: the zero-DM series in units of its noise ---------------------------------------

template <class T>
TIANYAN_HD T weighted_deviation(T x, T m, T w) {
  return mul_rn(x - m, w);
}

// Lane `lane`'s partial sum of w_c (x_c - m_c) over the kept channels of one row.
TIANYAN_HD float weighted_lane_sum(const float* x, const float* m, const float* w,
                                   const uint32_t* keep, size_t nchan, size_t lane) {
  float acc = 0.0f;
  for (size_t c = lane; c < nchan; c += kLanes) {
    acc += keep[c] ? weighted_deviation(x[c], m[c], w[c]) : 0.0f;
  }
  return acc;
}

TIANYAN_HD float combine_lanes(const float* acc) {
  float s = 0.0f;
  for (size_t l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

// --- Replacement, normalisation, zero-DM ------------------------------------------------------

template <class T>
TIANYAN_HD T normalised(T x, T centre, T scale) {
  return mul_rn(x - centre, scale);
}

// One output sample of an unclipped row: a masked cell's fill value, else the normalised (or
// copied) input.
TIANYAN_HD float clean_value(float x, float centre, float scale, float fill, bool keep,
                             bool normalise) {
  if (!keep) return fill;
  return normalise ? normalised(x, centre, scale) : x;
}

// Lane `lane`'s partial sum of the zero-DM deviations (y - zero, zero = null: 0) over the kept
// channels of one output row.
TIANYAN_HD float zero_dm_lane_sum(const float* y, const float* zero, const uint32_t* keep,
                                  size_t nchan, size_t lane) {
  float acc = 0.0f;
  for (size_t c = lane; c < nchan; c += kLanes) {
    acc += keep[c] ? (zero != nullptr ? y[c] - zero[c] : y[c]) : 0.0f;
  }
  return acc;
}

TIANYAN_HD float zero_dm_mean(float total, size_t nclean) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(total, static_cast<float>(nclean));
#else
  return total / static_cast<float>(nclean);
#endif
}

TIANYAN_HD float zero_dm_apply(float y, float mean, bool keep) { return y - (keep ? mean : 0.0f); }

// --- What one thread of the CUDA row kernels does (rfi_cuda_kernels.cu): the kLanes threads
// of row t each take the channels of their lane; the host test runs the same functions. ------

// Clipping series of a block: zsum[t] = norm x the lanes' sums combined.
struct ClipArgs {
  const float* block = nullptr;  // n x nchan, time-major
  uint64_t n = 0;
  size_t nchan = 0;
  const float* median = nullptr;
  const float* weight = nullptr;
  const uint32_t* keep = nullptr;
  float norm = 0;
  float* zsum = nullptr;
};

TIANYAN_HD float clip_lane(const ClipArgs& a, uint64_t t, size_t lane) {
  return weighted_lane_sum(a.block + t * a.nchan, a.median, a.weight, a.keep, a.nchan, lane);
}

TIANYAN_HD float clip_value(const ClipArgs& a, const float* lane_sums) {
  return mul_rn(combine_lanes(lane_sums), a.norm);
}

// The cleaned block: clipped rows take `fill`; the others are replaced, normalised and, with
// zero_dm (and nclean > 0), zero-DM filtered, as clean_rows does on the CPU.
struct CleanArgs {
  const float* in = nullptr;
  float* out = nullptr;
  uint64_t n = 0;
  size_t nchan = 0;
  const float* centre = nullptr;
  const float* scale = nullptr;
  const float* fill = nullptr;
  const uint32_t* keep = nullptr;
  const uint8_t* clipped = nullptr;  // n
  bool normalise = true;
  bool zero_dm = false;
  size_t nclean = 0;
};

// Step 1 of row t: lane `lane`'s output samples before zero-DM.
TIANYAN_HD void clean_lane(const CleanArgs& a, uint64_t t, size_t lane) {
  const float* x = a.in + t * a.nchan;
  float* y = a.out + t * a.nchan;
  const bool clipped = a.clipped[t] != 0;
  for (size_t c = lane; c < a.nchan; c += kLanes) {
    y[c] = clipped ? a.fill[c]
                   : clean_value(x[c], a.centre[c], a.scale[c], a.fill[c], a.keep[c] != 0,
                                 a.normalise);
  }
}

// Whether row t is zero-DM filtered (a clipped sample is left out of the filter).
TIANYAN_HD bool zero_dm_row(const CleanArgs& a, uint64_t t) {
  return a.zero_dm && a.nclean > 0 && a.clipped[t] == 0;
}

// Step 2: lane `lane`'s sum of the deviations its step 1 wrote (zero-DM rows only).
TIANYAN_HD float zero_dm_lane(const CleanArgs& a, uint64_t t, size_t lane) {
  return zero_dm_lane_sum(a.out + t * a.nchan, a.normalise ? nullptr : a.centre, a.keep, a.nchan,
                          lane);
}

// Step 3: the lanes' sums combined into the row's mean deviation, removed from lane `lane`.
TIANYAN_HD void zero_dm_lane_apply(const CleanArgs& a, uint64_t t, size_t lane,
                                   const float* lane_sums) {
  const float mean = zero_dm_mean(combine_lanes(lane_sums), a.nclean);
  float* y = a.out + t * a.nchan;
  for (size_t c = lane; c < a.nchan; c += kLanes) y[c] = zero_dm_apply(y[c], mean, a.keep[c] != 0);
}

}  // namespace tianyan::rfi_elements
