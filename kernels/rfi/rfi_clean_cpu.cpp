// Clipping of broadband bursts, replacement of masked samples, per-channel normalisation and
// the zero-DM filter (Eatough, Keane & Lyne 2009, MNRAS 395, 410).
#include <algorithm>
#include <cmath>
#include <cstddef>

// First, alone: its -Wpsabi pragma must precede the element templates instantiated with vectors.
#include "kernels/rfi/rfi_simd_cpu.hpp"

#include "kernels/rfi/rfi_cpu.hpp"
#include "kernels/rfi/rfi_elements.hpp"

namespace tianyan::rfi_detail {

namespace {

// Sums over channels go into kLanes partial sums (lane = channel mod kLanes), combined in a
// fixed order: the compiler can vectorise them (a single running sum is a serial chain it may
// not reorder), and every clone, thread count and the CUDA kernels add in the same order.
using rfi_elements::kLanes;

// Rows per task of the row loops, scheduled dynamically (a row's result does not depend on the
// thread, and on shared cores a descheduled thread then delays the block less).
constexpr int kRowsPerTask = 256;

float combine(const float* acc) { return rfi_elements::combine_lanes(acc); }

// Lanes of two vectors into acc[0..kLanes).
void spill(v8f a0, v8f a1, float* acc) {
  store8(acc, a0);
  store8(acc + 8, a1);
}

// sum_c w_c (x_c - m_c) over the channels with keep_c set (a select, so that NaN or inf in
// masked channels cannot leak into the sum).
TIANYAN_RFI_CLONES float weighted_row_sum(const float* __restrict x, const float* __restrict m,
                                          const float* __restrict w,
                                          const uint32_t* __restrict keep, size_t nchan) {
  v8f a0 = {}, a1 = {};
  size_t c = 0;
  for (; c + kLanes <= nchan; c += kLanes) {
    using rfi_elements::weighted_deviation;
    a0 += select8(load8(keep + c), weighted_deviation(load8(x + c), load8(m + c), load8(w + c)),
                  v8f{});
    a1 += select8(load8(keep + c + 8),
                  weighted_deviation(load8(x + c + 8), load8(m + c + 8), load8(w + c + 8)),
                  v8f{});
  }
  float acc[kLanes];
  spill(a0, a1, acc);
  for (size_t l = 0; c < nchan; ++c, ++l) {
    acc[l] += keep[c] ? rfi_elements::weighted_deviation(x[c], m[c], w[c]) : 0.0f;
  }
  return combine(acc);
}

}  // namespace

void ClipWorkspace::resize(size_t nchan, uint64_t block) {
  zsum.assign(block, 0.0f);
  sorted.assign(block, 0.0f);
  weight.assign(nchan, 0.0f);
  keep.assign(nchan, 0u);
  clipped.assign(block, 0);
}

size_t clip_weights(const CellStats& stats, const uint8_t* cells, uint64_t n, ClipWorkspace& ws) {
  const size_t nchan = stats.median.size();
  std::fill(ws.clipped.begin(), ws.clipped.begin() + static_cast<ptrdiff_t>(n), uint8_t{0});
  size_t nclean = 0;
  for (size_t c = 0; c < nchan; ++c) {
    const bool clean = cells[c] == 0 && stats.sigma[c] > 0;
    ws.weight[c] = clean ? 1.0f / stats.sigma[c] : 0.0f;
    ws.keep[c] = clean ? kKeep : 0u;
    nclean += clean;
  }
  return nclean;
}

float clip_norm(size_t nclean) { return 1.0f / std::sqrt(static_cast<float>(nclean)); }

void clip_series_cpu(const float* block, uint64_t n, const CellStats& stats, float norm,
                     int threads, ClipWorkspace& ws) {
  const size_t nchan = stats.median.size();
  const float* med = stats.median.data();
  const float* w = ws.weight.data();
  float* zsum = ws.zsum.data();
  // The zero-DM series in units of its noise: sum over clean channels of the normalised
  // samples / sqrt(channels). Each row is summed by one thread, so the sums do not depend on
  // the thread count.
#pragma omp parallel for num_threads(threads) schedule(dynamic, kRowsPerTask)
  for (ptrdiff_t t = 0; t < static_cast<ptrdiff_t>(n); ++t) {
    zsum[t] =
        weighted_row_sum(block + static_cast<size_t>(t) * nchan, med, w, ws.keep.data(), nchan) *
        norm;
  }
}

std::vector<uint32_t> clip_decide(const RfiClipConfig& config, uint64_t n, ClipWorkspace& ws) {
  const float* zsum = ws.zsum.data();
  // Robust centre and spread over the block: slow broadband drifts (the noise diode) widen the
  // spread instead of being clipped.
  float* sorted = ws.sorted.data();
  std::copy(zsum, zsum + n, sorted);
  const float centre = median_inplace(sorted, n);
  for (uint64_t t = 0; t < n; ++t) sorted[t] = std::abs(zsum[t] - centre);
  const float spread = 1.4826f * median_inplace(sorted, n);
  std::vector<uint32_t> offsets;
  if (!(spread > 0)) return offsets;
  const auto limit = static_cast<float>(config.threshold) * spread;
  for (uint64_t t = 0; t < n; ++t) {
    if (!(std::abs(zsum[t] - centre) <= limit)) {
      ws.clipped[t] = 1;
      offsets.push_back(static_cast<uint32_t>(t));
    }
  }
  return offsets;
}

void make_row_params(const CellStats& stats, const ChannelHistory& history, const uint8_t* cells,
                     bool normalise, RowParams& params) {
  const size_t nchan = stats.median.size();
  for (size_t c = 0; c < nchan; ++c) {
    params.masked[c] = cells[c] != 0;
    params.keep[c] = cells[c] != 0 ? 0u : kKeep;
    float replace = stats.median[c];
    float scale = stats.sigma[c];
    float mean = 0, std = 0, median = 0, sigma = 0;
    // A masked cell's own median is the RFI's level: use the channel's recent clean blocks.
    if (cells[c] != 0 && history.reference(c, &mean, &std, &median, &sigma)) {
      replace = median;
      scale = sigma;
    }
    if (!std::isfinite(replace)) replace = 0.0f;
    params.replace[c] = replace;
    // Masked cells are centred on their replacement value, so they normalise to exactly 0.
    params.centre[c] = cells[c] != 0 ? replace : stats.median[c];
    params.scale[c] = std::isfinite(scale) && scale > 0 ? 1.0f / scale : 0.0f;
    params.fill[c] = normalise ? (replace - params.centre[c]) * params.scale[c] : replace;
  }
}

namespace {

// One output row: masked cells take their fill value, the others are normalised (or copied).
TIANYAN_RFI_CLONES void clean_row(const float* __restrict x, float* __restrict y, size_t nchan,
                                  const RowParams& p, bool normalise) {
  const float* __restrict fill = p.fill.data();
  const float* __restrict centre = p.centre.data();
  const float* __restrict scale = p.scale.data();
  const uint32_t* __restrict keep = p.keep.data();
  size_t c = 0;
  if (normalise) {
    for (; c + 8 <= nchan; c += 8) {
      const v8f v = rfi_elements::normalised(load8(x + c), load8(centre + c), load8(scale + c));
      store8(y + c, select8(load8(keep + c), v, load8(fill + c)));
    }
  } else {
    for (; c + 8 <= nchan; c += 8) {
      store8(y + c, select8(load8(keep + c), load8(x + c), load8(fill + c)));
    }
  }
  for (; c < nchan; ++c) {
    y[c] = rfi_elements::clean_value(x[c], centre[c], scale[c], fill[c], keep[c] != 0, normalise);
  }
}

// Zero-DM of one output row: subtracts the mean of (y - zero) over the kept channels from them
// (zero = null: 0).
TIANYAN_RFI_CLONES void zero_dm_row(float* __restrict y, size_t nchan,
                                    const uint32_t* __restrict keep, const float* __restrict zero,
                                    size_t nclean) {
  v8f a0 = {}, a1 = {};
  size_t c = 0;
  for (; c + kLanes <= nchan; c += kLanes) {
    const v8f d0 = zero ? load8(y + c) - load8(zero + c) : load8(y + c);
    const v8f d1 = zero ? load8(y + c + 8) - load8(zero + c + 8) : load8(y + c + 8);
    a0 += select8(load8(keep + c), d0, v8f{});
    a1 += select8(load8(keep + c + 8), d1, v8f{});
  }
  float acc[kLanes];
  spill(a0, a1, acc);
  for (size_t l = 0; c < nchan; ++c, ++l) {
    acc[l] += keep[c] ? (zero ? y[c] - zero[c] : y[c]) : 0.0f;
  }
  const float mean = rfi_elements::zero_dm_mean(combine(acc), nclean);
  const v8f vmean = v8f{} + mean;
  for (c = 0; c + 8 <= nchan; c += 8) {
    store8(y + c, load8(y + c) - select8(load8(keep + c), vmean, v8f{}));
  }
  for (; c < nchan; ++c) y[c] = rfi_elements::zero_dm_apply(y[c], mean, keep[c] != 0);
}

}  // namespace

void clean_rows(const RfiConfig& config, const float* in, float* out, uint64_t n, size_t nchan,
                const RowParams& params, const uint8_t* clipped, int threads) {
  const bool normalise = config.normalise.enabled;
  const bool zero_dm = config.zero_dm.enabled;
  const uint8_t* masked = params.masked.data();
  size_t nclean = 0;
  for (size_t c = 0; c < nchan; ++c) nclean += masked[c] == 0;
  // Zero-DM sums deviations in the output's units: about 0 when normalised, else the centre.
  const float* zero = normalise ? nullptr : params.centre.data();
#pragma omp parallel for num_threads(threads) schedule(dynamic, kRowsPerTask)
  for (ptrdiff_t t = 0; t < static_cast<ptrdiff_t>(n); ++t) {
    const float* x = in + static_cast<size_t>(t) * nchan;
    float* y = out + static_cast<size_t>(t) * nchan;
    if (clipped[t] != 0) {
      // A clipped sample is replaced in every channel (and left out of the zero-DM filter).
      std::copy(params.fill.begin(), params.fill.end(), y);
      continue;
    }
    clean_row(x, y, nchan, params, normalise);
    // Zero-DM: remove the sample's mean deviation over the clean channels, the signature of
    // undispersed broadband interference.
    if (zero_dm && nclean > 0) zero_dm_row(y, nchan, params.keep.data(), zero, nclean);
  }
}

}  // namespace tianyan::rfi_detail
