#include "kernels/search/spectrum.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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
[[gnu::target_clones("avx512f", "avx2", "default")]] void block_powers(const float* __restrict f,
                                                                       int n, float* __restrict p) {
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

// ---- The block median -------------------------------------------------------------------------
//
// The exact k-th smallest of a block's powers, given a guess near it (the previous block's
// median: neighbours differ by ~2 / sqrt(w) in log for white noise). Rounds of "count, then keep
// the values of one interval" narrow it down, each a branch-free SIMD pass:
//  1. while computing the powers, count those below guess e^-h and copy those in
//     [guess e^-h, guess e^h) aside, with h = min(ln 1.6, 10 / sqrt(w)), five times the
//     neighbours' scatter: ~20% of a 1000-bin block's powers;
//  2. split the interval in 9 with 8 thresholds, count below each, and keep the one interval
//     holding rank k (a ninth of the values), until at most kSortable are left;
//  3. insertion sort of those few.
// Rounds 1 and 2 have AVX-512 and AVX2 versions (scalar elsewhere). fft_bench, 2^20 samples: the
// whitening went from ~1.15 ms (0.5-0.6x the FFT; a single pass comparing each power with 8
// thresholds one power at a time, then an insertion sort of the ~50 powers of a 1000-bin block's
// bracket) to ~0.30 ms (0.15x), with the lagged scaling below; std::nth_element's coin-toss
// branches cost more still (~1.2 us per 100-bin block). When rank k lies outside the first interval
// (red noise steeper than the guess allows: 3 to 7 of the ~550 blocks of a 2^20-sample spectrum,
// white or with a random walk, measured) or there is no guess (the first block, or one after a zero
// median): quickselect.

constexpr size_t kSortable = 16;
constexpr size_t kPad = 16;  // the compacting passes write whole vectors: room for 16 more

// The operations of a round, for one instruction set. All count NaN as neither below nor in.
struct SelectKernels {
  // p[j] = the power of bin j of f (interleaved re, im) for j < n, in any order; returns how
  // many are in [lo, hi), copied to out (n + kPad floats); `below` gets how many are below lo.
  size_t (*powers_compact)(const float* f, size_t n, float lo, float hi, float* p, float* out,
                           size_t* below);
  // The values of v[0..n) in [lo, hi) to out (n + kPad floats), as above.
  size_t (*compact)(const float* v, size_t n, float lo, float hi, float* out, size_t* below);
  // cnt[j] = the number of v[0..n) below u[j], j = 0..7.
  void (*count_below8)(const float* v, size_t n, const float* u, size_t* cnt);
};

size_t compact_generic(const float* __restrict v, size_t n, float lo, float hi,
                       float* __restrict out, size_t* below) {
  size_t m = 0, nb = 0;
  for (size_t i = 0; i < n; ++i) {
    const float x = v[i];
    out[m] = x;
    m += (x >= lo) & (x < hi);
    nb += x < lo;
  }
  *below = nb;
  return m;
}

size_t powers_compact_generic(const float* f, size_t n, float lo, float hi, float* p, float* out,
                              size_t* below) {
  block_powers(f, static_cast<int>(n), p);
  return compact_generic(p, n, lo, hi, out, below);
}

void count_below8_generic(const float* v, size_t n, const float* u, size_t* cnt) {
  for (int j = 0; j < 8; ++j) cnt[j] = 0;
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < 8; ++j) cnt[j] += v[i] < u[j];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// Lanes [0, n) of a 16-lane mask, n <= 16.
inline __mmask16 first_lanes(size_t n) {
  return static_cast<__mmask16>(n >= 16 ? 0xffffu : (1u << n) - 1u);
}

// One vector of the compacting passes: x's values in [lo, hi) appended at out + m.
[[gnu::target("avx512f,popcnt"), gnu::always_inline]] inline void compact16(
    __m512 x, __mmask16 valid, __m512 lo, __m512 hi, float* out, size_t& m, size_t& nb) {
  const __mmask16 lt = _mm512_mask_cmp_ps_mask(valid, x, lo, _CMP_LT_OQ);
  const __mmask16 ge = _mm512_mask_cmp_ps_mask(valid, x, lo, _CMP_GE_OQ);
  const __mmask16 in = _mm512_mask_cmp_ps_mask(ge, x, hi, _CMP_LT_OQ);
  // Compressed in a register, then one full store (compressing into memory is slow on Zen 4).
  _mm512_storeu_ps(out + m, _mm512_maskz_compress_ps(in, x));
  m += static_cast<size_t>(__builtin_popcount(in));
  nb += static_cast<size_t>(__builtin_popcount(lt));
}

[[gnu::target("avx512f,popcnt")]] size_t compact_avx512(const float* __restrict v, size_t n,
                                                        float lo, float hi, float* __restrict out,
                                                        size_t* below) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  size_t m = 0, nb = 0;
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 valid = first_lanes(n - i);
    compact16(_mm512_maskz_loadu_ps(valid, v + i), valid, vlo, vhi, out, m, nb);
  }
  *below = nb;
  return m;
}

[[gnu::target("avx512f,popcnt")]] size_t powers_compact_avx512(const float* __restrict f, size_t n,
                                                               float lo, float hi,
                                                               float* __restrict p,
                                                               float* __restrict out,
                                                               size_t* below) {
  const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  size_t m = 0, nb = 0;
  for (size_t i = 0; i < n; i += 16) {
    const size_t left = n - i;
    const __mmask16 valid = first_lanes(left);
    const __mmask16 va = first_lanes(2 * left), vb = first_lanes(left > 8 ? 2 * left - 16 : 0);
    const __m512 a = _mm512_maskz_loadu_ps(va, f + 2 * i);
    const __m512 b = _mm512_maskz_loadu_ps(vb, f + 2 * i + 16);
    const __m512 aa = _mm512_mul_ps(a, a), bb = _mm512_mul_ps(b, b);
    const __m512 x =
        _mm512_add_ps(_mm512_permutex2var_ps(aa, even, bb), _mm512_permutex2var_ps(aa, odd, bb));
    _mm512_mask_storeu_ps(p + i, valid, x);
    compact16(x, valid, vlo, vhi, out, m, nb);
  }
  *below = nb;
  return m;
}

[[gnu::target("avx512f,popcnt")]] void count_below8_avx512(const float* v, size_t n, const float* u,
                                                           size_t* cnt) {
  __m512 t[8];
  for (int j = 0; j < 8; ++j) t[j] = _mm512_set1_ps(u[j]), cnt[j] = 0;
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 valid = first_lanes(n - i);
    const __m512 x = _mm512_maskz_loadu_ps(valid, v + i);
    for (int j = 0; j < 8; ++j) {
      cnt[j] += static_cast<size_t>(
          __builtin_popcount(_mm512_mask_cmp_ps_mask(valid, x, t[j], _CMP_LT_OQ)));
    }
  }
}

// For each 8-bit mask, the lanes it selects packed to the front (3 bits each, as bytes).
struct PackTable {
  uint64_t idx[256];
  constexpr PackTable() : idx() {
    for (unsigned mask = 0; mask < 256; ++mask) {
      uint64_t packed = 0;
      int k = 0;
      for (unsigned lane = 0; lane < 8; ++lane) {
        if (mask & (1u << lane)) packed |= static_cast<uint64_t>(lane) << (8 * k++);
      }
      idx[mask] = packed;
    }
  }
};
constexpr PackTable kPack;

[[gnu::target("avx2,popcnt"), gnu::always_inline]] inline void compact8(__m256 x, __m256 lo,
                                                                        __m256 hi, float* out,
                                                                        size_t& m, size_t& nb) {
  const __m256 lt = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  const __m256 in =
      _mm256_and_ps(_mm256_cmp_ps(x, lo, _CMP_GE_OQ), _mm256_cmp_ps(x, hi, _CMP_LT_OQ));
  const auto in_mask = static_cast<unsigned>(_mm256_movemask_ps(in));
  const __m256i perm =
      _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(kPack.idx[in_mask])));
  _mm256_storeu_ps(out + m, _mm256_permutevar8x32_ps(x, perm));
  m += static_cast<size_t>(__builtin_popcount(in_mask));
  nb += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(lt))));
}

[[gnu::target("avx2,popcnt")]] size_t compact_avx2(const float* __restrict v, size_t n, float lo,
                                                   float hi, float* __restrict out, size_t* below) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  size_t m = 0, nb = 0, i = 0;
  for (; i + 8 <= n; i += 8) compact8(_mm256_loadu_ps(v + i), vlo, vhi, out, m, nb);
  size_t tail_below = 0;
  m += compact_generic(v + i, n - i, lo, hi, out + m, &tail_below);
  *below = nb + tail_below;
  return m;
}

[[gnu::target("avx2,popcnt")]] size_t powers_compact_avx2(const float* __restrict f, size_t n,
                                                          float lo, float hi, float* __restrict p,
                                                          float* __restrict out, size_t* below) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  size_t m = 0, nb = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(f + 2 * i), b = _mm256_loadu_ps(f + 2 * i + 8);
    const __m256 aa = _mm256_mul_ps(a, a), bb = _mm256_mul_ps(b, b);
    // Bins 0, 1, 4, 5, 2, 3, 6, 7 (the order does not matter to a selection).
    const __m256 x =
        _mm256_add_ps(_mm256_shuffle_ps(aa, bb, 0x88), _mm256_shuffle_ps(aa, bb, 0xdd));
    _mm256_storeu_ps(p + i, x);
    compact8(x, vlo, vhi, out, m, nb);
  }
  size_t tail_below = 0;
  m += powers_compact_generic(f + 2 * i, n - i, lo, hi, p + i, out + m, &tail_below);
  *below = nb + tail_below;
  return m;
}

[[gnu::target("avx2,popcnt")]] void count_below8_avx2(const float* v, size_t n, const float* u,
                                                      size_t* cnt) {
  __m256 t[8];
  for (int j = 0; j < 8; ++j) t[j] = _mm256_set1_ps(u[j]), cnt[j] = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(v + i);
    for (int j = 0; j < 8; ++j) {
      cnt[j] += static_cast<size_t>(__builtin_popcount(
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(x, t[j], _CMP_LT_OQ)))));
    }
  }
  size_t tail[8];
  count_below8_generic(v + i, n - i, u, tail);
  for (int j = 0; j < 8; ++j) cnt[j] += tail[j];
}
#endif

SelectKernels pick_select_kernels() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt")) {
    return {powers_compact_avx512, compact_avx512, count_below8_avx512};
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) {
    return {powers_compact_avx2, compact_avx2, count_below8_avx2};
  }
#endif
  return {powers_compact_generic, compact_generic, count_below8_generic};
}

const SelectKernels& select_kernels() {
  static const SelectKernels k = pick_select_kernels();
  return k;
}

// The k-th smallest of v[0..m), all in [lo, hi); v and tmp (m + kPad floats each) are
// clobbered.
float select_in_range(float* v, float* tmp, size_t m, size_t k, float lo, float hi) {
  const SelectKernels& sk = select_kernels();
  while (m > kSortable) {
    float u[8];
    for (int j = 0; j < 8; ++j) u[j] = lo + (hi - lo) * (static_cast<float>(j + 1) / 9.0f);
    size_t cnt[8];
    sk.count_below8(v, m, u, cnt);
    int j = 0;
    while (j < 8 && k >= cnt[j]) ++j;
    // Rank k is in [u[j-1], u[j]) (lo and hi at the ends), which holds cnt[j] - cnt[j-1].
    const float nlo = j == 0 ? lo : u[j - 1], nhi = j == 8 ? hi : u[j];
    const size_t skipped = j == 0 ? 0 : cnt[j - 1];
    size_t unused;
    const size_t kept = sk.compact(v, m, nlo, nhi, tmp, &unused);
    if (kept == m) break;  // no progress: ties, or an interval below float resolution
    std::swap(v, tmp);
    m = kept;
    k -= skipped;
    lo = nlo;
    hi = nhi;
  }
  if (m > kSortable) return select_kth(v, tmp, m, k);
  for (size_t i = 1; i < m; ++i) {  // insertion sort: m is small
    const float x = v[i];
    size_t q = i;
    for (; q > 0 && v[q - 1] > x; --q) v[q] = v[q - 1];
    v[q] = x;
  }
  return v[k];
}

// The k-th smallest power of the n bins f (interleaved re, im), given a guess near it; p, buf and
// tmp hold n + kPad floats each (p gets the powers).
float block_median(const float* f, size_t n, size_t k, float guess, float* p, float* buf,
                   float* tmp) {
  if (guess > 0 && std::isfinite(guess) && n > kSortable) {
    const float h = std::min(0.47000363f, 10.0f / std::sqrt(static_cast<float>(n)));  // ln 1.6
    const float lo = guess * std::exp(-h), hi = guess * std::exp(h);
    size_t below = 0;
    const size_t m = select_kernels().powers_compact(f, n, lo, hi, p, buf, &below);
    if (k >= below && k < below + m) return select_in_range(buf, tmp, m, k - below, lo, hi);
  } else {
    block_powers(f, static_cast<int>(n), p);
  }
  std::copy(p, p + n, buf);
  return select_kth(buf, tmp, n, k);
}

// Multiplies bins j = 0..n-1 of f by 1 / sqrt(s0 + slope * j). The reciprocal square root is
// a bit-level first guess (3.4% off at worst) and two Newton steps (then 5e-6 off, far below the
// scale's own ~10% uncertainty) because GCC does not vectorise sqrtf without -fno-math-errno,
// and this loop touches every bin. One per bin, 16 bins at a time, each then applied to its two
// floats (a per-float loop, as GCC vectorises the scalar one, does the arithmetic twice).
[[gnu::always_inline]] inline float rsqrt_newton(float s) {
  float g = std::bit_cast<float>(0x5f375a86 - (std::bit_cast<int32_t>(s) >> 1));
  g = g * (1.5f - 0.5f * s * g * g);
  return g * (1.5f - 0.5f * s * g * g);
}

[[gnu::target_clones("avx512f", "avx2", "default")]] void scale_bins(float* __restrict f, int n,
                                                                     float s0, float slope) {
  using v16f = float __attribute__((vector_size(64)));
  using v16i = int32_t __attribute__((vector_size(64)));
  const v16f lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  int j = 0;
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
    const float g = rsqrt_newton(s0 + slope * static_cast<float>(j));
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

// Pass 2 of the whitening, run a block behind pass 1: once block b's scale is known, the bins up
// to its centre (interpolated from block b - 1's) are scaled, while they are still in cache;
// later blocks' medians read only bins past that centre. Blocks whose median power is 0
// (zapped, or padding) borrow the nearest earlier block's scale (the first ones the nearest
// later), so they neither divide by zero nor inflate their bins.
class LaggedScaler {
 public:
  LaggedScaler(float* f, size_t nbins) : f_(f), nbins_(nbins) {}

  // The block [o, e) has scale s (not positive or not finite: none).
  void add(size_t o, size_t e, float s) {
    const double c = 0.5 * static_cast<double>(o + e - 1);
    const size_t k_end = static_cast<size_t>(std::floor(c)) + 1;  // bins <= c
    const bool good = s > 0 && std::isfinite(s);
    if (!have_) {
      if (!good) return;  // the bins wait for the first good scale, which they take
      scale_segment(f_, k_, k_end, c, s, c, s);
      have_ = true;
    } else {
      if (!good) s = static_cast<float>(s_prev_);  // a float already
      scale_segment(f_, k_, k_end, c_prev_, s_prev_, c, s);
    }
    k_ = k_end;
    c_prev_ = c;
    s_prev_ = s;
  }

  // Constant after the last centre. False when no block had a scale (an all-zero spectrum).
  bool finish() {
    if (!have_) return false;
    scale_segment(f_, k_, nbins_, c_prev_, s_prev_, c_prev_, s_prev_);
    return true;
  }

 private:
  float* f_;
  size_t nbins_;
  size_t k_ = 1;  // the next bin to scale
  bool have_ = false;
  double c_prev_ = 0, s_prev_ = 0;
};

// p[2k] = |a_k|^2 and p[2k+1] = (pi^2 / 16) |a_k - a_k+1|^2 / (pi^2 / 8) for k < n.
[[gnu::target_clones("avx512f", "avx2", "default")]] void interleave_half_bins(
    const float* __restrict f, size_t n, float* __restrict p) {
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

  // Each block's scale, median(power) / its expected value for unit noise (ln 2 for wide
  // blocks; ExpectedMedian), rounded to float; the scaling follows a block behind.
  BlockLayout layout(nbins, rn);
  const size_t room = layout.max_block() + kPad;
  ExpectedMedian median_norm;
  scratch.resize(3 * room);  // a block's powers and block_median's two buffers
  float* p = scratch.data();
  LaggedScaler scaler(f, nbins);
  float median = 0;  // the previous block's, a guess at the next
  for (size_t o = 1; o < nbins;) {
    const size_t e = layout.end_of(o);
    const size_t len = e - o;
    median = block_median(f + 2 * o, len, len / 2, median, p, p + room, p + 2 * room);
    scaler.add(o, e, static_cast<float>(median / median_norm.of(len)));
    o = e;
  }
  if (!scaler.finish()) std::fill(a, a + nbins, std::complex<float>(0));
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
