#pragma once
// A periodicity candidate, from the per-series search through sifting to candidates.csv.
// Frequencies and periods hold at the middle of the observation (epoch_mjd), where an
// accelerated signal's frequency is its mean (docs/search.md, "Epoch").
#include <cstddef>
#include <string>

namespace tianyan {

struct Candidate {
  // What the search measured.
  double freq_hz = 0;     // refined fundamental frequency at the epoch, Hz
  double r_bins = 0;      // the same in Fourier bins of the series searched (freq_hz x T)
  double accel_ms2 = 0;   // trial acceleration (a > 0: frequency rises in time), m/s^2
  int nharm = 1;          // harmonic stage of the detection
  double power = 0;       // harmonic-summed normalised power on the search grid
  double sigma = 0;       // equivalent Gaussian sigma after trials (search_stats.hpp)
  double snr = 0;         // spectral S/N of the refined harmonic sum
  double refined_power = 0;  // harmonic-summed power after Fourier-interpolation refinement
  // Where it was found.
  double dm = 0;           // pc cm^-3 of the best series
  size_t dm_index = 0;     // index of that DM trial in the plan
  int dm_hits = 1;         // DM trials in which sifting found it
  double tobs_s = 0;       // length of the series searched (FFT length x tsamp), s
  // Provenance, filled by the pipeline.
  double epoch_mjd = 0;    // MJD at which freq_hz holds: the middle of the observation
  std::string scan;        // FAST scan name or file stem
  int beam = 0;            // FAST beam (1..19), 0 when unknown
  double ra_deg = 0, dec_deg = 0;
  std::string file;        // the first input file of the beam

  double period_s() const { return 1.0 / freq_hz; }
};

}  // namespace tianyan
