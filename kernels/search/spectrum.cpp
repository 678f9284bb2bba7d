#include "kernels/search/spectrum.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "kernels/common/error.hpp"

namespace tianyan {

namespace {

constexpr double kLn2 = 0.69314718055994530942;
constexpr double kLnFullWidthBin = 7.9193;  // ln 2750: the logarithmic widths reach max_bins

// ---- Red-noise blocks -------------------------------------------------------------------------
//
// The rule: a block starting at bin o (the first at bin 1) is
//     w(o) = clamp(min(L(o), o / 8), start_bins, max_bins),
//     L(o) = start_bins + (max_bins - start_bins) (ln o / ln 2750)^2
// bins wide (floored). With the defaults (6, 100), L = 6 + 1.5 ln(o)^2 and w is 6 up to bin 55,
// then o / 8 (12 at bin 100, 50 at 400), then L from bin ~520 (65 there, 77 at 1000), and 100
// from bin 2750 on. Why:
//  * o / 8 at low frequencies: linear interpolation between centres overestimates a convex
//    spectrum, by ~3 (w / 2o)^2 for red noise ~ 1/f^2; a block an eighth of its frequency keeps
//    that to a few per cent (measured: 1/f^2 noise 10^4 x the white level at bin 10 whitens to
//    mean 0.96-1.04 in each of bins 10-20, 20-50, ..., 500-2000; PRESTO's widths, start ln(o),
//    give 0.65 at bins 10-20 and 0.94-0.98 above).
//  * L grows logarithmically, like PRESTO's deredden, where the spectrum is smooth, but squared
//    so that it reaches max_bins within a few thousand bins (PRESTO's never reach its maximum
//    and stay near 80 at 10^6): a median of w exponential powers is uncertain by about
//    1.44 / sqrt(w), so wider blocks give steadier scales.
// The remainder at the top of the spectrum joins the last block when narrower than a block.
class BlockLayout {
 public:
  BlockLayout(size_t nbins, const RednoiseConfig& rn)
      : nbins_(nbins),
        start_(static_cast<size_t>(rn.start_bins)),
        max_(static_cast<size_t>(std::max(rn.start_bins, rn.max_bins))) {}

  // The end (exclusive) of the block that starts at bin o.
  size_t end_of(size_t o) {
    const size_t e = o + width(o);
    if (e >= nbins_ || nbins_ - e < width(e)) return nbins_;
    return e;
  }
  // The largest block end_of() can make: a block plus a remainder narrower than a block.
  size_t max_block() const { return 2 * max_; }

 private:
  // Monotone in o, so once the cap is reached the logarithm is never needed again.
  size_t width(size_t o) {
    if (capped_) return max_;
    const double l = std::log(static_cast<double>(o)) / kLnFullWidthBin;
    const double w_log = static_cast<double>(start_) + static_cast<double>(max_ - start_) * l * l;
    if (w_log >= static_cast<double>(max_) && o / 8 >= max_) {
      capped_ = true;
      return max_;
    }
    const size_t w = std::min(static_cast<size_t>(w_log), o / 8);
    return std::clamp(w, start_, max_);
  }

  size_t nbins_;
  size_t start_;
  size_t max_;
  bool capped_ = false;
};

// The expected value of element len / 2 (0-based, the upper median) of len sorted exponential
// powers of mean 1: H(len) - H(len - len/2 - 1), harmonic numbers (Renyi's representation of
// exponential order statistics). It tends to ln 2, but is 2% above it at 100 bins, so dividing
// by ln 2 would leave noise powers 2% low. Cached for the last length: most blocks share one.
class ExpectedMedian {
 public:
  double of(size_t len) {
    if (len != len_) {
      len_ = len;
      value_ = 0;
      for (size_t j = 0; j <= len / 2; ++j) value_ += 1.0 / static_cast<double>(len - j);
    }
    return value_;
  }

 private:
  size_t len_ = 0;
  double value_ = kLn2;
};

// |a_k|^2 for n bins from f (interleaved re, im) into p.
[[gnu::target_clones("avx2", "default")]] void block_powers(const float* __restrict f, int n,
                                                            float* __restrict p) {
  for (int j = 0; j < n; ++j) p[j] = f[2 * j] * f[2 * j] + f[2 * j + 1] * f[2 * j + 1];
}

// Moves v[0..n) into out: those below `pivot` (or, with or_equal, not above it) to the front,
// the others to the back; returns how many went to the front. Branch-free: both slots are
// written and one index advances, because whether a noise power is below the pivot is a coin
// toss that a branch predictor loses half the time (std::nth_element spent ~1.2 us per
// 100-bin block that way, 3x the FFT).
size_t partition_into(const float* __restrict v, size_t n, float pivot, bool or_equal,
                      float* __restrict out) {
  size_t lo = 0, hi = n;
  for (size_t i = 0; i < n; ++i) {
    const float x = v[i];
    const bool front = or_equal ? x <= pivot : x < pivot;
    out[lo] = x;
    out[hi - 1] = x;
    lo += front;
    hi -= !front;
  }
  return lo;
}

// The k-th smallest (0-based) of v[0..n): quickselect with median-of-3 pivots, partitioning
// back and forth between v and buf (n floats). Both are clobbered.
float select_kth(float* v, float* buf, size_t n, size_t k) {
  constexpr size_t kSmall = 12;
  for (int round = 0; n > kSmall; ++round) {
    if (round == 64) break;  // never for real data; nth_element below bounds the worst case
    const float a = v[0], b = v[n / 2], c = v[n - 1];
    const float pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));
    size_t front = partition_into(v, n, pivot, false, buf);
    if (front == 0) {
      // The pivot is the smallest value (ties, e.g. zapped bins): split off its copies.
      front = partition_into(v, n, pivot, true, buf);
      if (front == 0) break;  // NaN
      if (k < front) return pivot;
    }
    float* next = buf;
    if (k < front) {
      n = front;
    } else {
      next += front;
      n -= front;
      k -= front;
    }
    buf = v;
    v = next;
  }
  std::nth_element(v, v + k, v + n);
  return v[k];
}

using v8f = float __attribute__((vector_size(32)));
using v8i = int32_t __attribute__((vector_size(32)));

// The k-th smallest of v[0..n) (not modified), given a guess near it; buf holds 2n floats.
// Neighbouring blocks' medians differ by ~15%, so the previous block's is a good guess. One pass
// counts the values below each of 8 thresholds from guess / 1.6 to guess x 1.6 at once (one
// SIMD compare per value) and gathers those between the outer two; the two thresholds either
// side of rank k then hold ~4 values, selected among directly. ~6x faster than
// std::nth_element, whose coin-toss branches cost ~1.2 us per 100-bin block (3x the FFT). When
// the k-th lies outside the thresholds (a few per cent of blocks), or with no guess: quickselect.
[[gnu::target_clones("avx2", "default")]] float select_near(const float* v, size_t n, size_t k,
                                                            float guess, float* buf) {
  if (guess > 0 && std::isfinite(guess)) {
    // 1.6^((2j - 7) / 7), j = 0..7.
    const v8f t = v8f{0.625f,     0.71482546f, 0.81756070f, 0.93506113f,
                      1.0694488f, 1.2231508f,  1.3989429f,  1.6f} *
                  guess;
    const float lo = t[0], hi = t[7];
    v8i below = {};
    size_t inside = 0;
    for (size_t i = 0; i < n; ++i) {
      const float x = v[i];
      below -= (v8f{} + x) < t;  // a true lane is -1
      buf[inside] = x;
      inside += (x >= lo) & (x < hi);
    }
    const auto rank = static_cast<int32_t>(k);
    if (rank >= below[0] && rank < below[7]) {
      int j = 0;
      while (rank >= below[j + 1]) ++j;
      // Ranks below[j] .. below[j+1] - 1 are the values in [t_j, t_j+1).
      float* sel = buf + inside;
      size_t m = 0;
      for (size_t i = 0; i < inside; ++i) {
        const float x = buf[i];
        sel[m] = x;
        m += (x >= t[j]) & (x < t[j + 1]);
      }
      // Insertion sort: m is ~5 (std::nth_element's set-up costs more than that at this size).
      for (size_t i = 1; i < m; ++i) {
        const float x = sel[i];
        size_t q = i;
        for (; q > 0 && sel[q - 1] > x; --q) sel[q] = sel[q - 1];
        sel[q] = x;
      }
      return sel[rank - below[j]];
    }
  }
  std::copy(v, v + n, buf);
  return select_kth(buf, buf + n, n, k);
}

// Multiplies bins j = 0..n-1 of f by 1 / sqrt(s0 + slope * j). The reciprocal square root is
// a bit-level first guess (3.4% off at worst) and two Newton steps (then 5e-6 off, far below the
// scale's own ~10% uncertainty) because GCC does not vectorise sqrtf without -fno-math-errno,
// and this loop touches every bin.
[[gnu::target_clones("avx2", "default")]] void scale_bins(float* __restrict f, int n, float s0,
                                                          float slope) {
  for (int j = 0; j < n; ++j) {
    const float s = s0 + slope * static_cast<float>(j);
    float g = std::bit_cast<float>(0x5f375a86 - (std::bit_cast<int32_t>(s) >> 1));
    g = g * (1.5f - 0.5f * s * g * g);
    g = g * (1.5f - 0.5f * s * g * g);
    f[2 * j] *= g;
    f[2 * j + 1] *= g;
  }
}

// Scales bins [k0, k1) with the scale interpolated linearly from (c0, s0) to (c1, s1).
void scale_segment(float* f, size_t k0, size_t k1, double c0, double s0, double c1, double s1) {
  if (k1 <= k0) return;
  const double slope = c1 > c0 ? (s1 - s0) / (c1 - c0) : 0.0;
  const double start = s0 + slope * (static_cast<double>(k0) - c0);
  scale_bins(f + 2 * k0, static_cast<int>(k1 - k0), static_cast<float>(start),
             static_cast<float>(slope));
}

// Blocks whose median power is 0 (zapped, or padding) borrow the nearest earlier block's scale
// (the first ones the nearest later), so they neither divide by zero nor inflate their bins.
// False when no block has a positive scale (an all-zero spectrum).
bool fill_bad_scales(float* s, size_t nblocks) {
  size_t first_good = nblocks;
  for (size_t b = 0; b < nblocks; ++b) {
    if (s[b] > 0 && std::isfinite(s[b])) {
      first_good = b;
      break;
    }
  }
  if (first_good == nblocks) return false;
  for (size_t b = 0; b < first_good; ++b) s[b] = s[first_good];
  for (size_t b = first_good + 1; b < nblocks; ++b) {
    if (!(s[b] > 0 && std::isfinite(s[b]))) s[b] = s[b - 1];
  }
  return true;
}

// p[2k] = |a_k|^2 and p[2k+1] = (pi^2 / 16) |a_k - a_k+1|^2 / (pi^2 / 8) for k < n.
[[gnu::target_clones("avx2", "default")]] void interleave_half_bins(const float* __restrict f,
                                                                    size_t n, float* __restrict p) {
  for (size_t k = 0; k < n; ++k) {
    const float re0 = f[2 * k], im0 = f[2 * k + 1];
    const float dr = re0 - f[2 * k + 2], di = im0 - f[2 * k + 3];
    p[2 * k] = re0 * re0 + im0 * im0;
    p[2 * k + 1] = 0.5f * (dr * dr + di * di);
  }
}

}  // namespace

// ---- Whitening --------------------------------------------------------------------------------

void normalise_spectrum(std::complex<float>* a, size_t nbins, const RednoiseConfig& rn,
                        std::vector<float>& scratch) {
  if (nbins == 0) return;
  a[0] = 0;
  if (nbins == 1) return;
  if (rn.start_bins < 1) throw internal_error("normalise_spectrum: start_bins must be >= 1");
  float* f = reinterpret_cast<float*>(a);  // [complex.numbers]: layout of float[2]

  // Pass 1: each block's scale, median(power) / its expected value for unit noise (ln 2 for
  // wide blocks; ExpectedMedian), appended after select_near's buffers.
  BlockLayout layout(nbins, rn);
  const size_t tmp = 3 * layout.max_block();  // a block's powers and select_near's buffer
  ExpectedMedian median_norm;
  scratch.resize(tmp);
  float median = 0;  // the previous block's, a guess at the next
  for (size_t o = 1; o < nbins;) {
    const size_t e = layout.end_of(o);
    const size_t len = e - o;
    float* p = scratch.data();
    block_powers(f + 2 * o, static_cast<int>(len), p);
    median = select_near(p, len, len / 2, median, p + layout.max_block());
    scratch.push_back(static_cast<float>(median / median_norm.of(len)));
    o = e;
  }
  const size_t nblocks = scratch.size() - tmp;
  float* s = scratch.data() + tmp;
  if (!fill_bad_scales(s, nblocks)) {
    std::fill(a, a + nbins, std::complex<float>(0));
    return;
  }

  // Pass 2: constant before the first centre and after the last, linear in between.
  BlockLayout again(nbins, rn);
  double c_prev = 0, s_prev = 0;
  size_t k = 1;  // the next bin to scale
  size_t b = 0;
  for (size_t o = 1; o < nbins; ++b) {
    const size_t e = again.end_of(o);
    const double c = 0.5 * static_cast<double>(o + e - 1);
    const size_t k_end = static_cast<size_t>(std::floor(c)) + 1;  // bins <= c
    if (b == 0) {
      scale_segment(f, k, k_end, c, s[0], c, s[0]);
    } else {
      scale_segment(f, k, k_end, c_prev, s_prev, c, s[b]);
    }
    k = k_end;
    c_prev = c;
    s_prev = s[b];
    o = e;
  }
  scale_segment(f, k, nbins, c_prev, s_prev, c_prev, s_prev);
}

// ---- Interbinning -----------------------------------------------------------------------------

void half_bin_powers(const std::complex<float>* a, size_t nbins, float* p) {
  if (nbins == 0) return;
  const float* f = reinterpret_cast<const float*>(a);
  interleave_half_bins(f, nbins - 1, p);
  const size_t last = nbins - 1;
  p[2 * last] = f[2 * last] * f[2 * last] + f[2 * last + 1] * f[2 * last + 1];
}

// ---- Birdies ----------------------------------------------------------------------------------

std::vector<ZapRange> birdie_zap_ranges(const std::vector<BirdieConfig>& birdies, double df_hz,
                                        size_t nbins) {
  std::vector<ZapRange> ranges;
  if (nbins == 0 || birdies.empty()) return ranges;
  if (!(df_hz > 0)) throw internal_error("birdie_zap_ranges: bin width {} Hz", df_hz);
  // Edges that fall on a bin within this tolerance include it: 10 Hz / 0.1 Hz is not exactly
  // 100 in binary, and a hand-written width should zap the bins it names.
  constexpr double kEdgeTol = 1e-6;
  const double top = static_cast<double>(nbins - 1);
  for (const BirdieConfig& bird : birdies) {
    if (!(bird.freq_hz > 0) || !(bird.width_hz >= 0) || bird.harmonics < 1) {
      throw internal_error("birdie '{}': frequency {} Hz, width {} Hz, {} harmonics", bird.name,
                           bird.freq_hz, bird.width_hz, bird.harmonics);
    }
    const double half = 0.5 * bird.width_hz / df_hz + 0.5;
    for (int h = 1; h <= bird.harmonics; ++h) {
      const double c = h * bird.freq_hz / df_hz;
      const double lo = std::ceil(c - half - kEdgeTol);
      if (lo > top) break;  // this and every higher harmonic lie above the Nyquist frequency
      const double hi = std::min(top, std::floor(c + half + kEdgeTol));
      ranges.push_back({static_cast<size_t>(std::max(0.0, lo)), static_cast<size_t>(hi)});
    }
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const ZapRange& x, const ZapRange& y) { return x.lo < y.lo; });
  std::vector<ZapRange> merged;
  for (const ZapRange& r : ranges) {
    if (!merged.empty() && r.lo <= merged.back().hi + 1) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

void zap_bins(std::complex<float>* a, size_t nbins, const std::vector<ZapRange>& ranges) {
  for (const ZapRange& r : ranges) {
    if (r.lo >= nbins || r.hi < r.lo) continue;
    std::fill(a + r.lo, a + std::min(r.hi, nbins - 1) + 1, std::complex<float>(0));
  }
}

std::vector<BirdieConfig> find_auto_birdies(const std::complex<float>* a, size_t nbins,
                                            double df_hz, double f_min_hz,
                                            const AutoBirdieConfig& cfg) {
  std::vector<BirdieConfig> out;
  if (!cfg.enabled || cfg.max_birdies <= 0 || nbins < 2) return out;
  if (!(df_hz > 0)) throw internal_error("find_auto_birdies: bin width {} Hz", df_hz);
  auto power = [&](size_t k) { return std::norm(a[k]); };
  const double kmin_d = std::ceil(std::max(0.0, f_min_hz) / df_hz);
  const size_t kmin = std::max<size_t>(
      1, kmin_d < static_cast<double>(nbins) ? static_cast<size_t>(kmin_d) : nbins);
  const float threshold = static_cast<float>(cfg.min_power);
  std::vector<std::pair<float, size_t>> peaks;  // (power, bin)
  for (size_t k = kmin; k < nbins; ++k) {
    const float pk = power(k);
    if (pk < threshold) continue;
    // Strictly above the left neighbour and not below the right: one peak per plateau. Bin 0
    // (the mean) is never a neighbour.
    if (k > 1 && !(pk > power(k - 1))) continue;
    if (k + 1 < nbins && pk < power(k + 1)) continue;
    peaks.emplace_back(pk, k);
  }
  const size_t keep = std::min(peaks.size(), static_cast<size_t>(cfg.max_birdies));
  std::partial_sort(peaks.begin(), peaks.begin() + static_cast<std::ptrdiff_t>(keep), peaks.end(),
                    [](const auto& x, const auto& y) { return x.first > y.first; });
  peaks.resize(keep);
  std::sort(peaks.begin(), peaks.end(),
            [](const auto& x, const auto& y) { return x.second < y.second; });
  out.reserve(keep);
  for (const auto& [pk, k] : peaks) {
    BirdieConfig b;
    b.name = fmt::format("auto: bin {}, power {:.1f}", k, pk);
    b.freq_hz = static_cast<double>(k) * df_hz;
    b.width_hz = cfg.width_bins * df_hz;
    b.harmonics = 1;
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace tianyan
