#include "pipeline/simulate/pulsar_model.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/common/constants.hpp"
#include "kernels/common/dispersion.hpp"

namespace tianyan {

PulsarTiming::PulsarTiming(const SimPulsar& p)
    : f0_(1.0 / p.period_s),
      phi0_(p.phase0),
      a_over_c_(p.accel_ms2 / kSpeedOfLight),
      j_over_c_(p.jerk_ms3 / kSpeedOfLight),
      orbit_(p.orbit.enabled),
      x_(p.orbit.asini_lt_s),
      omega_(2.0 * M_PI / p.orbit.pb_s),
      t0_(p.orbit.t0_s) {}

double PulsarTiming::phase(double t) const {
  double tau = t + 0.5 * a_over_c_ * t * t + j_over_c_ * t * t * t / 6.0;
  if (orbit_) tau -= x_ * std::sin(omega_ * (t - t0_));
  return phi0_ + f0_ * tau;
}

double PulsarTiming::frequency(double t) const {
  double dtau = 1.0 + a_over_c_ * t + 0.5 * j_over_c_ * t * t;
  if (orbit_) dtau -= x_ * omega_ * std::cos(omega_ * (t - t0_));
  return f0_ * dtau;
}

double PulsarTiming::frequency_derivative(double t) const {
  double d2tau = a_over_c_ + j_over_c_ * t;
  if (orbit_) d2tau += x_ * omega_ * omega_ * std::sin(omega_ * (t - t0_));
  return f0_ * d2tau;
}

namespace {

// One profile component at phase offset dx (turns, unwrapped) from its centre.
double component(const std::string& shape, const SimProfileComponent& k, double dx) {
  if (shape == "vonmises") {
    // FWHM w: exp(kappa (cos(pi w) - 1)) = 1/2.
    const double kappa = std::log(2.0) / (1.0 - std::cos(M_PI * k.duty_cycle));
    return k.amplitude * std::exp(kappa * (std::cos(2.0 * M_PI * dx) - 1.0));
  }
  // Periodic Gaussian: sum over neighbouring turns so the profile is smooth at the wrap.
  double v = 0;
  const double s = 4.0 * std::log(2.0) / (k.duty_cycle * k.duty_cycle);
  dx -= std::floor(dx + 0.5);
  for (int turn = -2; turn <= 2; ++turn) v += std::exp(-s * (dx + turn) * (dx + turn));
  return k.amplitude * v;
}

// Cubic Hermite interpolation on [0, 1] with values y0, y1 and slopes (per unit t) m0, m1.
inline double hermite(double t, double y0, double y1, double m0, double m1) {
  const double t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * y1 +
         (t3 - t2) * m1;
}

size_t table_size(const SimPulsar& p, double min_window_turns) {
  double narrowest = 0.5;
  for (const auto& k : p.components) narrowest = std::min(narrowest, k.duty_cycle);
  const double want = std::max({4096.0, 64.0 / narrowest, 8.0 / min_window_turns});
  size_t n = 4096;
  while (static_cast<double>(n) < want && n < (size_t{1} << 20)) n *= 2;
  return n;
}

}  // namespace

PulseProfile::PulseProfile(const SimPulsar& pulsar, double min_window_turns)
    : n_(table_size(pulsar, min_window_turns)) {
  auto eval = [&](double x) {
    double v = 0;
    for (const auto& k : pulsar.components) v += component(pulsar.profile, k, x - k.phase);
    return v;
  };
  const double h = 1.0 / static_cast<double>(n_);
  p_.resize(n_ + 1);
  c1_.assign(n_ + 1, 0.0);
  c2_.assign(n_ + 1, 0.0);
  double peak = 0;
  std::vector<double> mid(n_), quarter(n_), three_quarter(n_);
  for (size_t i = 0; i <= n_; ++i) p_[i] = eval(static_cast<double>(i) * h);
  for (size_t i = 0; i < n_; ++i) {
    const double x = static_cast<double>(i) * h;
    quarter[i] = eval(x + 0.25 * h);
    mid[i] = eval(x + 0.5 * h);
    three_quarter[i] = eval(x + 0.75 * h);
    peak = std::max({peak, p_[i], quarter[i], mid[i], three_quarter[i]});
  }
  // Composite Simpson for c1 on each interval and for c1 at its midpoint, Simpson for c2.
  for (size_t i = 0; i < n_; ++i) {
    const double c1_mid = c1_[i] + h / 12.0 * (p_[i] + 4.0 * quarter[i] + mid[i]);
    c1_[i + 1] =
        c1_[i] +
        h / 12.0 * (p_[i] + 4.0 * quarter[i] + 2.0 * mid[i] + 4.0 * three_quarter[i] + p_[i + 1]);
    c2_[i + 1] = c2_[i] + h / 6.0 * (c1_[i] + 4.0 * c1_mid + c1_[i + 1]);
  }
  for (size_t i = 0; i <= n_; ++i) {
    p_[i] /= peak;
    c1_[i] /= peak;
    c2_[i] /= peak;
  }
  area_ = c1_[n_];
  area2_ = c2_[n_];
  // The on-pulse region is the complement of the longest circular run of negligible values.
  size_t best_len = 0, best_end = 0, run = 0;
  for (size_t i = 0; i < 2 * n_; ++i) {
    run = p_[i % n_] < 1e-7 ? run + 1 : 0;
    if (run > best_len && run <= n_) {
      best_len = run;
      best_end = i % n_;
    }
  }
  if (best_len > 2) {
    on_start_ = static_cast<double>(best_end) * h;  // last negligible grid point
    on_length_ = static_cast<double>(n_ - best_len + 2) * h;
  }
}

double PulseProfile::value(double phase) const {
  const double u = (phase - std::floor(phase)) * static_cast<double>(n_);
  const size_t i = std::min(static_cast<size_t>(u), n_ - 1);
  const double t = u - static_cast<double>(i);
  return p_[i] + t * (p_[i + 1] - p_[i]);
}

double PulseProfile::integral1(double x) const {
  const double turns = std::floor(x);
  const double u = (x - turns) * static_cast<double>(n_);
  const size_t i = std::min(static_cast<size_t>(u), n_ - 1);
  const double h = 1.0 / static_cast<double>(n_);
  return turns * area_ +
         hermite(u - static_cast<double>(i), c1_[i], c1_[i + 1], p_[i] * h, p_[i + 1] * h);
}

double PulseProfile::integral2(double x) const {
  // int_0^{n+u} I1 = A n(n-1)/2 + n A2 + n A u + I2(u), A = I1(1), A2 = I2(1).
  const double nt = std::floor(x);
  const double u = x - nt;
  const double ui = u * static_cast<double>(n_);
  const size_t i = std::min(static_cast<size_t>(ui), n_ - 1);
  const double h = 1.0 / static_cast<double>(n_);
  const double local =
      hermite(ui - static_cast<double>(i), c2_[i], c2_[i + 1], c1_[i] * h, c1_[i + 1] * h);
  return area_ * nt * (nt - 1.0) * 0.5 + nt * area2_ + nt * area_ * u + local;
}

double PulseProfile::window_mean(double x, double w, double s) const {
  // Shift by whole turns so the second integrals stay small (no cancellation).
  x -= std::floor(x - 0.5 * s);
  if (s < 1e-4 * w) return (integral1(x + w) - integral1(x)) / w;
  if (w < 1e-4 * s) return (integral1(x + 0.5 * s) - integral1(x - 0.5 * s)) / s;
  const double hs = 0.5 * s;
  return (integral2(x + w + hs) - integral2(x + hs) - integral2(x + w - hs) + integral2(x - hs)) /
         (w * s);
}

}  // namespace tianyan
