#include "kernels/fold/fold_subband.hpp"

namespace tianyan {
namespace {

// Adding and subtracting 1.5 x 2^52 rounds a double of magnitude below 2^51 to an integer in
// two vectorisable additions (no libm floor, which the baseline x86-64 target cannot inline).
constexpr double kRoundMagic = 6755399441055744.0;

}  // namespace

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
    const double t = t0 + static_cast<double>(i) * tsamp;
    const double phase = t * (freq_hz + half_fdot * t);
    double frac = phase - ((phase + kRoundMagic) - kRoundMagic);  // in [-1/2, 1/2]
    frac = frac < 0.0 ? frac + 1.0 : frac;
    const auto b = static_cast<int32_t>(frac * nb);
    out[i] = b < last ? b : last;
  }
}

void fold_into(const float* x, const int32_t* bins, size_t n, float* profile) {
  if (n == 0) return;
  // Consecutive samples usually share a bin (a bin is >= 2 samples by default): summing runs
  // in a register avoids a store-to-load dependency through profile[] on every sample.
  int32_t cur = bins[0];
  float acc = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    if (bins[i] != cur) {
      profile[cur] += acc;
      acc = 0.0f;
      cur = bins[i];
    }
    acc += x[i];
  }
  profile[cur] += acc;
}

[[gnu::target_clones("avx2", "default")]] double diff_sumsq(const float* x, size_t n) {
  // Eight independent lanes, so the sum vectorises without reassociating one chain.
  double acc[8] = {};
  size_t i = 1;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) {
      const double d = static_cast<double>(x[i + k]) - x[i + k - 1];
      acc[k] += d * d;
    }
  }
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - x[i - 1];
    acc[0] += d * d;
  }
  double sum = 0;
  for (double a : acc) sum += a;
  return sum;
}

}  // namespace tianyan
