#pragma once
// Synthetic fold cubes for the optimiser's tests: a Gaussian pulse at the phase each
// (sub-integration, subband) cell truly has, plus seeded Gaussian noise of known variance.
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

#include "kernels/common/dispersion.hpp"
#include "kernels/fold/fold.hpp"

namespace tianyan::test {

struct SynthCube {
  size_t nsubint = 64, nsubband = 64, nbin = 128;
  double tobs_s = 600;
  double flo_mhz = 1050, fhi_mhz = 1450;  // centres of the lowest and highest subbands
  double sigma_bins = 2.5;                // Gaussian pulse sigma, bins
  double snr_mf = 30;                     // matched-filter S/N of the whole (aligned) pulse
  double bin_var = 100;                   // noise variance of one bin of one cell
  int substeps = 8;                       // points per sub-integration (drift smearing)
  uint64_t seed = 1;
};

// Phase (turns) in the cube folded at `fold` of a pulse that `truth` puts at phase 0, for a
// sample arriving at t (s, at the reference frequency) in a channel at f_mhz.
inline double folded_pulse_phase(const FoldModel& truth, const FoldModel& fold, double t,
                                 double f_mhz, double ref_mhz) {
  const double dd =
      dispersion_delay_s(truth.dm, f_mhz, ref_mhz) - dispersion_delay_s(fold.dm, f_mhz, ref_mhz);
  const double t_em = t - dispersion_delay_s(truth.dm, f_mhz, ref_mhz);
  return fold.phase(t_em + dd) - truth.phase(t_em);
}

// Adds scale x the mean over each bin b (phases [b, b+1) / nbin) of a unit-peak Gaussian of
// sigma_bins centred at phase c (turns), wrapped around the turn.
inline void add_gauss(float* out, double c, double sigma_bins, size_t nbin, double scale) {
  const double n = static_cast<double>(nbin);
  const double x0 = (c - std::floor(c)) * n;
  const double s = std::sqrt(2.0) * sigma_bins, reach = 8.0 * sigma_bins;
  // cdf(e) = sum over wraps of erf((e - x) / s), at the bin edges e = 0..nbin.
  auto cdf = [&](double e) {
    double v = 0;
    for (int k = -2; k <= 2; ++k) {
      const double d = e - (x0 + k * n);
      v += d > reach ? 1.0 : d < -reach ? -1.0 : std::erf(d / s);
    }
    return v;
  };
  const double norm = scale * sigma_bins * std::sqrt(std::numbers::pi / 2.0);
  double lo = cdf(0.0);
  for (size_t b = 0; b < nbin; ++b) {
    const double hi = cdf(static_cast<double>(b) + 1.0);
    out[b] += static_cast<float>(norm * (hi - lo));
    lo = hi;
  }
}

// Peak amplitude per cell giving the whole pulse the matched-filter S/N spec.snr_mf.
inline double cell_amplitude(const SynthCube& spec) {
  const double cells = static_cast<double>(spec.nsubint * spec.nsubband);
  return spec.snr_mf * std::sqrt(spec.bin_var) /
         (std::sqrt(cells) * std::sqrt(spec.sigma_bins * std::sqrt(std::numbers::pi)));
}

// A cube folded at `fold` of a pulsar that follows `truth`. The noise depends on the seed
// alone, so cubes of one seed folded at different models share it.
inline FoldCube make_cube(const SynthCube& spec, const FoldModel& truth, const FoldModel& fold) {
  FoldCube c;
  c.nsubint = spec.nsubint, c.nsubband = spec.nsubband, c.nbin = spec.nbin;
  c.tobs_s = spec.tobs_s, c.subint_s = spec.tobs_s / static_cast<double>(spec.nsubint);
  c.tsamp_s = 1e-4;
  c.model = fold;
  for (size_t j = 0; j < c.nsubband; ++j)
    c.freqs_mhz.push_back(spec.flo_mhz +
                          (spec.fhi_mhz - spec.flo_mhz) * static_cast<double>(j) /
                              static_cast<double>(std::max<size_t>(1, c.nsubband - 1)));
  c.ref_freq_mhz = spec.fhi_mhz;
  for (size_t i = 0; i < c.nsubint; ++i)
    c.subint_mid_s.push_back((static_cast<double>(i) + 0.5) * c.subint_s);
  c.bin_var.assign(c.nsubint * c.nsubband, static_cast<float>(spec.bin_var));
  c.data.assign(c.nsubint * c.nsubband * c.nbin, 0.0f);
  std::mt19937_64 rng(spec.seed);
  std::normal_distribution<double> noise(0.0, std::sqrt(spec.bin_var));
  const double amp = cell_amplitude(spec);
  for (size_t i = 0; i < c.nsubint; ++i)
    for (size_t j = 0; j < c.nsubband; ++j) {
      float* p = c.profile(i, j);
      for (int s = 0; s < spec.substeps; ++s) {
        const double t = c.subint_mid_s[i] + c.subint_s * ((s + 0.5) / spec.substeps - 0.5);
        const double ph = folded_pulse_phase(truth, fold, t, c.freqs_mhz[j], c.ref_freq_mhz);
        add_gauss(p, ph, spec.sigma_bins, c.nbin, amp / spec.substeps);
      }
      for (size_t b = 0; b < c.nbin; ++b) p[b] += static_cast<float>(noise(rng));
    }
  return c;
}

// Grid steps of optimise_fold for a cube (docs/fold_optimise.md, "Grids").
inline double freq_step(const FoldCube& c) {
  return 1.0 / (static_cast<double>(c.nbin) * c.tobs_s);
}
inline double fdot_step(const FoldCube& c) {
  return 8.0 / (static_cast<double>(c.nbin) * c.tobs_s * c.tobs_s);
}
inline double dm_step(const FoldCube& c) {
  const double span = dispersion_delay_s(1.0, c.freqs_mhz.front(), c.ref_freq_mhz) -
                      dispersion_delay_s(1.0, c.freqs_mhz.back(), c.ref_freq_mhz);
  return 1.0 / (static_cast<double>(c.nbin) * c.model.freq_hz * span);
}

}  // namespace tianyan::test
