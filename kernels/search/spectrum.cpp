#include "kernels/search/spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/common/error.hpp"
#include "kernels/search/block_median.hpp"
#include "kernels/search/search_elements.hpp"
#include "kernels/search/spectrum_detail.hpp"

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

// Multiplies bins j = 0..n-1 of f by 1 / sqrt(s0 + slope * j), 16 bins at a time, each gain then
// applied to its two floats (a per-float loop, as GCC vectorises the scalar one, does the
// arithmetic twice). The gain is search_elements::rsqrt_newton (a bit-level guess and two
// Newton steps, because GCC does not vectorise sqrtf without -fno-math-errno), here in vector
// form; the tail and the CUDA kernel call the scalar one.
[[gnu::target_clones("avx512f", "avx2", "default")]] void scale_bins(float* __restrict f, size_t n,
                                                                     float s0, float slope) {
  using v16f = float __attribute__((vector_size(64)));
  using v16i = int32_t __attribute__((vector_size(64)));
  const v16f lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  // size_t: a run of zapped or empty blocks may span more than 2^31 bins of a long series.
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const v16f s = s0 + slope * (static_cast<float>(j) + lane);
    v16f g = reinterpret_cast<v16f>(0x5f375a86 - (reinterpret_cast<v16i>(s) >> 1));
    g = g * (1.5f - 0.5f * s * g * g);
    g = g * (1.5f - 0.5f * s * g * g);
    const v16f lo = __builtin_shufflevector(g, g, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    const v16f hi =
        __builtin_shufflevector(g, g, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    v16f a, b;
    std::memcpy(&a, f + 2 * j, sizeof(a));
    std::memcpy(&b, f + 2 * j + 16, sizeof(b));
    a *= lo;
    b *= hi;
    std::memcpy(f + 2 * j, &a, sizeof(a));
    std::memcpy(f + 2 * j + 16, &b, sizeof(b));
  }
  for (; j < n; ++j) {
    const float g = search_elements::rsqrt_newton(s0 + slope * static_cast<float>(j));
    f[2 * j] *= g;
    f[2 * j + 1] *= g;
  }
}

void apply_segment(float* f, const search_elements::ScaleSegment& seg) {
  if (seg.k1 > seg.k0) scale_bins(f + 2 * seg.k0, seg.k1 - seg.k0, seg.start, seg.slope);
}

// p[2k] = |a_k|^2 and p[2k+1] = (pi^2 / 16) |a_k - a_k+1|^2 / (pi^2 / 8) for k < n.
[[gnu::target_clones("avx512f", "avx2", "default")]] void interleave_half_bins(
    const float* __restrict f, size_t n, float* __restrict p) {
  for (size_t k = 0; k < n; ++k) {
    search_elements::half_bin_pair(f[2 * k], f[2 * k + 1], f[2 * k + 2], f[2 * k + 3], &p[2 * k],
                                   &p[2 * k + 1]);
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

  // Each block's scale, median(power) / its expected value for unit noise (ln 2 for wide
  // blocks; ExpectedMedian), rounded to float; the scaling follows a block behind.
  BlockLayout layout(nbins, rn);
  const size_t room = layout.max_block() + kBlockMedianPad;
  ExpectedMedian median_norm;
  scratch.resize(3 * room);  // a block's powers and block_median's two buffers
  float* p = scratch.data();
  // Pass 2 runs a block behind pass 1: once block b's scale is known, the bins up to its
  // centre are scaled while they are still in cache; later blocks' medians read only bins past
  // that centre.
  search_elements::SegmentMaker segments(nbins);
  search_elements::ScaleSegment seg;
  float median = 0;  // the previous block's, a guess at the next
  for (size_t o = 1; o < nbins;) {
    const size_t e = layout.end_of(o);
    const size_t len = e - o;
    median = block_median(f + 2 * o, len, len / 2, median, p, p + room, p + 2 * room);
    if (segments.add(o, e, static_cast<float>(median / median_norm.of(len)), &seg)) {
      apply_segment(f, seg);
    }
    o = e;
  }
  if (segments.finish(&seg)) {
    apply_segment(f, seg);
  } else {
    std::fill(a, a + nbins, std::complex<float>(0));
  }
}

std::vector<RednoiseBlock> rednoise_blocks(size_t nbins, const RednoiseConfig& rn) {
  std::vector<RednoiseBlock> blocks;
  BlockLayout layout(nbins, rn);
  ExpectedMedian median_norm;
  for (size_t o = 1; o < nbins;) {
    const size_t e = layout.end_of(o);
    blocks.push_back({o, e, median_norm.of(e - o)});
    o = e;
  }
  return blocks;
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
