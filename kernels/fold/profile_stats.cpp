#include "kernels/fold/profile_stats.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/common/error.hpp"
#include "kernels/fold/fold_grid_elements.hpp"

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
  return fold_grid::snr_fast(profile, nbin, bin_var, scratch);
}

}  // namespace tianyan
