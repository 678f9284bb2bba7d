#include "kernels/search/search_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

const double kLogHalf = -std::numbers::ln2;
const double kHalfLog2Pi = 0.5 * std::log(2.0 * std::numbers::pi);
// log of the smallest positive double: a probability of exactly 1 - p with p = 1 in double is
// taken as this far from 1, so sigma stays finite (about -38.5).
const double kLogTiny = std::log(std::numeric_limits<double>::denorm_min());

// log P(S < s) for S ~ Gamma(n, 1), s < n: e^{-s} s^n / n! sum_m s^m / ((n+1)...(n+m)), whose
// terms fall geometrically because s < n.
double log_gamma_cdf_below_mean(int n, double s) {
  double term = 1, sum = 1;
  for (int m = 1; m < 100000; ++m) {
    term *= s / (n + m);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return -s + n * std::log(s) - std::lgamma(n + 1.0) + std::log(sum);
}

// log P(Z >= x) for x >= 0 by Newton on log_gauss_sf, safeguarded by the bracket [lo, hi].
// log Q is concave, so Newton converges from the right side of the root without oscillating.
double gauss_tail_inverse(double log_p) {
  double lo = 0;
  double hi = std::sqrt(-2.0 * log_p);  // Q(x) <= exp(-x^2 / 2) / 2 puts the root below it
  const double t = -2.0 * log_p;
  double x = std::clamp(std::sqrt(std::max(0.0, t - std::log(t) - 2.0 * kHalfLog2Pi)), lo, hi);
  for (int it = 0; it < 200; ++it) {
    const double lq = log_gauss_sf(x);
    const double f = lq - log_p;
    if (f == 0) return x;
    (f > 0 ? lo : hi) = x;
    // d log Q / dx = -phi(x) / Q(x)
    const double slope = -std::exp(-0.5 * x * x - kHalfLog2Pi - lq);
    double next = x - f / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::abs(next - x) <= 1e-13 * std::max(1.0, x) || hi - lo <= 1e-13 * std::max(1.0, hi)) {
      return next;
    }
    x = next;
  }
  return x;
}

}  // namespace

double log_gamma_sf(int n, double s) {
  if (n < 1) throw internal_error("log_gamma_sf: n = {} (must be >= 1)", n);
  if (std::isnan(s)) return s;
  if (s <= 0) return 0;
  if (std::isinf(s)) return -std::numeric_limits<double>::infinity();
  if (s < n) {
    // Below the mean the survival function is near 1; its complement keeps log(sf) accurate
    // where sf = 1 - tiny.
    const double log_cdf = log_gamma_cdf_below_mean(n, s);
    if (log_cdf < kLogHalf) return std::log1p(-std::exp(log_cdf));
  }
  // e^{-s} sum_{k<n} s^k / k!: a running log-sum-exp of the terms k log s - log k!.
  const double log_s = std::log(s);
  double t = 0, top = 0, sum = 1;
  for (int k = 1; k < n; ++k) {
    t += log_s - std::log(static_cast<double>(k));
    if (t > top) {
      sum = sum * std::exp(top - t) + 1;
      top = t;
    } else {
      sum += std::exp(t - top);
    }
  }
  return -s + top + std::log(sum);
}

double log_gauss_sf(double x) {
  if (std::isnan(x)) return x;
  if (x < 0) return std::log1p(-0.5 * std::erfc(-x * std::numbers::sqrt2 / 2));
  if (x < 30) return std::log(0.5 * std::erfc(x * std::numbers::sqrt2 / 2));
  // Q(x) = phi(x) / x (1 - 1/x^2 + 3/x^4 - 15/x^6 + ...); at x >= 30 the terms kept leave a
  // relative error below 1e-13 (erfc itself is fine to x ~ 37, where it underflows).
  const double z = 1.0 / (x * x);
  const double series = 1 - z * (1 - 3 * z * (1 - 5 * z * (1 - 7 * z * (1 - 9 * z))));
  return -0.5 * x * x - std::log(x) - kHalfLog2Pi + std::log(series);
}

double sigma_from_log_p(double log_p) {
  if (std::isnan(log_p)) return log_p;
  if (std::isinf(log_p) && log_p < 0) return std::numeric_limits<double>::infinity();
  if (log_p <= kLogHalf) return gauss_tail_inverse(log_p);
  // p > 1/2: by symmetry, minus the sigma of 1 - p.
  const double log_q = log_p >= 0 ? kLogTiny : std::max(kLogTiny, std::log(-std::expm1(log_p)));
  return -gauss_tail_inverse(std::min(log_q, kLogHalf));
}

double log_trials_fap(double log_p, double ntrials) {
  if (std::isnan(log_p) || std::isnan(ntrials)) return std::numeric_limits<double>::quiet_NaN();
  if (log_p >= 0) return 0;
  if (!(ntrials > 1)) return log_p;  // one trial (fewer counts as one)
  const double log_n = std::log(ntrials);
  // 1 - (1 - p)^n = n p (1 - (n - 1) p / 2 + ...): below n p ~ 1e-11 the first term is exact to
  // double precision, and it is the only form that survives p underflowing.
  if (log_p + log_n < -25) return log_n + log_p;
  const double log_1mp =
      log_p < kLogHalf ? std::log1p(-std::exp(log_p)) : std::log(-std::expm1(log_p));
  return std::log(-std::expm1(ntrials * log_1mp));
}

double candidate_sigma(double power, int nharm, double ntrials) {
  return sigma_from_log_p(log_trials_fap(log_gamma_sf(nharm, power), ntrials));
}

double power_for_sigma(double sigma, int nharm, double ntrials) {
  if (std::isnan(sigma)) throw internal_error("power_for_sigma: sigma is NaN");
  const auto reaches = [&](double s) { return candidate_sigma(s, nharm, ntrials) >= sigma; };
  if (reaches(0)) return 0;
  double lo = 0, hi = std::max(1.0, static_cast<double>(nharm));
  while (!reaches(hi)) {
    lo = hi;
    hi *= 2;
    if (std::isinf(hi)) return hi;
  }
  // Tighter than the documented 1e-4: thresholds then agree with candidate_sigma to ~1e-6.
  while (hi - lo > 1e-6 * hi) {
    const double mid = 0.5 * (lo + hi);
    (reaches(mid) ? hi : lo) = mid;
  }
  return hi;
}

double spectral_snr(double power, int nharm) {
  return (power - nharm) / std::sqrt(static_cast<double>(nharm));
}

}  // namespace tianyan
