#pragma once
// The optimiser's integer-bin grid arithmetic (kernels/fold/fold_optimise_grid.cpp), written
// once for the CPU's OpenMP loops and the CUDA kernels (fold_optimise_cuda_kernels.cu): the
// rotation of a profile for a phase, the order in which rotated profiles are added, and the
// fast boxcar S/N. Both backends then give the same S/N at every grid point, bit for bit.
// C++17: nvcc compiles it.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/fold/fold_elements.hpp"

#if defined(__CUDACC__)
#define TIANYAN_FOLD_SIMD
#define TIANYAN_FOLD_SIMD_MAX(var)
#else
#define TIANYAN_FOLD_SIMD _Pragma("omp simd")
#define TIANYAN_FOLD_SIMD_MAX_(x) _Pragma(#x)
#define TIANYAN_FOLD_SIMD_MAX(var) TIANYAN_FOLD_SIMD_MAX_(omp simd reduction(max : var))
#endif

namespace tianyan::fold_grid {

TIANYAN_HD double sqrt_rn(double x) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(x);
#else
  return std::sqrt(x);
#endif
}

// Integer rotation in bins for a phase psi (turns): round(psi nbin) mod nbin, in [0, nbin).
TIANYAN_HD uint32_t bin_shift(double psi, size_t nbin) {
  const long n = static_cast<long>(nbin);
#if defined(__CUDA_ARCH__)
  long r = lround(psi * static_cast<double>(nbin)) % n;
#else
  long r = std::lround(psi * static_cast<double>(nbin)) % n;
#endif
  if (r < 0) r += n;
  return static_cast<uint32_t>(r);
}

// The phase (turns) a DM change of w steps of ddm adds at a subband whose delay per unit DM
// is xdel (s), for a pulsar of frequency freq_hz.
TIANYAN_HD double dm_phase(double freq_hz, double w, double ddm, double xdel) {
  return fold_elements::dmul_rn(fold_elements::dmul_rn(fold_elements::dmul_rn(freq_hz, w), ddm), xdel);
}

// The rotation of a sub-integration in the frequency-fdot map at u frequency steps, from the
// phase -dphi(u, v) = base + u slope (fold_optimise_grid.cpp).
TIANYAN_HD uint32_t map_shift(double base, double slope, double u, size_t nbin) {
  return bin_shift(fold_elements::dadd_rn(base, fold_elements::dmul_rn(u, slope)), nbin);
}

// out[b] = sum over r < nrow of sub[r][shift[r] + b], b < nb, where sub holds each profile
// twice over ([nrow][2 nb]), four rows a pass: out = ((p0 + p1) + (p2 + p3)) + ... then the
// rest one by one, every sum starting from 0.
TIANYAN_HD void sum_rotated(const float* sub, size_t nrow, size_t nb, const uint32_t* shift,
                            float* out) {
  for (size_t b = 0; b < nb; ++b) out[b] = 0.0f;
  size_t r = 0;
  for (; r + 4 <= nrow; r += 4) {
    const float* p0 = sub + 2 * r * nb + shift[r];
    const float* p1 = sub + 2 * (r + 1) * nb + shift[r + 1];
    const float* p2 = sub + 2 * (r + 2) * nb + shift[r + 2];
    const float* p3 = sub + 2 * (r + 3) * nb + shift[r + 3];
    TIANYAN_FOLD_SIMD
    for (size_t b = 0; b < nb; ++b) out[b] += (p0[b] + p1[b]) + (p2[b] + p3[b]);
  }
  for (; r < nrow; ++r) {
    const float* p = sub + 2 * r * nb + shift[r];
    TIANYAN_FOLD_SIMD
    for (size_t b = 0; b < nb; ++b) out[b] += p[b];
  }
}

// The same profile added one row at a time (the DM curve's order: subband after subband).
TIANYAN_HD void sum_rotated_in_order(const float* sub, size_t nrow, size_t nb,
                                     const uint32_t* shift, float* out) {
  for (size_t b = 0; b < nb; ++b) out[b] = 0.0f;
  for (size_t r = 0; r < nrow; ++r) {
    const float* p = sub + 2 * r * nb + shift[r];
    TIANYAN_FOLD_SIMD
    for (size_t b = 0; b < nb; ++b) out[b] += p[b];
  }
}

// profile_snr_fast (kernels/fold/profile_stats.hpp): the best boxcar S/N over widths 1..8 and
// then steps of about w / 8, in float prefix sums. scratch: 2 nbin + 1 floats.
TIANYAN_HD double snr_fast(const float* profile, size_t n, double bin_var, float* c) {
  float mean = 0;
  for (size_t b = 0; b < n; ++b) mean += profile[b];
  mean /= static_cast<float>(n);
  c[0] = 0;
  for (size_t b = 0; b < n; ++b) c[b + 1] = c[b] + (profile[b] - mean);
  const float total = c[n];
  for (size_t b = 0; b < n; ++b) c[n + b + 1] = total + c[b + 1];
  double best = 0;
  const double dn = static_cast<double>(n);
  // A boxcar's S/N is flat near its best width: the grids lose well under 1% and do a third
  // of the work at 128 bins.
  for (size_t w = 1; w <= n / 2; w += (w / 8 > 1 ? w / 8 : 1)) {
    float m = -INFINITY;
    const float* hi = c + w;
    TIANYAN_FOLD_SIMD_MAX(m)
    for (size_t b = 0; b < n; ++b) {
      const float d = hi[b] - c[b];
      m = m < d ? d : m;
    }
    const double dw = static_cast<double>(w);
    const double snr = fold_elements::dmul_rn(m, dn) / fold_elements::dmul_rn(dn - dw, sqrt_rn(fold_elements::dmul_rn(dw, bin_var)));
    if (snr > best) best = snr;
  }
  return best;
}

}  // namespace tianyan::fold_grid
