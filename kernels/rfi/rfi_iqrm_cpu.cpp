// IQRM channel flagging (Morello, Rajwade & Stappers 2022, MNRAS 510, 1393): a channel is an
// outlier when its statistic (here the block's standard deviation) exceeds that of a channel
// `lag` away by more than `threshold` sigma of all such lagged differences, sigma estimated from
// the interquartile range. Each such comparison is a vote of the farther channel against the
// nearer one; a channel is flagged when one of its accusers has cast no more votes than it has
// received, which keeps a single bright channel from condemning all its neighbours.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "kernels/rfi/rfi_cpu.hpp"

namespace tianyan::rfi_detail {

namespace {

constexpr double kIqrToSigma = 1.349;  // interquartile range of a unit Gaussian

// Lags 1, 2, 3, 4, 6, 9, ... up to radius, geometric with factor 1.5 as in the paper's code,
// with both signs.
std::vector<ptrdiff_t> iqrm_lags(ptrdiff_t radius) {
  std::vector<ptrdiff_t> lags;
  for (ptrdiff_t l = 1; l <= radius; l = std::max(l + 1, l * 3 / 2)) {
    lags.push_back(l);
    lags.push_back(-l);
  }
  return lags;
}

// Value at quantile q of v (reorders v).
double quantile(std::vector<double>& v, double q) {
  const auto k = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k];
}

// IQRM on x (the unmasked channels only); returns the flags.
std::vector<uint8_t> iqrm(const std::vector<double>& x, double threshold, ptrdiff_t radius) {
  const auto n = static_cast<ptrdiff_t>(x.size());
  std::vector<std::vector<ptrdiff_t>> received(x.size()), cast(x.size());
  std::vector<double> d(x.size()), sorted;
  for (ptrdiff_t lag : iqrm_lags(radius)) {
    for (ptrdiff_t i = 0; i < n; ++i) d[i] = x[i] - x[std::clamp<ptrdiff_t>(i + lag, 0, n - 1)];
    sorted = d;
    const double med = quantile(sorted, 0.5);
    const double sigma = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / kIqrToSigma;
    if (!(sigma > 0)) continue;
    for (ptrdiff_t i = 0; i < n; ++i) {
      if (d[i] - med > threshold * sigma) {
        const ptrdiff_t j = std::clamp<ptrdiff_t>(i + lag, 0, n - 1);
        received[i].push_back(j);
        cast[j].push_back(i);
      }
    }
  }
  auto unique_count = [](std::vector<ptrdiff_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v.size();
  };
  for (auto& v : cast) unique_count(v);
  std::vector<uint8_t> flags(x.size(), 0);
  for (ptrdiff_t i = 0; i < n; ++i) {
    const size_t nrec = unique_count(received[i]);
    for (ptrdiff_t j : received[i]) {
      if (cast[j].size() <= nrec) {
        flags[i] = 1;
        break;
      }
    }
  }
  return flags;
}

}  // namespace

void flag_iqrm(const RfiIqrmConfig& config, const CellStats& stats, uint8_t* cells,
               std::vector<float>& scratch) {
  const size_t nchan = stats.std.size();
  // The statistic is the std relative to its local running median: the raw std follows the
  // bandpass, whose steep roll-off at the band edges (a factor of several within a few
  // channels) would otherwise dominate the lagged differences and condemn the edge channels.
  float* trend = scratch.data();
  running_median(stats.std.data(), cells, nchan, config.trend_half_width, trend, trend + nchan);
  std::vector<size_t> index;
  std::vector<double> x;
  for (size_t c = 0; c < nchan; ++c) {
    if (cells[c] == 0 && trend[c] > 0) {
      index.push_back(c);
      x.push_back(stats.std[c] / trend[c]);
    }
  }
  if (x.size() < 8) return;
  const auto radius = std::max<ptrdiff_t>(
      1, static_cast<ptrdiff_t>(config.radius_fraction * static_cast<double>(x.size())));
  const std::vector<uint8_t> flags = iqrm(x, config.threshold, radius);
  for (size_t k = 0; k < x.size(); ++k) {
    if (flags[k]) cells[index[k]] |= kRfiIqrm;
  }
}

}  // namespace tianyan::rfi_detail
