#include "kernels/accel/accel_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/accel/accel_elements.hpp"
#include "kernels/common/constants.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {

double accel_drift_bins(double a_ms2, double tobs_s, double f_hz) {
  return a_ms2 * tobs_s * tobs_s * f_hz / kSpeedOfLight;
}

namespace {
// A list this long means a configuration error (a step far finer than anything searchable),
// not a plan: refuse it before allocating.
constexpr double kMaxTrials = 1e6;
}  // namespace

std::vector<double> accel_trials(const AccelConfig& cfg, double tobs_s, double f_top_hz) {
  if (!cfg.enabled) return {0.0};
  if (!(tobs_s > 0) || !(f_top_hz > 0) || !(cfg.tolerance_bins > 0) || !(cfg.max_ms2 > 0) ||
      !std::isfinite(cfg.max_ms2)) {
    throw bad_input("acceleration plan",
                    "needs T > 0, f_top > 0, tolerance_bins > 0 and max_ms2 > 0 (got T = {} s, "
                    "f_top = {} Hz, tolerance_bins = {}, max_ms2 = {})",
                    tobs_s, f_top_hz, cfg.tolerance_bins, cfg.max_ms2);
  }
  const double step = cfg.tolerance_bins * kSpeedOfLight / (tobs_s * tobs_s * f_top_hz);
  // The relative slack keeps max_ms2 = K step (up to rounding) from adding a K+1-th step that
  // the cap would make a near-duplicate of the K-th.
  const double nsteps = std::ceil(cfg.max_ms2 / step * (1 - 1e-12));
  if (2 * nsteps + 1 > kMaxTrials) {
    throw bad_input("acceleration plan",
                    "{:.0f} trials to {} m/s^2 at steps of {:.3g} m/s^2 (T = {} s, f_top = {} "
                    "Hz); raise tolerance_bins or lower max_ms2",
                    2 * nsteps + 1, cfg.max_ms2, step, tobs_s, f_top_hz);
  }
  const auto k_max = static_cast<int64_t>(nsteps);
  std::vector<double> trials;
  trials.reserve(static_cast<size_t>(2 * k_max + 1));
  trials.push_back(0.0);
  for (int64_t k = 1; k <= k_max; ++k) {
    const double a = std::min(static_cast<double>(k) * step, cfg.max_ms2);
    trials.push_back(a);
    trials.push_back(-a);
  }
  return trials;
}

namespace {

// The resampling map k -> k + round(shift(k)), shift(k) = -e (k - m)^2, e = a tsamp / (2c),
// m = (n - 1) / 2. To first order in a/c this inverts tau = s + (a / 2c) s^2 (s = t - t_mid):
// sampling the input at s_in = s_out - (a / 2c) s_out^2 gives tau(s_in) = s_out, so the signal
// advances uniformly in output time. The middle sample does not move.
struct ShiftMap {
  double e, m;
  // Clamped (monotone, so runs stay contiguous): accel_elements.hpp, shared with the GPU.
  int64_t round_shift(int64_t k) const { return accel_elements::round_shift(k, e, m); }
};

// out[k] = in[clamp(k + j)] for k in [k0, k1): a memcpy, plus the edge samples repeated
// where the source index falls off either end.
void copy_run(const float* in, float* out, int64_t n, int64_t k0, int64_t k1, int64_t j) {
  const int64_t a0 = std::clamp(-j, k0, k1);     // first k with k + j >= 0
  const int64_t a1 = std::clamp(n - j, a0, k1);  // first k with k + j > n - 1
  std::fill(out + k0, out + a0, in[0]);
  if (a1 > a0) std::memcpy(out + a0, in + a0 + j, static_cast<size_t>(a1 - a0) * sizeof(float));
  std::fill(out + a1, out + k1, in[n - 1]);
}

// A guess at the first k after a run of value j: where 0.5 - e (k - m)^2 reaches j + 1
// (rising) or falls below j, on the side `side` (-1 before the middle, +1 after). Only a
// guess (rounding, clamping): run_end checks it and corrects.
double run_end_guess(const ShiftMap& map, int64_t j, bool rising, double side) {
  const double d2 = (rising ? -0.5 - static_cast<double>(j) : 0.5 - static_cast<double>(j)) / map.e;
  return d2 >= 0 ? std::ceil(map.m + side * std::sqrt(d2)) : -1.0;
}

// The first k' in (k, end) with round_shift(k') != j = round_shift(k), or end. The guess
// usually brackets it at once (two evaluations); otherwise galloping and bisection from the
// tightest bracket known, so a wrong guess costs time, never correctness.
int64_t run_end(const ShiftMap& map, int64_t k, int64_t end, int64_t j, double guess) {
  int64_t good = k, bad = end;  // round_shift(good) == j; bad is != j or the end
  if (guess > static_cast<double>(k) && guess < static_cast<double>(end)) {
    const auto c = static_cast<int64_t>(guess);
    (map.round_shift(c) == j ? good : bad) = c;
    const int64_t c2 = bad == c ? c - 1 : c + 1;  // its neighbour, towards the other side
    if (c2 > good && c2 < bad) (map.round_shift(c2) == j ? good : bad) = c2;
  }
  int64_t step = 1;
  while (good + step < bad && map.round_shift(good + step) == j) good += step, step *= 2;
  bad = std::min(bad, good + step);
  while (bad - good > 1) {
    const int64_t mid = good + (bad - good) / 2;
    (map.round_shift(mid) == j ? good : bad) = mid;
  }
  return bad;
}

// Copies [begin, end), all on one side of the middle (side -1 before it, +1 after), where
// round_shift is monotone, run by run: the rounded shift is constant over runs of about
// 1 / |2 e (k - m)| samples, so the cost is that of a memcpy plus a square root and a few
// evaluations per run.
void resample_monotone(const float* in, float* out, int64_t n, const ShiftMap& map, int64_t begin,
                       int64_t end, double side) {
  const bool rising = (side < 0) == (map.e > 0);  // 0.5 - e d^2 rises as |d| falls if e > 0
  for (int64_t k = begin; k < end;) {
    const int64_t j = map.round_shift(k);
    const int64_t k1 = run_end(map, k, end, j, run_end_guess(map, j, rising, side));
    copy_run(in, out, n, k, k1, j);
    k = k1;
  }
}

}  // namespace

void resample_accel(const float* in, float* out, size_t n, double tsamp_s, double a_ms2) {
  if (!(tsamp_s > 0) || !std::isfinite(tsamp_s) || !std::isfinite(a_ms2)) {
    throw internal_error("resample_accel: tsamp {} s, a {} m/s^2", tsamp_s, a_ms2);
  }
  if (n == 0) return;
  if (a_ms2 == 0) {
    std::memcpy(out, in, n * sizeof(float));
    return;
  }
  const auto nn = static_cast<int64_t>(n);
  const ShiftMap map{a_ms2 * tsamp_s / (2 * kSpeedOfLight), 0.5 * static_cast<double>(nn - 1)};
  // |k - m| falls up to the middle and rises after it, so the shift is monotone on each side.
  const int64_t split = nn / 2;
  resample_monotone(in, out, nn, map, 0, split, -1.0);
  resample_monotone(in, out, nn, map, split, nn, +1.0);
}

}  // namespace tianyan
