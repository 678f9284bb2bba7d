// remove_baseline (kernels/search/spectrum.hpp): the running mean, in place.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/common/error.hpp"
#include "kernels/search/spectrum.hpp"

namespace tianyan {

namespace {

// ---- Blocks of kBlock steps -------------------------------------------------------------------
//
// In a block the window's sum changes by the samples entering (in[j], when `enters`) less those
// leaving (ring[j], the originals kept from before they were overwritten, when `leaves`), so
// sample j of the block has the mean
//     m_j = (S + sum_{t<=j} e_t) / c_j,  e_t = in_t - ring_t,  c_j = c + (j + 1) dc,
// with S, c the sum and count before the block and dc = enters - leaves. Written about
// ref = S / c rounded to float,
//     m_j = ref + (D + L_j) / c_j,  D = S - c ref,  L_j = sum_{t<=j} (e_t - dc ref),
// every term in float is a deviation from the local mean, of the size of the noise, not of the
// series' offset: float prefix sums (SIMD, 4, 8 or 16 lanes) lose nothing that matters (1e-7 of the
// noise), where the sum itself, ~window x offset, needs double. A constant series gives D = 0
// and every e_t - dc ref = 0 exactly, so m_j = ref = the constant and the output is exact zeros.
// The running sum S stays in double: per block it gains the lanes' float sums of e_t - dc ref
// (64 values per lane at most), converted and added in double, so it does not drift. fft_bench,
// 2^20 samples, 10 s window: ~0.95 ms (0.4-0.5x the FFT; prefix sums in double, 4 lanes) to
// ~0.34 ms (0.16-0.18x), of which the final standardising pass is ~15%.
constexpr size_t kBlock = 256;

template <int W>
struct FloatVecOf;  // (an alias template would drop vector_size on its dependent type)
template <>
struct FloatVecOf<4> {
  using type = float __attribute__((vector_size(16)));
};
template <>
struct FloatVecOf<8> {
  using type = float __attribute__((vector_size(32)));
};
template <>
struct FloatVecOf<16> {
  using type = float __attribute__((vector_size(64)));
};
template <int W>
using FloatVec = typename FloatVecOf<W>::type;

// len steps (see above; len a multiple of W, at most kBlock) in W-lane vectors: out[j]
// (overwritten) less its mean; ring[j] gets out[j]'s original. Returns the new running sum;
// acc += {sum y, sum y^2}.
template <int W>
[[gnu::always_inline]] inline double baseline_block_impl(float* __restrict out,
                                                         const float* __restrict in,
                                                         float* __restrict ring, size_t len,
                                                         bool leaves, double sum, size_t count,
                                                         double* acc) {
  using V = FloatVec<W>;
  const bool enters = in != nullptr;
  const int dc = static_cast<int>(enters) - static_cast<int>(leaves);
  const float ref = static_cast<float>(sum / static_cast<double>(count));
  const double d = sum - static_cast<double>(count) * static_cast<double>(ref);
  const V dc_ref = V{} + static_cast<float>(dc) * ref;  // exact: dc is -1, 0 or 1
  V step = {};                                          // j + 1 for lane j of the first vector
  for (int l = 0; l < W; ++l) step[l] = static_cast<float>(l + 1);
  const V count0 = V{} + static_cast<float>(count);
  const V dcv = V{} + static_cast<float>(dc);
  const V inv_count = V{} + static_cast<float>(1.0 / static_cast<double>(count));
  V carry = V{} + static_cast<float>(d);  // D + the prefix so far
  V total = {}, s1 = {}, s2 = {};
  for (size_t c = 0; c < len; c += W) {
    V x, e = -dc_ref;
    std::memcpy(&x, out + c, sizeof(V));
    if (enters) {
      V v;
      std::memcpy(&v, in + c, sizeof(V));
      e += v;
    }
    if (leaves) {
      V v;
      std::memcpy(&v, ring + c, sizeof(V));
      e -= v;
    }
    total += e;
    // Inclusive prefix sums within the vector (shifts with zeros coming in), then the block's
    // so far (one add on the dependency chain per vector).
    const V z = {};
    if constexpr (W == 4) {
      e += __builtin_shufflevector(z, e, 0, 4, 5, 6);
      e += __builtin_shufflevector(z, e, 0, 1, 4, 5);
      const V l = carry + e;
      carry += __builtin_shufflevector(e, e, 3, 3, 3, 3);
      e = l;
    } else if constexpr (W == 8) {
      e += __builtin_shufflevector(z, e, 0, 8, 9, 10, 11, 12, 13, 14);
      e += __builtin_shufflevector(z, e, 0, 1, 8, 9, 10, 11, 12, 13);
      e += __builtin_shufflevector(z, e, 0, 1, 2, 3, 8, 9, 10, 11);
      const V l = carry + e;
      carry += __builtin_shufflevector(e, e, 7, 7, 7, 7, 7, 7, 7, 7);
      e = l;
    } else {
      static_assert(W == 16);
      e += __builtin_shufflevector(z, e, 0, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
                                   30);
      e += __builtin_shufflevector(z, e, 0, 1, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                                   29);
      e +=
          __builtin_shufflevector(z, e, 0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
      e += __builtin_shufflevector(z, e, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
      const V l = carry + e;
      carry += __builtin_shufflevector(e, e, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15,
                                       15, 15);
      e = l;
    }
    const V inv = dc == 0 ? inv_count : 1.0f / (count0 + dcv * (static_cast<float>(c) + step));
    const V y = x - (ref + e * inv);
    std::memcpy(ring + c, &x, sizeof(V));
    std::memcpy(out + c, &y, sizeof(V));
    s1 += y;
    s2 += y * y;
  }
  double t = 0;
  for (int k = 0; k < W; ++k) t += total[k], acc[0] += s1[k], acc[1] += s2[k];
  const auto count_after = static_cast<double>(count) + dc * static_cast<double>(len);
  return count_after * static_cast<double>(ref) + d + t;
}

using BlockFn = double (*)(float*, const float*, float*, size_t, bool, double, size_t, double*);

#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target("avx512f")]] double baseline_block_avx512(float* out, const float* in, float* ring,
                                                        size_t len, bool leaves, double sum,
                                                        size_t count, double* acc) {
  return baseline_block_impl<16>(out, in, ring, len, leaves, sum, count, acc);
}
[[gnu::target("avx2,fma")]] double baseline_block_avx2(float* out, const float* in, float* ring,
                                                       size_t len, bool leaves, double sum,
                                                       size_t count, double* acc) {
  return baseline_block_impl<8>(out, in, ring, len, leaves, sum, count, acc);
}
#endif
double baseline_block_generic(float* out, const float* in, float* ring, size_t len, bool leaves,
                              double sum, size_t count, double* acc) {
  return baseline_block_impl<4>(out, in, ring, len, leaves, sum, count, acc);
}

// The block kernel for this CPU, and its lane count (block lengths are multiples of it).
struct BlockKernel {
  BlockFn fn;
  size_t lanes;
};
BlockKernel pick_baseline_block() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {baseline_block_avx512, 16};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {baseline_block_avx2, 8};
  }
#endif
  return {baseline_block_generic, 4};
}

// The sum of x[0..n) in double, 8 partial sums (vectorised; a single chain of dependent double
// additions costs 4 cycles a sample, and the first window is 50k samples).
[[gnu::target_clones("avx512f", "avx2", "default")]] double sum_to_double(const float* x,
                                                                          size_t n) {
  double part[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) part[k] += static_cast<double>(x[i + k]);
  }
  double s = 0;
  for (; i < n; ++i) s += static_cast<double>(x[i]);
  for (double v : part) s += v;
  return s;
}

// (x - m) / sd over the whole series.
[[gnu::target_clones("avx512f", "avx2", "default")]] void standardise(float* __restrict x, size_t n,
                                                                      float m, float inv_sd) {
  for (size_t j = 0; j < n; ++j) x[j] = (x[j] - m) * inv_sd;
}

// The running mean of remove_baseline, in place: sample i's window is [i - before, i + after]
// clipped to the series. x[i - before - 1] leaves the window at step i, after x has been
// overwritten there, so a ring of the last before + 1 originals keeps it (the slot read at
// step i is the one written). Also accumulates the sum and sum of squares of the output.
struct RunningBaseline {
  RunningBaseline(float* x_, size_t n_, size_t window_, BlockKernel kernel_)
      : kernel(kernel_),
        x(x_),
        n(n_),
        window(window_),
        before((window_ - 1) / 2),
        after(window_ - 1 - before),
        ring_size(before + 1),
        inv_window(1.0 / static_cast<double>(window_)) {
    // The ring is per thread and kept: 200 kB for 10 s at 98 us, allocated once.
    thread_local std::vector<float> ring_store;
    if (ring_store.size() < ring_size) ring_store.resize(ring_size);
    ring = ring_store.data();
    count = std::min(after, n);
    sum = sum_to_double(x, count);
  }

  // The mean is rounded to float before subtracting so that a constant series gives exact
  // zeros (sum * (1 / w) may be an ulp off the constant in double).
  float output(size_t i, double s, double mean_scale) {
    ring[slot++] = x[i];
    const float y = x[i] - static_cast<float>(s * mean_scale);
    x[i] = y;
    return y;
  }

  void step(size_t i) {
    if (i + after < n) sum += x[i + after], ++count;
    if (i > before) sum -= ring[slot], --count;
    const double scale = count == window ? inv_window : 1.0 / static_cast<double>(count);
    const float y = output(i, sum, scale);
    sy += y;
    syy += static_cast<double>(y) * y;
    if (slot == ring_size) slot = 0;
  }

  // len steps from i (see baseline_block_impl), all with or all without a sample entering and
  // one leaving; needs slot + len <= ring size, and after >= len when one enters (the entering
  // samples are then not among those overwritten).
  void step_block(size_t i, size_t len, bool enters, bool leaves) {
    double acc[2] = {0, 0};
    sum = kernel.fn(x + i, enters ? x + i + after : nullptr, ring + slot, len, leaves, sum, count,
                    acc);
    if (enters) count += len;
    if (leaves) count -= len;
    sy += acc[0];
    syy += acc[1];
    slot += len;
    if (slot == ring_size) slot = 0;
  }

  BlockKernel kernel;
  float* x;
  size_t n, window, before, after;
  size_t ring_size;
  float* ring = nullptr;
  size_t slot = 0;
  double sum = 0;
  size_t count = 0;
  double inv_window;
  double sy = 0, syy = 0;
};

}  // namespace

void remove_baseline(float* x, size_t n, size_t window) {
  if (n == 0) return;
  if (window == 0) throw internal_error("remove_baseline: window must be >= 1 sample");
  window = std::min(window, 2 * n);  // wider changes nothing: every window is the whole series
  static const BlockKernel kernel = pick_baseline_block();
  RunningBaseline rb(x, n, window, kernel);
  // Samples enter the window up to step i = n - after and leave from step before + 1. Steps go
  // in blocks (of kBlock, shorter at those boundaries and where the ring wraps: a multiple of
  // the lane count) while one fits, the rest one by one.
  const size_t leave_from = rb.before + 1;
  const size_t enter_to = n > rb.after ? n - rb.after : 0;
  const size_t lanes = kernel.lanes;
  size_t i = 0;
  while (i < n) {
    const bool enters = i < enter_to, leaves = i >= leave_from;
    const size_t limit = std::min({n, enters ? enter_to : n, leaves ? n : leave_from});
    size_t len = std::min({kBlock, limit - i, rb.ring_size - rb.slot});
    if (enters) len = std::min(len, rb.after);
    len -= len % lanes;
    if (len > 0 && rb.count > 0) {
      rb.step_block(i, len, enters, leaves);
      i += len;
    } else {
      rb.step(i++);
    }
  }
  const double m = rb.sy / static_cast<double>(n);
  const double var = rb.syy / static_cast<double>(n) - m * m;
  if (!(var > 0)) {
    std::fill(x, x + n, 0.0f);
    return;
  }
  standardise(x, n, static_cast<float>(m), static_cast<float>(1.0 / std::sqrt(var)));
}

}  // namespace tianyan
