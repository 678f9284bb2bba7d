// Per-(channel, block) statistics and the outlier tests on them (rfifind-like, PRESTO).
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "kernels/rfi/rfi_cpu.hpp"

namespace tianyan::rfi_detail {

namespace {

constexpr float kMadToSigma = 1.4826f;  // sigma of a Gaussian / its median absolute deviation
constexpr size_t kMinChannels = 8;      // fewer unmasked channels: no robust estimate

// Median and robust sigma of r over the valid channels; false when too few or no spread.
bool robust_centre(const float* r, const uint8_t* valid, size_t nchan, float* work, float* med,
                   float* sig) {
  size_t m = 0;
  for (size_t c = 0; c < nchan; ++c) {
    if (valid[c] && std::isfinite(r[c])) work[m++] = r[c];
  }
  if (m < kMinChannels) return false;
  *med = median_inplace(work, m);
  for (size_t k = 0; k < m; ++k) work[k] = std::abs(work[k] - *med);
  *sig = kMadToSigma * median_inplace(work, m);
  return *sig > 0;
}

// Sets `bit` in cells[c] for valid channels whose r deviates by more than thr robust sigma.
void flag_outliers(const float* r, const uint8_t* valid, size_t nchan, double thr, uint8_t bit,
                   uint8_t* cells, float* work) {
  float med = 0, sig = 0;
  if (!robust_centre(r, valid, nchan, work, &med, &sig)) return;
  for (size_t c = 0; c < nchan; ++c) {
    if (valid[c] && !(std::abs(r[c] - med) <= static_cast<float>(thr) * sig)) cells[c] |= bit;
  }
}

}  // namespace

void CellStats::resize(size_t nchan) {
  for (auto* v : {&mean, &std, &kurtosis, &median, &sigma}) v->assign(nchan, 0.0f);
}

void running_median(const float* s, const uint8_t* cells, size_t nchan, int hw, float* trend,
                    float* window) {
  const auto h = static_cast<ptrdiff_t>(hw);
  for (size_t c = 0; c < nchan; ++c) {
    const ptrdiff_t lo = std::max<ptrdiff_t>(0, static_cast<ptrdiff_t>(c) - h);
    const ptrdiff_t hi =
        std::min<ptrdiff_t>(static_cast<ptrdiff_t>(nchan) - 1, static_cast<ptrdiff_t>(c) + h);
    size_t m = 0;
    for (ptrdiff_t k = lo; k <= hi; ++k) {
      if (cells[k] == 0) window[m++] = s[k];
    }
    trend[c] = m == 0 ? s[c] : median_inplace(window, m);
  }
}

float median_inplace(float* v, size_t n) {
  if (n == 0) return 0.0f;
  const size_t half = n / 2;
  std::nth_element(v, v + half, v + n);
  const float upper = v[half];
  if (n % 2 == 1) return upper;
  const float lower = *std::max_element(v, v + half);
  return 0.5f * (lower + upper);
}

ChannelHistory::ChannelHistory(size_t nchan, int depth)
    : nchan_(nchan),
      depth_(depth),
      values_(nchan * static_cast<size_t>(depth) * 4, 0.0f),
      count_(nchan, 0),
      head_(nchan, 0) {}

void ChannelHistory::push(size_t chan, float mean, float std, float median, float sigma) {
  float* slot = values_.data() + (chan * static_cast<size_t>(depth_) + head_[chan]) * 4;
  slot[0] = mean;
  slot[1] = std;
  slot[2] = median;
  slot[3] = sigma;
  head_[chan] = static_cast<uint8_t>((head_[chan] + 1) % depth_);
  if (count_[chan] < depth_) ++count_[chan];
}

bool ChannelHistory::reference(size_t chan, float* mean, float* std, float* median,
                               float* sigma) const {
  const size_t n = count_[chan];
  if (n == 0) return false;
  float* out[4] = {mean, std, median, sigma};
  float tmp[64];
  for (size_t q = 0; q < 4; ++q) {
    for (size_t k = 0; k < n; ++k) {
      tmp[k] = values_[(chan * static_cast<size_t>(depth_) + k) * 4 + q];
    }
    *out[q] = median_inplace(tmp, n);
  }
  return true;
}

void flag_dead(const RfiDeadConfig& config, const CellStats& stats, uint8_t* cells,
               std::vector<float>& scratch) {
  const size_t nchan = stats.std.size();
  size_t m = 0;
  for (size_t c = 0; c < nchan; ++c) {
    if (cells[c] == 0 && std::isfinite(stats.std[c])) scratch[m++] = stats.std[c];
  }
  const float typical = median_inplace(scratch.data(), m);
  for (size_t c = 0; c < nchan; ++c) {
    const bool finite = std::isfinite(stats.mean[c]) && std::isfinite(stats.std[c]) &&
                        std::isfinite(stats.median[c]);
    if (!finite || stats.std[c] <= static_cast<float>(config.rel_std) * typical ||
        stats.std[c] == 0.0f) {
      cells[c] |= kRfiDead;
    }
  }
}

void flag_cross_channel(const RfiStatsConfig& config, const CellStats& stats, uint8_t* cells,
                        std::vector<float>& scratch) {
  const size_t nchan = stats.mean.size();
  float* tmean = scratch.data();
  float* tstd = tmean + nchan;
  float* tkurt = tstd + nchan;
  float* r = tkurt + nchan;  // 3 x nchan residuals
  float* work = r + 3 * nchan;
  running_median(stats.mean.data(), cells, nchan, config.trend_half_width, tmean, work);
  running_median(stats.std.data(), cells, nchan, config.trend_half_width, tstd, work);
  running_median(stats.kurtosis.data(), cells, nchan, config.trend_half_width, tkurt, work);
  uint8_t* valid = reinterpret_cast<uint8_t*>(work + nchan);
  for (size_t c = 0; c < nchan; ++c) {
    valid[c] = cells[c] == 0 && tstd[c] > 0;
    const float scale = tstd[c] > 0 ? tstd[c] : 1.0f;
    // Mean and std relative to the local noise level, so that the roll-off edges of the band
    // weigh as much as its centre; kurtosis is already scale-free.
    r[c] = (stats.mean[c] - tmean[c]) / scale;
    r[nchan + c] = stats.std[c] / scale - 1.0f;
    r[2 * nchan + c] = stats.kurtosis[c] - tkurt[c];
  }
  flag_outliers(r, valid, nchan, config.mean_threshold, kRfiMean, cells, work);
  flag_outliers(r + nchan, valid, nchan, config.std_threshold, kRfiStd, cells, work);
  flag_outliers(r + 2 * nchan, valid, nchan, config.kurtosis_threshold, kRfiKurtosis, cells, work);
}

void flag_temporal(const RfiStatsConfig& config, const CellStats& stats,
                   const ChannelHistory& history, uint8_t* cells, std::vector<float>& scratch) {
  const size_t nchan = stats.mean.size();
  float* rm = scratch.data();
  float* rs = rm + nchan;
  float* work = rs + nchan;
  uint8_t* valid = reinterpret_cast<uint8_t*>(work + nchan);
  for (size_t c = 0; c < nchan; ++c) {
    float mean = 0, std = 0, median = 0, sigma = 0;
    valid[c] = cells[c] == 0 && history.reference(c, &mean, &std, &median, &sigma) && std > 0;
    rm[c] = valid[c] ? (stats.mean[c] - mean) / std : 0.0f;
    rs[c] = valid[c] ? stats.std[c] / std - 1.0f : 0.0f;
  }
  const double thr = config.temporal_threshold;
  flag_outliers(rm, valid, nchan, thr, kRfiTemporal, cells, work);
  flag_outliers(rs, valid, nchan, thr, kRfiTemporal, cells, work);
}

}  // namespace tianyan::rfi_detail
