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
// with both signs. Fills `lags` within its planned capacity.
void make_lags(ptrdiff_t radius, std::vector<ptrdiff_t>& lags) {
  lags.clear();
  for (ptrdiff_t l = 1; l <= radius; l = std::max(l + 1, l * 3 / 2)) {
    lags.push_back(l);
    lags.push_back(-l);
  }
}

// Value at quantile q of v[0..n) (reorders v).
double quantile(double* v, size_t n, double q) {
  const auto k = static_cast<size_t>(q * static_cast<double>(n - 1) + 0.5);
  std::nth_element(v, v + k, v + n);
  return v[k];
}

// Casts the votes of one lag: (accused i, accuser j) pairs appended to ws.votes.
void cast_votes(IqrmWorkspace& ws, size_t n, ptrdiff_t lag, double threshold) {
  const auto last = static_cast<ptrdiff_t>(n) - 1;
  const double* x = ws.x.data();
  double* d = ws.d.data();
  for (ptrdiff_t i = 0; i <= last; ++i) d[i] = x[i] - x[std::clamp<ptrdiff_t>(i + lag, 0, last)];
  std::copy(d, d + n, ws.sorted.begin());
  const double med = quantile(ws.sorted.data(), n, 0.5);
  const double sigma =
      (quantile(ws.sorted.data(), n, 0.75) - quantile(ws.sorted.data(), n, 0.25)) / kIqrToSigma;
  if (!(sigma > 0)) return;
  for (ptrdiff_t i = 0; i <= last; ++i) {
    if (d[i] - med > threshold * sigma) {
      const ptrdiff_t j = std::clamp<ptrdiff_t>(i + lag, 0, last);
      ws.votes.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j));
    }
  }
}

// IQRM on ws.x[0..n) (the unmasked channels only); sets kRfiIqrm in cells[ws.index[i]] for
// the flagged. A channel is flagged when one of its distinct accusers has accused no more
// distinct channels than the channel has distinct accusers.
void iqrm(IqrmWorkspace& ws, size_t n, double threshold, ptrdiff_t radius, uint8_t* cells) {
  make_lags(radius, ws.lags);
  ws.votes.clear();
  for (ptrdiff_t lag : ws.lags) cast_votes(ws, n, lag, threshold);
  std::sort(ws.votes.begin(), ws.votes.end());
  ws.votes.erase(std::unique(ws.votes.begin(), ws.votes.end()), ws.votes.end());
  std::fill(ws.received.begin(), ws.received.begin() + static_cast<ptrdiff_t>(n), 0u);
  std::fill(ws.cast.begin(), ws.cast.begin() + static_cast<ptrdiff_t>(n), 0u);
  for (const auto& [i, j] : ws.votes) {
    ++ws.received[i];
    ++ws.cast[j];
  }
  for (const auto& [i, j] : ws.votes) {
    if (ws.cast[j] <= ws.received[i]) cells[ws.index[i]] |= kRfiIqrm;
  }
}

}  // namespace

void IqrmWorkspace::resize(size_t nchan) {
  make_lags(static_cast<ptrdiff_t>(nchan), lags);  // the most lags any block can have
  lags.reserve(lags.size());
  index.assign(nchan, 0);
  x.assign(nchan, 0.0);
  d.assign(nchan, 0.0);
  sorted.assign(nchan, 0.0);
  received.assign(nchan, 0u);
  cast.assign(nchan, 0u);
  votes.reserve(lags.size() * nchan);  // at most one vote per channel and lag
}

void flag_iqrm(const RfiIqrmConfig& config, const CellStats& stats, uint8_t* cells,
               std::vector<float>& scratch, IqrmWorkspace& ws) {
  const size_t nchan = stats.std.size();
  // The statistic is the std relative to its local running median: the raw std follows the
  // bandpass, whose steep roll-off at the band edges (a factor of several within a few
  // channels) would otherwise dominate the lagged differences and condemn the edge channels.
  float* trend = scratch.data();
  running_median(stats.std.data(), cells, nchan, config.trend_half_width, trend, trend + nchan);
  size_t n = 0;
  for (size_t c = 0; c < nchan; ++c) {
    if (cells[c] == 0 && trend[c] > 0) {
      ws.index[n] = c;
      ws.x[n++] = stats.std[c] / trend[c];
    }
  }
  if (n < 8) return;
  const auto radius = std::max<ptrdiff_t>(
      1, static_cast<ptrdiff_t>(config.radius_fraction * static_cast<double>(n)));
  iqrm(ws, n, config.threshold, radius, cells);
}

}  // namespace tianyan::rfi_detail
