// block_median (kernels/search/block_median.hpp): the exact median of a whitening block's
// powers, by rounds of SIMD counting around a guess.
#include "kernels/search/block_median.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace tianyan {
namespace {

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

// The operations of a round, for one instruction set. All count NaN as neither below nor in.
struct SelectKernels {
  // p[j] = the power of bin j of f (interleaved re, im) for j < n, in any order; returns how
  // many are in [lo, hi), copied to out (n + kBlockMedianPad floats); `below` gets how many are below lo.
  size_t (*powers_compact)(const float* f, size_t n, float lo, float hi, float* p, float* out,
                           size_t* below);
  // The values of v[0..n) in [lo, hi) to out (n + kBlockMedianPad floats), as above.
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

// The k-th smallest of v[0..m), all in [lo, hi); v and tmp (m + kBlockMedianPad floats each) are
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

}  // namespace

// The k-th smallest power of the n bins f (interleaved re, im), given a guess near it; p, buf and
// tmp hold n + kBlockMedianPad floats each (p gets the powers).
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

}  // namespace tianyan
