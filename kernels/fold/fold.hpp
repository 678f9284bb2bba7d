#pragma once
// Folding, as prepfold does it: the RFI-cleaned data of a beam are summed into
// sub-integrations x subbands x phase bins at a candidate's spin model and DM (a FoldCube),
// then the model is optimised on the cube alone by rotating sub-integrations (frequency and its
// derivative) and subbands (DM) in phase. The cube is what archives store and what plots are
// redrawn from, so everything below it (optimum, grids) can be recomputed without the raw data.
//
// Conventions (the same as the search, docs/search.md):
//  * times t are in seconds from the first sample of the observation, at the reference
//    frequency (the highest channel): a sample that arrives at t in a channel at frequency f
//    was emitted at t - dispersion_delay_s(dm, f, ref_freq_mhz);
//  * phase in turns: phi(t) = freq_hz (t - ref_s) + fdot_hz_s (t - ref_s)^2 / 2;
//  * a > 0 means the apparent frequency rises: fdot = f a / c, pdot = -fdot / f^2.
#include <cstddef>
#include <string>
#include <vector>

#include "kernels/common/constants.hpp"

namespace tianyan {

struct FoldModel {
  double freq_hz = 0;    // spin frequency at ref_s, Hz
  double fdot_hz_s = 0;  // its derivative, Hz/s
  double dm = 0;         // pc cm^-3
  double ref_s = 0;      // epoch of freq_hz, s from the start (a search's: the middle)

  double period_s() const { return 1.0 / freq_hz; }
  double pdot() const { return -fdot_hz_s / (freq_hz * freq_hz); }
  double accel_ms2() const { return kSpeedOfLight * fdot_hz_s / freq_hz; }
  // Phase in turns at emission time t (s from the start).
  double phase(double t) const {
    const double dt = t - ref_s;
    return dt * (freq_hz + 0.5 * fdot_hz_s * dt);
  }

  static FoldModel from_accel(double freq_hz, double accel_ms2, double dm, double ref_s) {
    return {freq_hz, freq_hz * accel_ms2 / kSpeedOfLight, dm, ref_s};
  }
  static FoldModel from_period(double period_s, double pdot, double dm, double ref_s) {
    const double f = 1.0 / period_s;
    return {f, -pdot * f * f, dm, ref_s};
  }
};

// Folding and optimisation settings: the [fold] section of the configuration.
struct FoldConfig {
  int nbin = 0;        // phase bins; 0: automatic (fold_nbin below)
  int nsubint = 64;    // sub-integrations (fewer when the observation is short)
  int nsubband = 64;   // subbands (at most the channel count; a divisor of it)
  int top_n = 10;      // `tianyan search` folds and plots its best top_n candidates (0: none)
  // Optimisation grids (prepfold's npfact/ndmfact), in steps of one phase bin of drift:
  double p_span_turns = 1.0;     // frequency offsets drifting up to +-this many turns end to end
  double pdot_span_turns = 1.0;  // fdot offsets drifting up to +-this many turns at the ends
  double dm_span_turns = 2.0;    // DM offsets delaying the band edges by up to +-this many turns
  std::string plot_format = "png";  // "png", "pdf", "both" or "none"
  // Subtract the zero-DM series before folding (rfi.zero_dm for the folding pass only). The
  // search zaps a strong DM-0 periodic signal such as FAST's noise diode in its spectra; folding
  // has no spectrum, and the optimiser, free to roam +-dm_span_turns, can lock onto the
  // diode's beat at low DM instead of a slow pulsar (docs/fold.md, "Noise diode").
  bool zero_dm = false;
};

// Automatic bin count: a power of two from 16 to 128 with each bin at least 2 samples long.
inline int fold_nbin(const FoldConfig& config, double period_s, double tsamp_s) {
  if (config.nbin > 0) return config.nbin;
  int nbin = 128;
  while (nbin > 16 && period_s / nbin < 2.0 * tsamp_s) nbin /= 2;
  return nbin;
}

// Folded data: sums of cleaned samples (zero mean and unit variance per channel, docs/rfi.md;
// masked samples are 0 and not counted in bin_var).
struct FoldCube {
  size_t nsubint = 0, nsubband = 0, nbin = 0;
  std::vector<float> data;     // [nsubint][nsubband][nbin], bin fastest
  std::vector<float> bin_var;  // [nsubint][nsubband]: noise variance of one bin's sum, averaged
                               // over the bins (0: nothing folded there, e.g. masked)
  std::vector<double> freqs_mhz;     // [nsubband] centre frequencies, ascending
  double ref_freq_mhz = 0;           // the frequency of zero delay (the highest channel)
  std::vector<double> subint_mid_s;  // [nsubint] middle of each sub-integration, s
  double subint_s = 0;               // length of one sub-integration, s
  double tsamp_s = 0;
  double tobs_s = 0;
  FoldModel model;  // the model the data were folded at

  float* profile(size_t subint, size_t subband) {
    return data.data() + (subint * nsubband + subband) * nbin;
  }
  const float* profile(size_t subint, size_t subband) const {
    return data.data() + (subint * nsubband + subband) * nbin;
  }
};

// What the optimiser measures on a cube (kernels/fold/fold_optimise.hpp).
struct FoldOptimum {
  FoldModel model;  // the best model (same ref_s as the cube's)
  double freq_err_hz = 0, fdot_err_hz_s = 0, dm_err = 0;  // 1-sigma errors
  double snr = 0;      // profile S/N at the best model (defined in docs/fold_optimise.md)
  double redchi2 = 0;  // reduced chi-square of the profile against a flat one (prepfold's)
  double width_bins = 0;  // boxcar width that gives snr
  size_t peak_bin = 0;    // first bin of that boxcar
  std::vector<float> profile;          // [nbin] at the best model
  std::vector<float> time_phase;       // [nsubint][nbin] at the best model
  std::vector<float> freq_phase;       // [nsubband][nbin] at the best model
  // The grids behind the plots: S/N against DM (at the best frequency and fdot), and the
  // frequency-fdot map (at the best DM), fdot-major.
  std::vector<double> dm_grid, dm_snr;
  std::vector<double> freq_grid_hz, fdot_grid_hz_s;
  std::vector<float> freq_fdot_snr;  // [fdot_grid.size()][freq_grid.size()]
};

// Where a fold came from and what the search said of it: the text of a candidate sheet and
// the provenance of an archive.
struct FoldMeta {
  std::string source, telescope, scan;
  int beam = 0;             // FAST beam 1..19, 0 when unknown
  double ra_deg = 0, dec_deg = 0;
  double start_mjd = 0;     // MJD (UTC) of the first sample
  double freq_lo_mhz = 0, freq_hi_mhz = 0, chan_bw_mhz = 0;
  size_t nchan = 0;         // channels of the raw data
  std::vector<std::string> files;
  double rfi_fraction = 0;  // fraction of samples x channels the RFI stage masked
  std::string version;      // tianyan's kVersionFull
  std::string fold_backend;  // where it was folded and optimised: "cpu" or "cuda:N"
  std::string config_toml;  // the effective configuration
  // From the search (rank 0: folded from --period/--dm, not from a candidate list).
  int rank = 0;
  double search_freq_hz = 0, search_dm = 0, search_accel_ms2 = 0;
  double search_sigma = 0, search_snr = 0;
  int search_nharm = 0;
};

struct FoldedCandidate {
  FoldCube cube;
  FoldOptimum best;
  FoldMeta meta;
};

}  // namespace tianyan
