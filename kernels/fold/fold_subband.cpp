#include "kernels/fold/fold_subband.hpp"

#include "kernels/fold/fold_elements.hpp"

namespace tianyan {

[[gnu::target_clones("avx512f", "avx2", "default")]] void sum_rows(const float* const* src,
                                                                   size_t nsrc, size_t len,
                                                                   float* out) {
  float* __restrict o = out;
  size_t q = 0;
  if (nsrc == 0) {
    for (size_t i = 0; i < len; ++i) o[i] = 0.0f;
    return;
  }
  // Four rows per pass over `out`: the rows stream from the tile (L2), `out` stays in L1.
  if (nsrc >= 4) {
    const float* __restrict a = src[0];
    const float* __restrict b = src[1];
    const float* __restrict c = src[2];
    const float* __restrict d = src[3];
    for (size_t i = 0; i < len; ++i) o[i] = (a[i] + b[i]) + (c[i] + d[i]);
    q = 4;
  } else {
    const float* __restrict a = src[0];
    for (size_t i = 0; i < len; ++i) o[i] = a[i];
    q = 1;
  }
  for (; q + 4 <= nsrc; q += 4) {
    const float* __restrict a = src[q];
    const float* __restrict b = src[q + 1];
    const float* __restrict c = src[q + 2];
    const float* __restrict d = src[q + 3];
    for (size_t i = 0; i < len; ++i) o[i] += (a[i] + b[i]) + (c[i] + d[i]);
  }
  for (; q < nsrc; ++q) {
    const float* __restrict a = src[q];
    for (size_t i = 0; i < len; ++i) o[i] += a[i];
  }
}

[[gnu::target_clones("avx512f", "avx2", "default")]] void phase_bins(double t0, double tsamp,
                                                                     double freq_hz,
                                                                     double fdot_hz_s, size_t n,
                                                                     int nbin, int32_t* bins) {
  const double half_fdot = 0.5 * fdot_hz_s;
  const double nb = static_cast<double>(nbin);
  const int32_t last = nbin - 1;
  int32_t* __restrict out = bins;
  for (size_t i = 0; i < n; ++i) {
    out[i] = fold_elements::phase_bin(t0, tsamp, i, freq_hz, half_fdot, nb, last);
  }
}

void fold_into(const float* x, const int32_t* bins, size_t n, float* profile) {
  if (n == 0) return;
  fold_elements::RunSum run{bins[0], 0.0f};
  for (size_t i = 0; i < n; ++i) fold_elements::run_add(run, bins[i], x[i], profile);
  fold_elements::run_flush(run, profile);
}

[[gnu::target_clones("avx2", "default")]] double diff_sumsq(const float* x, size_t n) {
  return fold_elements::diff_sumsq(x, n);
}

}  // namespace tianyan
