#pragma once
// Launchers of the CUDA periodicity-search kernels (period_search_cuda_kernels.cu) for a batch
// of `nser` series of one geometry, laid out one after another with fixed strides. The host
// class (period_search_cuda.cpp) owns the memory. C++17: nvcc compiles this header.
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/search/search_elements.hpp"

namespace tianyan::search_cuda {

// Samples per chunk of the baseline's prefix sums (one thread block each).
constexpr uint64_t kChunk = 1024;

inline uint64_t chunks_of(uint64_t nsamp) { return (nsamp + kChunk - 1) / kChunk; }

struct BaselineArgs {
  float* x = nullptr;          // [nser][x_stride]: the series in, the standardised series out,
                               // zero-padded from nsamp to nfft
  uint64_t x_stride = 0;       // >= nfft
  uint64_t nsamp = 0, nfft = 0;
  uint64_t before = 0, after = 0;  // sample i's window is [i - before, i + after], clipped
  double* prefix = nullptr;    // [nser][nsamp + 1] scratch
  double* chunk = nullptr;     // [nser][3 chunks_of(nsamp)] scratch
  float* mean_scale = nullptr; // [nser][2] scratch: mean and 1 / sd of the residual (0: zero)
  int nser = 0;
};

// remove_baseline (spectrum.hpp) of every series: the running mean, from prefix sums in double,
// rounded to float and subtracted; then the residual standardised (a constant series gives
// zeros). Agrees with the CPU's to float rounding of the mean (the CPU sums in float lanes
// about a local reference; docs/cuda.md).
void remove_baseline(const BaselineArgs& a, cudaStream_t stream);

struct WhitenArgs {
  float* spec = nullptr;          // [nser][spec_stride] interleaved re, im: nbins bins
  uint64_t spec_stride = 0;       // floats, >= 2 nbins
  uint64_t nbins = 0;
  const uint64_t* block_lo = nullptr;  // [nblocks] red-noise blocks [lo, hi) (spectrum_detail.hpp)
  const uint64_t* block_hi = nullptr;
  const double* expected = nullptr;    // [nblocks] expected median of each block
  int nblocks = 0;
  float* scale = nullptr;              // [nser][nblocks] scratch
  search_elements::ScaleSegment* segs = nullptr;  // [nser][nblocks + 1] scratch
  uint32_t* nsegs = nullptr;           // [nser] scratch
  const uint64_t* zap_lo = nullptr;    // [nzaps] zapped bins [lo, hi], sorted, disjoint
  const uint64_t* zap_hi = nullptr;
  int nzaps = 0;
  int nser = 0;
};

// normalise_spectrum then zap_bins (spectrum.hpp): each block's exact median power (radix
// selection on the powers' bit patterns, which order as the floats do for powers >= 0), the
// segments of the interpolated scale (search_elements::SegmentMaker, one thread per series),
// then every bin scaled and the zapped bins set to 0.
void whiten(const WhitenArgs& a, cudaStream_t stream);

// p[2k], p[2k+1] of half_bin_powers (spectrum.hpp) for every series: p [nser][p_stride].
void half_bin_powers(const float* spec, uint64_t spec_stride, uint64_t nbins, float* p,
                     uint64_t p_stride, int nser, cudaStream_t stream);

using search_elements::HarmonicPoint;

constexpr int kMaxStages = 6;

// resample_accel (kernels/accel/accel_plan.hpp) of every series: xa[k] = x[source(k)] for
// k < nsamp (accel_elements::source_sample, e = a tsamp / 2c, m = (nsamp - 1) / 2) and 0 up to
// nfft; x and xa [nser][stride].
void resample_accel(const float* x, float* xa, uint64_t stride, uint64_t nsamp, uint64_t nfft,
                    double e, double m, int nser, cudaStream_t stream);

struct HarmonicArgs {
  const float* p = nullptr;  // [nser][p_stride], np points each
  uint64_t p_stride = 0;
  uint64_t np = 0;
  int nstages = 1;                      // log2(max_harm) + 1
  uint64_t lo[kMaxStages] = {};         // stage s scans grid points [lo[s], hi[s])
  uint64_t hi[kMaxStages] = {};
  float threshold[kMaxStages] = {};
  uint64_t j_begin = 0, j_end = 0;      // lo[0] and the largest hi
  HarmonicPoint* points = nullptr;      // [nser][capacity]
  uint32_t capacity = 0;
  uint32_t* count = nullptr;            // [nser]: points found (may exceed capacity: rerun)
  int nser = 0;
};

// Every stage's sum at every grid point (search_elements::harmonic_stage_add, the CPU's order),
// the points at or above threshold appended, unordered, to their series' list. `count` must be
// zero before the launch.
void harmonic_points(const HarmonicArgs& a, cudaStream_t stream);

}  // namespace tianyan::search_cuda
