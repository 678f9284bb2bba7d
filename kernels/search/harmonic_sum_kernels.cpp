// The inner loops of the harmonic sum (harmonic_sum.cpp has the tiling and the peaks).
//
// Blocks replace division. With D = max(N, W) for vectors of W lanes, round(h (j + D) / N) =
// round(h j / N) + h D / N, so in a block of D consecutive grid points harmonic h < N is read
// at a fixed pattern of offsets from an index that advances by h D / N per block. W consecutive
// points span at most W consecutive powers (h / N < 1), so the SIMD kernels fetch them with one
// unaligned load and one lane permutation, the pattern's lane indices held in registers.
//
// Order of the additions, the same in every kernel so that all give identical sums: a stage's
// odd harmonics go in groups of four (k = 4g .. 4g + 3, h = 2k + 1), each summed pairwise as
// (x0 + x1) + (x2 + x3), and the groups are added to the sum in increasing g. Short dependency
// chains keep the SIMD kernels from waiting on the latency of the additions.
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/common/error.hpp"
#include "kernels/search/harmonic_sum.hpp"
#include "kernels/search/harmonic_sum_detail.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TIANYAN_HARMONIC_X86 1
#endif

namespace tianyan::harmonic_detail {
namespace {

constexpr int kMaxStages = 6;  // nharm 1, 2, 4, 8, 16, 32
constexpr int kMaxOdd = 16;    // odd harmonics added by the last stage

// Stage s (N = 2^s) for W lanes: harmonic h = 2k + 1 of grid point j = block b + W c + i is
// p[step[k] b + base[k][c] + lane[k][c][i]].
template <int W>
struct StageTable {
  int nharm = 1;
  int nodd = 0;   // N / 2
  int block = W;  // max(N, W): a whole number of vectors
  int nvec = 1;   // block / W
  std::array<uint32_t, kMaxOdd> step{};
  std::array<std::array<uint32_t, 32 / W>, kMaxOdd> base{};
  std::array<std::array<std::array<int32_t, W>, 32 / W>, kMaxOdd> lane{};
  std::array<std::array<int, 32 / W>, kMaxOdd> span{};  // powers read: last lane + 1
};

template <int W>
constexpr StageTable<W> make_table(int s) {
  StageTable<W> t;
  t.nharm = 1 << s;
  t.nodd = t.nharm / 2;
  t.block = std::max(t.nharm, W);
  t.nvec = t.block / W;
  const auto n = static_cast<uint32_t>(t.nharm);
  for (int k = 0; k < t.nodd; ++k) {
    const auto h = static_cast<uint32_t>(2 * k + 1);
    t.step[k] = h * static_cast<uint32_t>(t.block) / n;
    for (int c = 0; c < t.nvec; ++c) {
      const auto r0 = static_cast<uint64_t>(W * c);
      const uint64_t b0 = harmonic_half_bin(r0, h, n);
      t.base[k][c] = static_cast<uint32_t>(b0);
      for (int i = 0; i < W; ++i) {
        t.lane[k][c][i] = static_cast<int32_t>(harmonic_half_bin(r0 + i, h, n) - b0);
      }
      t.span[k][c] = t.lane[k][c][W - 1] + 1;
    }
  }
  return t;
}

template <int W>
constexpr std::array<StageTable<W>, kMaxStages> kTables = {make_table<W>(0), make_table<W>(1),
                                                           make_table<W>(2), make_table<W>(3),
                                                           make_table<W>(4), make_table<W>(5)};

// The canonical sum of one group of gn terms (1, 2 or 4: a stage adds 1, 2, 4, 8 or 16).
inline float group_sum(const float* x, int gn) {
  if (gn == 1) return x[0];
  if (gn == 2) return x[0] + x[1];
  return (x[0] + x[1]) + (x[2] + x[3]);
}

void add_blocks_generic(int s, const float* p, float* tile, uint64_t b0, uint64_t b1) {
  const StageTable<8>& t = kTables<8>[s];
  const auto block = static_cast<uint64_t>(t.block);
  for (uint64_t b = b0; b < b1; ++b) {
    float* a = tile + (b - b0) * block;
    if (s == 1) std::copy(p + b * block, p + (b + 1) * block, a);
    for (int g = 0; g < t.nodd; g += 4) {
      const int gn = std::min(4, t.nodd - g);
      for (int c = 0; c < t.nvec; ++c) {
        for (int i = 0; i < 8; ++i) {
          float x[4];
          for (int u = 0; u < gn; ++u) {
            const int k = g + u;
            x[u] = p[t.step[k] * b + t.base[k][c] + static_cast<uint32_t>(t.lane[k][c][i])];
          }
          a[8 * c + i] += group_sum(x, gn);
        }
      }
    }
  }
}

size_t find_generic(const float* a, size_t n, float thr) {
  size_t i = 0;
  // Nearly every point is below threshold: 16 at a time without branches.
  for (; i + 16 <= n; i += 16) {
    int any = 0;
    for (size_t u = 0; u < 16; ++u) any |= a[i + u] >= thr;
    if (any) break;
  }
  for (; i < n; ++i) {
    if (a[i] >= thr) return i;
  }
  return n;
}

#ifdef TIANYAN_HARMONIC_X86
// The powers that harmonic K reads for the 8 lanes of vector C of block b. Low harmonics read
// few distinct powers (span); loading only those saves load bandwidth (the lanes that the
// permutation never selects are left undefined).
template <int S, int C, int K>
[[gnu::target("avx2"), gnu::always_inline]] inline __m256 term8(const float* p, uint64_t b,
                                                                const __m256i* lane) {
  constexpr const StageTable<8>& t = kTables<8>[S];
  const float* w = p + t.step[K] * b + t.base[K][C];
  if constexpr (t.span[K][C] <= 4) {
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(w)), lane[K]);
  }
  return _mm256_permutevar8x32_ps(_mm256_loadu_ps(w), lane[K]);
}

template <int S, int C, int G>
[[gnu::target("avx2"), gnu::always_inline]] inline __m256 group8(const float* p, uint64_t b,
                                                                 const __m256i* lane) {
  constexpr int kn = std::min(kTables<8>[S].nodd - 4 * G, 4);
  const __m256 x0 = term8<S, C, 4 * G>(p, b, lane);
  if constexpr (kn == 1) return x0;
  const __m256 x01 = _mm256_add_ps(x0, term8<S, C, 4 * G + 1>(p, b, lane));
  if constexpr (kn == 2) return x01;
  return _mm256_add_ps(
      x01, _mm256_add_ps(term8<S, C, 4 * G + 2>(p, b, lane), term8<S, C, 4 * G + 3>(p, b, lane)));
}

// One pass over vector C of blocks [b0, b1) adding the groups G...: all offsets are
// compile-time constants and the lane patterns stay in registers (at most 8 of the 16 ymm
// registers, hence two passes for 16 harmonics). kInit: the sums start from p (stage 1), not
// from the tile, and p is checked against thr0. kCheck: the sums are checked against thr (the
// pass that completes the stage). Returns the flags of add_stage.
template <int S, int C, bool kInit, bool kCheck, int... G>
[[gnu::target("avx2")]] unsigned pass_avx2(const float* p, float* tile, uint64_t b0, uint64_t b1,
                                           float thr, float thr0,
                                           std::integer_sequence<int, G...>) {
  constexpr const StageTable<8>& t = kTables<8>[S];
  constexpr int kLo = 4 * std::min({G...});
  constexpr int kHi = std::min(t.nodd, 4 * std::max({G...}) + 4);
  __m256i lane[kMaxOdd];
  for (int k = kLo; k < kHi; ++k) {
    lane[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.lane[k][C].data()));
  }
  const __m256 th = _mm256_set1_ps(thr);
  const __m256 th0 = _mm256_set1_ps(thr0);
  __m256 hit = _mm256_setzero_ps();
  __m256 hit0 = _mm256_setzero_ps();
  for (uint64_t b = b0; b < b1; ++b) {
    const uint64_t i = (b - b0) * static_cast<uint64_t>(t.block) + 8 * C;
    __m256 v = _mm256_loadu_ps(kInit ? p + b0 * static_cast<uint64_t>(t.block) + i : tile + i);
    if constexpr (kInit) hit0 = _mm256_or_ps(hit0, _mm256_cmp_ps(v, th0, _CMP_GE_OQ));
    ((v = _mm256_add_ps(v, group8<S, C, G>(p, b, lane))), ...);
    _mm256_storeu_ps(tile + i, v);
    if constexpr (kCheck) hit = _mm256_or_ps(hit, _mm256_cmp_ps(v, th, _CMP_GE_OQ));
  }
  return (kCheck && !_mm256_testz_ps(hit, hit) ? kSumsAbove : 0u) |
         (kInit && !_mm256_testz_ps(hit0, hit0) ? kPowersAbove : 0u);
}

template <int S, int C>
unsigned vector_avx2(const float* p, float* tile, uint64_t b0, uint64_t b1, float thr, float thr0) {
  constexpr int kGroups = (kTables<8>[S].nodd + 3) / 4;
  constexpr bool kInit = S == 1;
  if constexpr (kGroups <= 2) {
    return pass_avx2<S, C, kInit, true>(p, tile, b0, b1, thr, thr0,
                                        std::make_integer_sequence<int, kGroups>{});
  } else {
    static_assert(kGroups == 4);
    const unsigned f = pass_avx2<S, C, kInit, false>(p, tile, b0, b1, thr, thr0,
                                                     std::integer_sequence<int, 0, 1>{});
    return f | pass_avx2<S, C, false, true>(p, tile, b0, b1, thr, thr0,
                                            std::integer_sequence<int, 2, 3>{});
  }
}

// As the AVX2 kernel with 16 lanes: half the permutations, and the 32 zmm registers hold all
// 16 patterns, so one pass per vector.
template <int S, int C, int K>
[[gnu::target("avx512f"), gnu::always_inline]] inline __m512 window16(const float* p, uint64_t b) {
  constexpr const StageTable<16>& t = kTables<16>[S];
  const float* w = p + t.step[K] * b + t.base[K][C];
  constexpr int kSpan = t.span[K][C];
  if constexpr (kSpan <= 4) return _mm512_castps128_ps512(_mm_loadu_ps(w));
  if constexpr (kSpan <= 8) return _mm512_castps256_ps512(_mm256_loadu_ps(w));
  return _mm512_loadu_ps(w);
}

template <int S, int C, int K>
[[gnu::target("avx512f"), gnu::always_inline]] inline __m512 term16(const float* p, uint64_t b,
                                                                    const __m512i* lane) {
  // The all-lanes mask form: GCC 12's plain _mm512_permutexvar_ps trips
  // -Wmaybe-uninitialized inside its own header (_mm512_undefined_ps); same instruction.
  const __m512 w = window16<S, C, K>(p, b);
  return _mm512_mask_permutexvar_ps(w, 0xffff, lane[K], w);
}

// Harmonics 4 G .. 4 G + 3 (or fewer), summed pairwise.
template <int S, int C, int G>
[[gnu::target("avx512f"), gnu::always_inline]] inline __m512 group16(const float* p, uint64_t b,
                                                                     const __m512i* lane) {
  constexpr int kn = std::min(kTables<16>[S].nodd - 4 * G, 4);
  const __m512 x0 = term16<S, C, 4 * G>(p, b, lane);
  if constexpr (kn == 1) return x0;
  const __m512 x01 = _mm512_add_ps(x0, term16<S, C, 4 * G + 1>(p, b, lane));
  if constexpr (kn == 2) return x01;
  return _mm512_add_ps(
      x01, _mm512_add_ps(term16<S, C, 4 * G + 2>(p, b, lane), term16<S, C, 4 * G + 3>(p, b, lane)));
}

template <int S, int C, int... G>
[[gnu::target("avx512f")]] unsigned pass_avx512(const float* p, float* tile, uint64_t b0,
                                                uint64_t b1, float thr, float thr0,
                                                std::integer_sequence<int, G...>) {
  constexpr const StageTable<16>& t = kTables<16>[S];
  __m512i lane[kMaxOdd];
  for (int k = 0; k < t.nodd; ++k) lane[k] = _mm512_loadu_si512(t.lane[k][C].data());
  const __m512 th = _mm512_set1_ps(thr);
  const __m512 th0 = _mm512_set1_ps(thr0);
  __mmask16 hit = 0, hit0 = 0;
  for (uint64_t b = b0; b < b1; ++b) {
    const uint64_t i = (b - b0) * static_cast<uint64_t>(t.block) + 16 * C;
    __m512 v = _mm512_loadu_ps(S == 1 ? p + b0 * static_cast<uint64_t>(t.block) + i : tile + i);
    if constexpr (S == 1) {
      hit0 = static_cast<__mmask16>(hit0 | _mm512_cmp_ps_mask(v, th0, _CMP_GE_OQ));
    }
    ((v = _mm512_add_ps(v, group16<S, C, G>(p, b, lane))), ...);
    _mm512_storeu_ps(tile + i, v);
    hit = static_cast<__mmask16>(hit | _mm512_cmp_ps_mask(v, th, _CMP_GE_OQ));
  }
  return (hit != 0 ? kSumsAbove : 0u) | (hit0 != 0 ? kPowersAbove : 0u);
}

template <int S, int... C>
unsigned stage_avx2(const float* p, float* tile, uint64_t b0, uint64_t b1, float thr, float thr0,
                    std::integer_sequence<int, C...>) {
  return (vector_avx2<S, C>(p, tile, b0, b1, thr, thr0) | ...);
}

template <int S, int... C>
unsigned stage_avx512(const float* p, float* tile, uint64_t b0, uint64_t b1, float thr, float thr0,
                      std::integer_sequence<int, C...>) {
  constexpr auto kGroups = std::make_integer_sequence<int, (kTables<16>[S].nodd + 3) / 4>{};
  return (pass_avx512<S, C>(p, tile, b0, b1, thr, thr0, kGroups) | ...);
}

template <int S>
unsigned add_blocks_simd(Kernel kernel, const float* p, float* tile, uint64_t b0, uint64_t b1,
                         float thr, float thr0) {
  if (kernel == Kernel::Avx512) {
    return stage_avx512<S>(p, tile, b0, b1, thr, thr0,
                           std::make_integer_sequence<int, kTables<16>[S].nvec>{});
  }
  return stage_avx2<S>(p, tile, b0, b1, thr, thr0,
                       std::make_integer_sequence<int, kTables<8>[S].nvec>{});
}

using SimdStage = unsigned (*)(Kernel, const float*, float*, uint64_t, uint64_t, float, float);
constexpr std::array<SimdStage, kMaxStages> kSimdStages = {nullptr,
                                                           add_blocks_simd<1>,
                                                           add_blocks_simd<2>,
                                                           add_blocks_simd<3>,
                                                           add_blocks_simd<4>,
                                                           add_blocks_simd<5>};

[[gnu::target("avx2")]] size_t find_avx2(const float* a, size_t n, float thr) {
  const __m256 t = _mm256_set1_ps(thr);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 m0 = _mm256_cmp_ps(_mm256_loadu_ps(a + i), t, _CMP_GE_OQ);
    const __m256 m1 = _mm256_cmp_ps(_mm256_loadu_ps(a + i + 8), t, _CMP_GE_OQ);
    const __m256 m2 = _mm256_cmp_ps(_mm256_loadu_ps(a + i + 16), t, _CMP_GE_OQ);
    const __m256 m3 = _mm256_cmp_ps(_mm256_loadu_ps(a + i + 24), t, _CMP_GE_OQ);
    const __m256 m = _mm256_or_ps(_mm256_or_ps(m0, m1), _mm256_or_ps(m2, m3));
    if (!_mm256_testz_ps(m, m)) break;
  }
  for (; i < n; ++i) {
    if (a[i] >= thr) return i;
  }
  return n;
}

[[gnu::target("avx512f")]] size_t find_avx512(const float* a, size_t n, float thr) {
  const __m512 t = _mm512_set1_ps(thr);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __mmask16 m =
        static_cast<__mmask16>(_mm512_cmp_ps_mask(_mm512_loadu_ps(a + i), t, _CMP_GE_OQ) |
                               _mm512_cmp_ps_mask(_mm512_loadu_ps(a + i + 16), t, _CMP_GE_OQ) |
                               _mm512_cmp_ps_mask(_mm512_loadu_ps(a + i + 32), t, _CMP_GE_OQ) |
                               _mm512_cmp_ps_mask(_mm512_loadu_ps(a + i + 48), t, _CMP_GE_OQ));
    if (m != 0) break;
  }
  for (; i < n; ++i) {
    if (a[i] >= thr) return i;
  }
  return n;
}
#endif

}  // namespace

bool kernel_available(Kernel kernel) {
#ifdef TIANYAN_HARMONIC_X86
  static const bool avx2 = __builtin_cpu_supports("avx2");
  static const bool avx512 = __builtin_cpu_supports("avx512f");
#else
  constexpr bool avx2 = false, avx512 = false;
#endif
  switch (kernel) {
    case Kernel::Avx2:
      return avx2;
    case Kernel::Avx512:
      return avx512;
    default:
      return true;
  }
}

Kernel resolve_kernel(Kernel kernel) {
  if (kernel == Kernel::Auto) {
    if (kernel_available(Kernel::Avx512)) return Kernel::Avx512;
    return kernel_available(Kernel::Avx2) ? Kernel::Avx2 : Kernel::Generic;
  }
  if (!kernel_available(kernel)) throw internal_error("harmonic sum: kernel not available here");
  return kernel;
}

unsigned add_stage(Kernel kernel, int s, const float* p, float* tile, uint64_t j0, uint64_t j1,
                   float threshold, float p_threshold) {
  const int width = kernel == Kernel::Avx512 ? 16 : 8;
  const auto block = static_cast<uint64_t>(std::max(1 << s, width));
  if (j0 % block != 0 || s < 1 || s >= kMaxStages) {
    throw internal_error("harmonic sum: stage {} at {} not on a block boundary", s, j0);
  }
  const uint64_t b0 = j0 / block;
  const uint64_t b1 = j1 / block;
  unsigned flags = 0;
  bool done = b1 == b0;
#ifdef TIANYAN_HARMONIC_X86
  if (!done && kernel != Kernel::Generic) {
    flags = kSimdStages[s](kernel, p, tile, b0, b1, threshold, p_threshold);
    done = true;
  }
#endif
  if (!done) {
    add_blocks_generic(s, p, tile, b0, b1);
    flags = kSumsAbove | kPowersAbove;  // no checks: scan everything
  }
  // The last partial block (only at the end of the span), point by point.
  const auto n = static_cast<uint32_t>(1 << s);
  for (uint64_t j = std::max(j0, b1 * block); j < j1; ++j) {
    float& a = tile[j - j0];
    if (s == 1) {
      a = p[j];
      if (p[j] >= p_threshold) flags |= kPowersAbove;
    }
    for (uint32_t k = 0; k < n / 2; k += 4) {
      const int gn = static_cast<int>(std::min(4u, n / 2 - k));
      float x[4];
      for (int u = 0; u < gn; ++u) x[u] = p[harmonic_half_bin(j, 2 * (k + u) + 1, n)];
      a += group_sum(x, gn);
    }
    if (a >= threshold) flags |= kSumsAbove;
  }
  return flags;
}

size_t find_at_or_above(Kernel kernel, const float* a, size_t n, float threshold) {
#ifdef TIANYAN_HARMONIC_X86
  if (kernel == Kernel::Avx512) return find_avx512(a, n, threshold);
  if (kernel == Kernel::Avx2) return find_avx2(a, n, threshold);
#endif
  (void)kernel;
  return find_generic(a, n, threshold);
}

}  // namespace tianyan::harmonic_detail
