#include "kernels/search/fourier_interp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "kernels/common/error.hpp"
#include "kernels/common/golden_section.hpp"

namespace tianyan {
namespace {

constexpr double kPi = std::numbers::pi;

// Bin k of the full spectrum of a real series of even length 2 (nbins - 1), from the half
// spectrum: negative frequencies are conjugates (X_{-k} = conj X_k, exact for any length) and
// the bins above Nyquist mirror those below it. Used only where the window crosses an end.
std::complex<double> bin_at(const std::complex<float>* a, int64_t nbins, int64_t k) {
  bool conjugate = k < 0;
  if (conjugate) k = -k;
  if (k >= nbins) k = 2 * (nbins - 1) - k, conjugate = !conjugate;
  if (k < 0 || k >= nbins) return {};  // only for windows wider than the spectrum
  const std::complex<double> v(a[k].real(), a[k].imag());
  return conjugate ? std::conj(v) : v;
}

// sum_j win[j] / (d0 - j), the hot loop of refine_peak: divisions dominate, so it is built for
// AVX2 too, and the reduction may be reordered (which changes only the rounding).
[[gnu::target_clones("avx2", "default")]] void interior_sum(const std::complex<float>* win, int len,
                                                            double d0, double& sre, double& sim) {
  double re = 0, im = 0;
#pragma omp simd reduction(+ : re, im)
  for (int j = 0; j < len; ++j) {
    const double w = 1.0 / (d0 - j);
    re += static_cast<double>(win[j].real()) * w;
    im += static_cast<double>(win[j].imag()) * w;
  }
  sre = re, sim = im;
}

}  // namespace

// The kernel follows from x_t = (1/n) sum_k a_k exp(+2 pi i k t / n) put into
// sum_t x_t exp(-2 pi i r t / n): the geometric sum over t gives, for |d| << n with d = r - k,
// (1 - exp(-2 pi i d)) / (2 pi i d) = exp(-i pi d) sinc(pi d). Its numerator depends on r only
// (k is an integer), so each neighbour costs one division instead of a sine and an exponential.
std::complex<double> fourier_interp(const std::complex<float>* a, size_t nbins, double r,
                                    int half_width) {
  if (!(r >= 0) || !(r < static_cast<double>(nbins)) || half_width < 1 || half_width > (1 << 24)) {
    throw internal_error("fourier_interp: r = {} outside [0, {}) or half_width {} not in [1, 2^24]",
                         r, nbins, half_width);
  }
  const double rfloor = std::floor(r);
  const auto k0 = static_cast<int64_t>(rfloor);
  if (r == rfloor) return {a[k0].real(), a[k0].imag()};

  const auto nb = static_cast<int64_t>(nbins);
  const int64_t lo = k0 - half_width + 1;  // |r - k| <= half_width, r not an integer
  const int64_t hi = k0 + half_width;
  double sre = 0, sim = 0;
  if (lo >= 0 && hi < nb) {
    interior_sum(a + lo, 2 * half_width, r - static_cast<double>(lo), sre, sim);
  } else {
    for (int64_t k = lo; k <= hi; ++k) {
      const std::complex<double> v = bin_at(a, nb, k);
      const double w = 1.0 / (r - static_cast<double>(k));
      sre += v.real() * w;
      sim += v.imag() * w;
    }
  }
  // (1 - exp(-i theta)) / (2 pi i) with theta = 2 pi frac(r); 1 - cos written as 2 sin^2 to
  // keep precision near integer r.
  const double half = kPi * (r - rfloor);
  const double s = std::sin(half), co = std::cos(half);  // one sincos
  const std::complex<double> c(s * co / kPi, -s * s / kPi);
  return c * std::complex<double>(sre, sim);
}

namespace {

struct PeakContext {
  const std::complex<float>* a;
  size_t nbins;
  int nharm;
  int half_width;
};

double summed_power(const PeakContext& ctx, double r, std::vector<double>* harm) {
  const double top = static_cast<double>(ctx.nbins);
  double total = 0;
  for (int h = 1; h <= ctx.nharm; ++h) {
    const double rh = r * h;
    const double p =
        rh < top ? std::norm(fourier_interp(ctx.a, ctx.nbins, rh, ctx.half_width)) : 0.0;
    if (harm) harm->push_back(p);
    total += p;
  }
  return total;
}

}  // namespace

RefinedPeak refine_peak(const std::complex<float>* a, size_t nbins, double r0, int nharm,
                        double half_range, int half_width) {
  const double rmax = static_cast<double>(nbins) - 1;
  if (nharm < 1 || !(half_range >= 0) || !std::isfinite(half_range) || !(r0 >= 0) ||
      !(r0 <= rmax)) {
    throw internal_error("refine_peak: r0 = {} outside [0, {}], nharm {}, half_range {}", r0, rmax,
                         nharm, half_range);
  }
  const PeakContext ctx{a, nbins, nharm, half_width};
  const double lo = std::max(0.0, r0 - half_range);
  const double hi = std::min(rmax, r0 + half_range);

  // Coarse scan on a grid through r0, fine enough that the highest harmonic moves by 1/8 bin
  // per step: its peak is then bracketed by the best step and its neighbours.
  const double step = 1.0 / (8.0 * nharm);
  const auto i_lo = static_cast<int64_t>(std::ceil((lo - r0) / step));
  const auto i_hi = static_cast<int64_t>(std::floor((hi - r0) / step));
  double best_r = r0;
  double best_p = summed_power(ctx, r0, nullptr);
  for (int64_t i = i_lo; i <= i_hi; ++i) {
    const double r = r0 + static_cast<double>(i) * step;
    if (i == 0 || r < lo || r > hi) continue;
    const double p = summed_power(ctx, r, nullptr);
    if (p > best_p) best_p = p, best_r = r;
  }

  // Golden section on [best - step, best + step]; the best point ever evaluated is kept, so
  // the result is never worse than the scan.
  auto power_at = [&](double r) { return summed_power(ctx, r, nullptr); };
  golden_max(power_at, std::max(lo, best_r - step), std::min(hi, best_r + step), 1e-4 / nharm,
             best_r, best_p);

  RefinedPeak out;
  out.r_fund = best_r;
  out.harm_power.reserve(static_cast<size_t>(nharm));
  out.power = summed_power(ctx, best_r, &out.harm_power);
  return out;
}

}  // namespace tianyan
