// Continuous acceleration refinement of CpuPeriodSearcher (docs/search.md, "Acceleration").
// The grid's trials are spaced for the highest frequency searched, but a candidate's
// acceleration is only measured through the harmonics it has: the best grid trial is off by
// up to half a trial plus the noise of which trial won. Here the acceleration is optimised
// continuously around the best trial, each evaluation a band-limited resampling of the
// series, its FFT and a Fourier-interpolated frequency refinement, maximising the
// harmonics' amplitudes weighted by their signal (the maximum-likelihood estimate of (f, a)).
// It reaches the Cramer-Rao bound (tests/accel/accel_refine_test.cpp) for about 15-20 FFTs
// per refined candidate, so only strong candidates are refined (AccelConfig).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/accel/accel_plan.hpp"
#include "kernels/common/constants.hpp"
#include "kernels/common/golden_section.hpp"
#include "kernels/search/fourier_interp.hpp"
#include "kernels/search/period_search_cpu.hpp"
#include "kernels/search/search_stats.hpp"

namespace tianyan {
namespace {

// The objective at fundamental r: sum_h w_h |A(h r)|. With the harmonics' phases unknown, the
// likelihood of a signal of amplitudes w_h is sum_h log I0(2 w_h |A_h|), which at the S/N of a
// detection is sum_h w_h |A_h| up to constants: harmonics count by their amplitude, and those
// without signal (w_h = 0) not at all. The plain power sum would weight the strong low
// harmonics up and the high ones, which carry the acceleration (their drift is h times the
// fundamental's), down.
double weighted_amplitude(const std::complex<float>* a, size_t nbins, double r,
                          const std::vector<double>& w) {
  const double top = static_cast<double>(nbins);
  double sum = 0;
  for (size_t h = 0; h < w.size(); ++h) {
    const double rh = r * static_cast<double>(h + 1);
    if (w[h] > 0 && rh < top) sum += w[h] * std::abs(fourier_interp(a, nbins, rh));
  }
  return sum;
}

// The best fundamental near r0 for weights w: a scan at 1/8 bin of the highest weighted
// harmonic over +-half a bin of it, then golden section.
double best_fundamental(const std::complex<float>* a, size_t nbins, double r0,
                        const std::vector<double>& w, double& value) {
  const double step = 1.0 / (8.0 * static_cast<double>(w.size()));
  const double rmax = static_cast<double>(nbins - 1);
  auto f = [&](double r) {
    return r > 0 && r <= rmax ? weighted_amplitude(a, nbins, r, w) : -1.0;
  };
  double best_r = r0;
  value = f(r0);
  for (int i = -4; i <= 4; ++i) {
    if (i == 0) continue;
    const double r = r0 + i * step, v = f(r);
    if (v > value) value = v, best_r = r;
  }
  golden_max(f, best_r - step, best_r + step, 1e-4 * step, best_r, value);
  return best_r;
}

}  // namespace

void CpuPeriodSearcher::refine_accel(const SeriesInput& s, const Prepared& pr, Workspace& ws,
                                     Candidate& c, double da) const {
  const size_t nbins = pr.g.nbins;
  const double top = static_cast<double>(nbins - 1);
  if (!(c.r_bins > 0) || !(da > 0)) return;

  // Band-limited resampling: rounding to the nearest sample, as the grid does, errs by up to
  // half a sample, a phase error that hides accelerations finer than a trial. The whitening
  // is computed once, at the grid's acceleration, and reused: re-whitening every resampled
  // spectrum would move its block medians by their noise (~0.4% here), and with them the
  // objective. ws.p (the grid's half-bin powers, done with) holds the scale per bin.
  std::complex<float>* spec = ws.spec;
  float* scale = ws.p.data();
  auto fft_at = [&](double a) {
    resample_accel_sinc(ws.in.get(), ws.work.get(), s.nsamp, s.tsamp_s, a);
    std::fill(ws.work.get() + s.nsamp, ws.work.get() + pr.g.nfft, 0.0f);
    pr.plan->execute(ws.work.get(), spec);
  };
  fft_at(c.accel_ms2);
  for (size_t k = 0; k < nbins; ++k) scale[k] = std::abs(spec[k]);
  normalise_spectrum(spec, nbins, cfg_.rednoise, ws.scratch);
  zap_bins(spec, nbins, pr.zaps);
  for (size_t k = 0; k < nbins; ++k) {
    scale[k] = scale[k] > 0 ? std::abs(spec[k]) / scale[k] : 0.0f;
  }
  auto spectrum_at = [&](double a) {
    fft_at(a);
    for (size_t k = 0; k < nbins; ++k) spec[k] *= scale[k];
  };

  // Weights: each harmonic's amplitude above the noise at fundamental r, over the harmonics
  // below Nyquist (at most the configured number), trailing zeros dropped.
  const int h_cap = std::max(1, std::min(cfg_.max_harmonics, static_cast<int>(top / c.r_bins)));
  std::vector<double> w;
  auto set_weights = [&](double r) {
    w.assign(static_cast<size_t>(h_cap), 0.0);
    for (int h = 1; h <= h_cap; ++h) {
      const double rh = r * h;
      const double p = rh < top ? std::norm(fourier_interp(spec, nbins, rh)) : 0.0;
      w[static_cast<size_t>(h - 1)] = std::sqrt(std::max(p - 1.0, 0.0));
    }
    while (w.size() > 1 && w.back() == 0) w.pop_back();
  };
  const RefinedPeak start = refine_peak(spec, nbins, c.r_bins, c.nharm, 0.5 / c.nharm);
  set_weights(start.r_fund);
  // The Cramer-Rao bound of the acceleration for these harmonics (docs/search.md): where it is
  // wider than two trials (slow pulsars, short observations) the objective is flat over the
  // trials and which of them won is noise, so the acceleration is reported as 0 (unmeasured;
  // the frequency at the middle does not depend on it).
  double sum_ph2 = 0;
  for (size_t h = 0; h < w.size(); ++h) sum_ph2 += w[h] * w[h] * static_cast<double>((h + 1) * (h + 1));
  const double T = static_cast<double>(s.nsamp) * s.tsamp_s;
  const double f = start.r_fund / pr.g.tobs_s;
  if (!(sum_ph2 > 0) || !(f > 0)) return;
  const double sigma_a =
      kSpeedOfLight / f * std::sqrt(180.0) / (std::numbers::pi * T * T * std::sqrt(2 * sum_ph2));
  if (sigma_a > 2 * da) {
    c.accel_ms2 = 0;
    return;
  }
  // Accelerations are reported within the searched range.
  const double a_lim = cfg_.accel.max_ms2;
  auto in_range = [&](double a) { return std::clamp(a, -a_lim, a_lim); };

  // The resampling keeps the frequency at the middle of the series, so r moves little with
  // the acceleration: each evaluation refines r around the best so far.
  double best_a = c.accel_ms2, best_r = start.r_fund, best_v = -1;
  auto score = [&](double a) {  // the objective of the spectrum in spec, made at a
    double v = 0;
    const double r = best_fundamental(spec, nbins, best_r, w, v);
    if (v > best_v) best_v = v, best_a = a, best_r = r;
    return v;
  };
  auto eval = [&](double a) {
    a = in_range(a);
    spectrum_at(a);
    return score(a);
  };
  const double a0 = c.accel_ms2;
  eval(a0);
  // A coarse look two trials either way first. The grid rounds its resampling to whole
  // samples, which shifts the ends of the series by k/4 samples at trial k (for the trials'
  // spacing of one bin at Nyquist): trials within +-1 of each other are nearly the same
  // resampling, so the grid's best trial can be off by two.
  for (const double k : {-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0}) eval(a0 + k * da);
  // Still rising at an end of the look: follow it outwards, half a trial at a time, at most
  // to the end of the searched range.
  for (const double dir : {-1.0, 1.0}) {
    double edge = in_range(a0 + dir * 2 * da);
    while (best_a == edge && std::abs(edge) < a_lim) {
      edge = in_range(edge + dir * 0.5 * da);
      eval(edge);
    }
  }
  // Away from the true acceleration the high harmonics smear out and got little weight: weigh
  // again at the best point so far, then golden section within a trial of it.
  spectrum_at(best_a);
  set_weights(refine_peak(spec, nbins, best_r, c.nharm, 0.5 / c.nharm).r_fund);
  const double centre = best_a;
  best_v = -1;
  score(centre);
  double a_best = best_a, v_best = best_v;
  golden_max(eval, in_range(centre - da), in_range(centre + da), da / 32, a_best, v_best);

  // Report at the best point: the power and S/N over the detection's own harmonics.
  spectrum_at(best_a);
  double power = 0;
  for (int h = 1; h <= c.nharm; ++h) {
    const double rh = best_r * h;
    if (rh < top) power += std::norm(fourier_interp(spec, nbins, rh));
  }
  c.accel_ms2 = best_a;
  c.r_bins = best_r;
  c.freq_hz = best_r / pr.g.tobs_s;
  c.refined_power = power;
  c.snr = spectral_snr(power, c.nharm);
}

}  // namespace tianyan
