// Per-(channel, block) statistics: mean, std and excess kurtosis from one row-major pass of
// double sums over all samples, then median and MAD from a strided subsample of the rows.
//
// Why this shape: the data are time-major (channel fastest), so per-channel sums over rows are
// naturally vectorised across channels and read memory contiguously; only the selection for the
// median needs contiguous columns, and it sees the subsample alone (a quarter of the rows of a
// 16384-sample block), so the strided transpose touches a quarter of the block.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "kernels/rfi/rfi_cpu.hpp"
#include "kernels/rfi/rfi_elements.hpp"

namespace tianyan::rfi_detail {

namespace {

constexpr uint64_t kColumnPad = 16;     // floats: one cache line between subsample columns
constexpr uint64_t kGatherAhead = 8;    // subsample rows prefetched ahead in the gather

// Sets s1..s4 (nchan each) to sum_t (x - shift)^k, k = 1..4, over rows [t0, t1), at most
// kMomentRows of them. Float sums of d = x - shift (of the order of the std) over 1024 rows
// err by parts in 10^6 (at most ~1e-4), far below the statistical error of a cell's moments
// (the kurtosis' is 0.04 on 16384 samples), and need half the vector work of double sums; the
// chunks are combined in double. Rows go in pairs, so that each
// accumulator is loaded and stored once per two rows; the order of the additions is fixed, so
// every clone and thread count gives the same sums.
[[gnu::target_clones("avx2", "default")]] void chunk_moment_sums(
    const float* __restrict block, uint64_t t0, uint64_t t1, size_t nchan,
    const float* __restrict shift, float* __restrict s1, float* __restrict s2, float* __restrict s3,
    float* __restrict s4) {
  std::fill(s1, s1 + nchan, 0.0f);
  std::fill(s2, s2 + nchan, 0.0f);
  std::fill(s3, s3 + nchan, 0.0f);
  std::fill(s4, s4 + nchan, 0.0f);
  uint64_t t = t0;
  for (; t + 1 < t1; t += 2) {
    const float* a = block + t * nchan;
    const float* b = a + nchan;
    for (size_t c = 0; c < nchan; ++c) {
      rfi_elements::moment_pair(s1[c], s2[c], s3[c], s4[c], a[c] - shift[c], b[c] - shift[c]);
    }
  }
  for (; t < t1; ++t) {
    const float* a = block + t * nchan;
    for (size_t c = 0; c < nchan; ++c) {
      rfi_elements::moment_single(s1[c], s2[c], s3[c], s4[c], a[c] - shift[c]);
    }
  }
}

// Median and MAD of channels [c0, c0 + w) over the subsample rows, via columns in `cols`. The
// mean +- std brackets the median and [0, 2 std] the MAD (both hold for the full block's
// samples; the subsample's rarely strays, and then selection falls back to nth_element).
void robust_tile(const float* block, uint64_t n, size_t nchan, size_t c0, size_t w, float* cols,
                 SelectWorkspace& sel, CellStats& s) {
  const uint64_t stride = robust_stride(n);
  const uint64_t m = robust_count(n);
  // Columns lie kColumnPad floats more than m apart: at a power-of-two pitch every column's
  // store stream maps to the same L1 cache set (the whole stage took 325 instead of 221 ms per
  // benchmark gulp, bench/rfi_bench.cpp, before the prefetch below).
  const uint64_t pitch = m + kColumnPad;
  for (uint64_t i = 0; i < m; ++i) {
    const float* row = block + i * stride * nchan + c0;
    // The sampled rows are pages apart, beyond the hardware prefetcher: fetch ahead by hand.
    if (i + kGatherAhead < m) {
      const float* ahead = row + kGatherAhead * stride * nchan;
      for (size_t j = 0; j < w; j += 16) __builtin_prefetch(ahead + j);
    }
    for (size_t j = 0; j < w; ++j) cols[j * pitch + i] = row[j];
  }
  for (size_t j = 0; j < w; ++j) {
    const size_t c = c0 + j;
    float* col = cols + j * pitch;
    const float med = median_bracketed(col, m, s.mean[c] - s.std[c], s.mean[c] + s.std[c], sel);
    for (uint64_t i = 0; i < m; ++i) col[i] = std::abs(col[i] - med);
    const float mad = median_bracketed(col, m, 0.0f, 2.0f * s.std[c], sel);
    s.median[c] = med;
    s.sigma[c] = rfi_elements::robust_sigma(mad, s.std[c]);
  }
}

}  // namespace

// Central moments of channel c from the sums about its shift: a rough centre (see
// compute_cell_stats) keeps the raw-to-central conversion of the double sums precise.
void finish_moments(const double* sums, uint64_t n, size_t c, float shift, CellStats& s) {
  const double inv = 1.0 / static_cast<double>(n);
  const double a = sums[0] * inv;  // mean - shift
  const double p2 = sums[1] * inv;
  const double p3 = sums[2] * inv;
  const double p4 = sums[3] * inv;
  const double var = std::max(0.0, p2 - a * a);
  const double m4 = p4 - 4.0 * a * p3 + 6.0 * a * a * p2 - 3.0 * a * a * a * a;
  s.mean[c] = static_cast<float>(static_cast<double>(shift) + a);
  s.std[c] = static_cast<float>(std::sqrt(var));
  // Plain excess kurtosis of the cell's samples: the file holds scaled, offset and often
  // requantised sums of many spectra, so the Nita & Gary (2010) SK estimator, which needs the
  // raw accumulated powers and their count M, does not apply; for the sum of many spectra both
  // measure the same departure from Gaussian statistics.
  s.kurtosis[c] = var > 0 ? static_cast<float>(m4 / (var * var) - 3.0) : 0.0f;
}

// A rough centre of channel c: the median of 5 samples spread over the block (robust to one
// outlier, such as a burst in the first sample).
void combine_moments(const float* partials, uint64_t nchunks, size_t nchan, size_t c,
                     uint64_t n, float shift, CellStats& s) {
  double sums[4] = {0, 0, 0, 0};
  for (uint64_t k = 0; k < nchunks; ++k) {
    const float* p = partials + k * 4 * nchan;
    for (size_t q = 0; q < 4; ++q) sums[q] += static_cast<double>(p[q * nchan + c]);
  }
  finish_moments(sums, n, c, shift, s);
}

float rough_centre(const float* block, uint64_t n, size_t nchan, size_t c) {
  float v[5];
  for (uint64_t k = 0; k < 5; ++k) v[k] = block[(k * (n - 1) / 4) * nchan + c];
  std::nth_element(v, v + 2, v + 5);
  return v[2];
}

void StatsWorkspace::resize(size_t nchan, uint64_t block, int threads) {
  column_capacity = std::min<uint64_t>(block, 2 * kRobustSamples);
  columns.assign(static_cast<size_t>(threads) * kStatsTile * (column_capacity + kColumnPad), 0.0f);
  const uint64_t chunks = (block + kMomentRows - 1) / kMomentRows;
  partials.assign(chunks * 4 * nchan, 0.0f);
  shift.assign(nchan, 0.0f);
  select.resize(static_cast<size_t>(threads));
  for (SelectWorkspace& s : select) s.resize(column_capacity);
}

size_t StatsWorkspace::bytes() const {
  size_t b = (columns.size() + partials.size() + shift.size()) * sizeof(float);
  for (const SelectWorkspace& s : select) {
    b += s.hist.size() * sizeof(uint32_t) + s.bins.size() * 2 + s.buf.size() * sizeof(float);
  }
  return b;
}

void compute_cell_stats(const float* block, uint64_t n, size_t nchan, int threads,
                        StatsWorkspace& ws, CellStats& stats) {
  const auto ntiles = static_cast<ptrdiff_t>((nchan + kStatsTile - 1) / kStatsTile);
  const auto nchunks = static_cast<ptrdiff_t>((n + kMomentRows - 1) / kMomentRows);
  const auto nc = static_cast<ptrdiff_t>(nchan);
  float* partials = ws.partials.data();
  float* shift = ws.shift.data();
  // One parallel region; its implicit barriers order the steps: shifts, chunk sums, their
  // combination (in chunk order), then the robust statistics, bracketed by the moments. The
  // heavy loops are scheduled dynamically: each item's result does not depend on which thread
  // computes it, and on shared cores a descheduled thread then delays the block less.
#pragma omp parallel num_threads(threads)
  {
    const auto me = static_cast<size_t>(omp_get_thread_num());
#pragma omp for schedule(static)
    for (ptrdiff_t c = 0; c < nc; ++c)
      shift[c] = rough_centre(block, n, nchan, static_cast<size_t>(c));
#pragma omp for schedule(dynamic)
    for (ptrdiff_t k = 0; k < nchunks; ++k) {
      float* s = partials + static_cast<size_t>(k) * 4 * nchan;
      const uint64_t t0 = static_cast<uint64_t>(k) * kMomentRows;
      chunk_moment_sums(block, t0, std::min(n, t0 + kMomentRows), nchan, shift, s, s + nchan,
                        s + 2 * nchan, s + 3 * nchan);
    }
#pragma omp for schedule(static)
    for (ptrdiff_t c = 0; c < nc; ++c) {
      combine_moments(partials, static_cast<uint64_t>(nchunks), nchan, static_cast<size_t>(c), n,
                      shift[c], stats);
    }
    float* cols = ws.columns.data() + me * kStatsTile * (ws.column_capacity + kColumnPad);
#pragma omp for schedule(dynamic)
    for (ptrdiff_t tile = 0; tile < ntiles; ++tile) {
      const size_t c0 = static_cast<size_t>(tile) * kStatsTile;
      robust_tile(block, n, nchan, c0, std::min(kStatsTile, nchan - c0), cols, ws.select[me],
                  stats);
    }
  }
}

}  // namespace tianyan::rfi_detail
