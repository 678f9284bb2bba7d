// Clipping of broadband bursts, replacement of masked samples, per-channel normalisation and
// the zero-DM filter (Eatough, Keane & Lyne 2009, MNRAS 395, 410).
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "kernels/rfi/rfi_cpu.hpp"

namespace tianyan::rfi_detail {

std::vector<uint32_t> clip_samples(const RfiClipConfig& config, const float* block, uint64_t n,
                                   const CellStats& stats, const uint8_t* cells, int threads,
                                   std::vector<float>& zsum, std::vector<float>& sorted,
                                   std::vector<uint8_t>& clipped) {
  const size_t nchan = stats.median.size();
  std::fill(clipped.begin(), clipped.begin() + static_cast<ptrdiff_t>(n), uint8_t{0});
  size_t nclean = 0;
  for (size_t c = 0; c < nchan; ++c) nclean += cells[c] == 0 && stats.sigma[c] > 0;
  if (nclean == 0 || n < 2) return {};
  const float norm = 1.0f / std::sqrt(static_cast<float>(nclean));
  const float* med = stats.median.data();
  const float* sig = stats.sigma.data();
  // The zero-DM series in units of its noise: sum over clean channels of the normalised
  // samples / sqrt(channels). Each row is summed in channel order by one thread, so the sums
  // do not depend on the thread count.
#pragma omp parallel for num_threads(threads) schedule(static)
  for (ptrdiff_t t = 0; t < static_cast<ptrdiff_t>(n); ++t) {
    const float* row = block + static_cast<size_t>(t) * nchan;
    float s = 0;
    for (size_t c = 0; c < nchan; ++c) {
      if (cells[c] == 0 && sig[c] > 0) s += (row[c] - med[c]) / sig[c];
    }
    zsum[t] = s * norm;
  }
  // Robust centre and spread over the block: slow broadband drifts (the noise diode) widen the
  // spread instead of being clipped.
  std::copy(zsum.begin(), zsum.begin() + static_cast<ptrdiff_t>(n), sorted.begin());
  const float centre = median_inplace(sorted.data(), n);
  for (uint64_t t = 0; t < n; ++t) sorted[t] = std::abs(zsum[t] - centre);
  const float spread = 1.4826f * median_inplace(sorted.data(), n);
  std::vector<uint32_t> offsets;
  if (!(spread > 0)) return offsets;
  const auto limit = static_cast<float>(config.threshold) * spread;
  for (uint64_t t = 0; t < n; ++t) {
    if (!(std::abs(zsum[t] - centre) <= limit)) {
      clipped[t] = 1;
      offsets.push_back(static_cast<uint32_t>(t));
    }
  }
  return offsets;
}

void make_row_params(const CellStats& stats, const ChannelHistory& history, const uint8_t* cells,
                     RowParams& params) {
  const size_t nchan = stats.median.size();
  for (size_t c = 0; c < nchan; ++c) {
    params.masked[c] = cells[c] != 0;
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
  }
}

void clean_rows(const RfiConfig& config, const float* in, float* out, uint64_t n, size_t nchan,
                const RowParams& params, const uint8_t* clipped, int threads) {
  const bool normalise = config.normalise.enabled;
  const bool zero_dm = config.zero_dm.enabled;
  const float* replace = params.replace.data();
  const float* centre = params.centre.data();
  const float* scale = params.scale.data();
  const uint8_t* masked = params.masked.data();
  size_t nclean = 0;
  for (size_t c = 0; c < nchan; ++c) nclean += masked[c] == 0;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (ptrdiff_t t = 0; t < static_cast<ptrdiff_t>(n); ++t) {
    const float* x = in + static_cast<size_t>(t) * nchan;
    float* y = out + static_cast<size_t>(t) * nchan;
    const bool clip = clipped[t] != 0;
    for (size_t c = 0; c < nchan; ++c) {
      const float v = clip || masked[c] ? replace[c] : x[c];
      y[c] = normalise ? (v - centre[c]) * scale[c] : v;
    }
    if (!zero_dm || clip || nclean == 0) continue;
    // Zero-DM: remove the sample's mean deviation over the clean channels (in the output's
    // units), the signature of undispersed broadband interference.
    const float* zero = normalise ? nullptr : centre;
    float sum = 0;
    for (size_t c = 0; c < nchan; ++c) {
      if (!masked[c]) sum += zero ? y[c] - zero[c] : y[c];
    }
    const float mean = sum / static_cast<float>(nclean);
    for (size_t c = 0; c < nchan; ++c) {
      if (!masked[c]) y[c] -= mean;
    }
  }
}

}  // namespace tianyan::rfi_detail
