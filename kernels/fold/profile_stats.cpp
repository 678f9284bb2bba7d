#include "kernels/fold/profile_stats.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

void check_args(size_t nbin, double bin_var) {
  if (nbin < 2) throw internal_error("profile_stats: {} phase bins, need at least 2", nbin);
  if (!(bin_var > 0) || !std::isfinite(bin_var))
    throw internal_error("profile_stats: bin variance {} is not a positive finite number", bin_var);
}

}  // namespace

ProfileStats profile_stats(const float* profile, size_t nbin, double bin_var) {
  check_args(nbin, bin_var);
  const size_t n = nbin;
  double mean = 0;
  for (size_t b = 0; b < n; ++b) mean += profile[b];
  mean /= static_cast<double>(n);
  // Prefix sums of the mean-subtracted profile over two turns, so that a circular window
  // [b, b + w) is c[b + w] - c[b]; subtracting the mean first keeps the differences exact.
  std::vector<double> c(2 * n + 1, 0.0);
  double chi = 0;
  for (size_t b = 0; b < 2 * n; ++b) {
    const double d = profile[b % n] - mean;
    c[b + 1] = c[b] + d;
    if (b < n) chi += d * d;
  }
  ProfileStats st;
  st.redchi2 = chi / bin_var / static_cast<double>(n - 1);
  st.snr = -INFINITY;
  const double dn = static_cast<double>(n);
  for (size_t w = 1; w <= n / 2; ++w) {
    const double dw = static_cast<double>(w);
    const double norm = dn / ((dn - dw) * std::sqrt(dw * bin_var));
    for (size_t b = 0; b < n; ++b) {
      // With the profile's mean removed the total is 0, so the off-window mean is -S/(n-w)
      // and S - w m = S n / (n - w).
      const double snr = (c[b + w] - c[b]) * norm;
      if (snr > st.snr) st.snr = snr, st.width_bins = dw, st.peak_bin = b;
    }
  }
  const size_t w = static_cast<size_t>(st.width_bins);
  const double window = c[st.peak_bin + w] - c[st.peak_bin];
  st.mean = mean - window / (dn - static_cast<double>(w));
  return st;
}

double profile_snr_fast(const float* profile, size_t nbin, double bin_var, float* scratch) {
  const size_t n = nbin;
  float mean = 0;
  for (size_t b = 0; b < n; ++b) mean += profile[b];
  mean /= static_cast<float>(n);
  float* c = scratch;
  c[0] = 0;
  for (size_t b = 0; b < n; ++b) c[b + 1] = c[b] + (profile[b] - mean);
  const float total = c[n];
  for (size_t b = 0; b < n; ++b) c[n + b + 1] = total + c[b + 1];
  double best = 0;
  const double dn = static_cast<double>(n);
  // Every width up to 8 bins, then steps of about 1/8: a boxcar's S/N is flat near its best
  // width, so the grids lose well under 1% and do a third of the work at 128 bins.
  for (size_t w = 1; w <= n / 2; w += std::max<size_t>(1, w / 8)) {
    float m = -INFINITY;
    const float* hi = c + w;
#pragma omp simd reduction(max : m)
    for (size_t b = 0; b < n; ++b) m = std::max(m, hi[b] - c[b]);
    const double dw = static_cast<double>(w);
    const double snr = m * dn / ((dn - dw) * std::sqrt(dw * bin_var));
    if (snr > best) best = snr;
  }
  return best;
}

}  // namespace tianyan
