#pragma once
// Acceleration search by time-domain resampling (docs/search.md, "Acceleration"): for a trial
// acceleration a (a > 0: the apparent frequency rises, f(t) = f_mid (1 + a (t - t_mid) / c)),
// the series is resampled so that a signal of that acceleration has a constant frequency
// f_mid, the frequency at the middle of the series, and is then searched like any other.
// An acceleration a drifts a signal at frequency f by z = a T^2 f / c bins over T seconds.
#include <cstddef>
#include <vector>

#include "kernels/search/search_config.hpp"

namespace tianyan {

// Drift in Fourier bins over tobs_s of a signal at f_hz with acceleration a_ms2.
double accel_drift_bins(double a_ms2, double tobs_s, double f_hz);

// The trial accelerations for cfg over tobs_s when the highest frequency searched is f_top_hz:
// 0 first, then symmetric pairs +-k da out to the first step at or beyond cfg.max_ms2
// (capped at it), with da = tolerance_bins c / (T^2 f_top). Only {0} when !cfg.enabled.
std::vector<double> accel_trials(const AccelConfig& cfg, double tobs_s, double f_top_hz);

// out[k] = in[round(k + shift(k))] for k = 0..n-1, where shift undoes the Doppler drift of
// acceleration a_ms2 about the middle sample: a signal with f(t) = f_mid (1 + a (t - t_mid)/c)
// in `in` has the constant frequency f_mid in `out` (nearest-neighbour resampling, as
// peasoup; indices clamped to [0, n-1]). a = 0 copies. Precisely,
// shift(k) = -(a tsamp / 2c) (k - (n - 1) / 2)^2 and round(x) = floor(x + 0.5); the output
// runs at memcpy speed. `in` and `out` must not overlap.
void resample_accel(const float* in, float* out, size_t n, double tsamp_s, double a_ms2);

// The same map as resample_accel without rounding: out[k] = in(k + shift(k)) interpolated by
// a Lanczos kernel of 16 taps (a = 8) from a table of 1024 fractional offsets per sample, with
// zeros outside the series. Phase is then exact to ~1e-3 cycle up to 0.8 of Nyquist, where
// rounding to the nearest sample errs by up to half a sample; 16 multiply-adds per sample
// instead of a copy, so it serves the refinement of a few candidates, not the grid.
void resample_accel_sinc(const float* in, float* out, size_t n, double tsamp_s, double a_ms2);

}  // namespace tianyan
