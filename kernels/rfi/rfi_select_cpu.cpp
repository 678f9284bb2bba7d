// Exact medians by histogram selection: the statistics step takes a median and a MAD of every
// (channel, block) cell, and std::nth_element on thousands of values (unpredictable branches,
// several passes) was the stage's dominant cost. Given an interval that probably holds the
// median (the mean +- one std always holds the median of the data they were taken from), two
// branch-free passes find it: one histogram of the values over the interval, one collecting the
// few values of the bin that holds the median's rank; nth_element then sees only those.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "kernels/rfi/rfi_cpu.hpp"

namespace tianyan::rfi_detail {

namespace {

// Bins of v: 0 below lo (and NaN), 1..kSelectBins inside [lo, hi), kSelectBins + 1 at or
// above hi. Computed once into `bins` (a vectorised loop), so both passes agree on every bin.
void compute_bins(const float* __restrict v, size_t m, float lo, float scale,
                  uint16_t* __restrict bins) {
  constexpr auto kTop = static_cast<float>(kSelectBins + 1);
  for (size_t i = 0; i < m; ++i) {
    float y = (v[i] - lo) * scale + 1.0f;
    y = y > 0.0f ? y : 0.0f;  // written so that NaN lands in bin 0
    y = y < kTop ? y : kTop;
    bins[i] = static_cast<uint16_t>(static_cast<int32_t>(y));
  }
}

// Bins holding ranks k1 <= k2 and the count of values below bin b1; false when either rank
// lies outside the interval. One walk over the histogram.
bool find_ranks(const uint32_t* hist, size_t k1, size_t k2, size_t* b1, size_t* b2, size_t* below) {
  size_t cum = hist[0];
  if (k1 < cum) return false;
  *b1 = 0;
  for (size_t b = 1; b <= kSelectBins; ++b) {
    const size_t next = cum + hist[b];
    if (*b1 == 0 && k1 < next) {
      *b1 = b;
      *below = cum;
    }
    if (k2 < next) {
      *b2 = b;
      return true;
    }
    cum = next;
  }
  return false;
}

// Copies to buf the values whose bin lies in [b1, b2], in order; returns their count. They are
// a handful, so 8 bins at a time are tested with one vector compare and skipped together. A
// branch-free scalar compaction, storing every value, made the whole stage slower (136 instead
// of 129 ms per benchmark gulp); this one cut median_bracketed from 40% to 34% of the stage's
// profile.
size_t collect_bins(const float* v, const uint16_t* bins, size_t m, size_t b1, size_t b2,
                    float* buf) {
  // 8 signed 16-bit lanes, one SSE2 register (bins <= kSelectBins + 1 fit): SSE2 has signed
  // 16-bit compares only (an unsigned one was scalarised), and GCC lowered 32-byte vectors
  // through the stack in this file's SSE2 build.
  using v8i = int16_t __attribute__((vector_size(16)));
  const auto lo = static_cast<int16_t>(b1);
  const auto hi = static_cast<int16_t>(b2);
  const v8i vlo = v8i{} + lo, vhi = v8i{} + hi;
  size_t n = 0, i = 0;
  for (; i + 8 <= m; i += 8) {
    v8i b;
    std::memcpy(&b, bins + i, sizeof(b));
    const v8i hit = (b >= vlo) & (b <= vhi);
    uint64_t words[2];
    std::memcpy(words, &hit, sizeof(words));
    if ((words[0] | words[1]) == 0) continue;
    for (size_t k = i; k < i + 8; ++k) {
      if (bins[k] >= b1 && bins[k] <= b2) buf[n++] = v[k];
    }
  }
  for (; i < m; ++i) {
    if (bins[i] >= b1 && bins[i] <= b2) buf[n++] = v[i];
  }
  return n;
}

}  // namespace

float median_bracketed(const float* v, size_t m, float lo, float hi, SelectWorkspace& ws) {
  float* buf = ws.buf.data();
  const float width = hi - lo;
  const float scale = static_cast<float>(kSelectBins) / width;
  // An infinite scale would make (x - lo) * scale NaN for x = lo, out of order.
  if (m < 64 || !(width > 0) || !std::isfinite(scale) || !std::isfinite(width) ||
      !std::isfinite(lo)) {
    std::copy(v, v + m, buf);
    return median_inplace(buf, m);
  }
  uint16_t* bins = ws.bins.data();
  compute_bins(v, m, lo, scale, bins);
  uint32_t* hist = ws.hist.data();
  std::fill(hist, hist + kSelectBins + 2, 0u);
  for (size_t i = 0; i < m; ++i) ++hist[bins[i]];
  // The median's ranks, as median_inplace defines it: (m - 1) / 2 and m / 2, averaged.
  const size_t k1 = (m - 1) / 2, k2 = m / 2;
  size_t b1 = 0, b2 = 0, base = 0;
  if (!find_ranks(hist, k1, k2, &b1, &b2, &base)) {
    std::copy(v, v + m, buf);
    return median_inplace(buf, m);
  }
  const size_t n = collect_bins(v, bins, m, b1, b2, buf);
  const size_t r1 = k1 - base;
  std::nth_element(buf, buf + r1, buf + n);
  const float lower = buf[r1];
  if (k2 == k1) return lower;
  const float upper = *std::min_element(buf + r1 + 1, buf + n);
  return 0.5f * (lower + upper);
}

void SelectWorkspace::resize(size_t capacity) {
  hist.assign(kSelectBins + 2, 0u);
  bins.assign(capacity, 0);
  buf.assign(capacity + 1, 0.0f);
}

}  // namespace tianyan::rfi_detail
