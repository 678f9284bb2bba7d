#pragma once
// Configuration of the periodicity search ([search] in the pipeline TOML; docs/search.md).
// Units are in the names; every search parameter is here, none is a compile-time constant.
#include <string>
#include <vector>

namespace tianyan {

// A periodic interferer zapped in every spectrum: the bins within width_hz / 2 (plus half a
// bin) of freq_hz x h for h = 1..harmonics (capped at the Nyquist frequency).
struct BirdieConfig {
  std::string name;        // for logs ("FAST noise diode", "50 Hz mains")
  double freq_hz = 50.0;   // fundamental, (0, 1e6] Hz
  double width_hz = 0.05;  // total width zapped around each harmonic, [0, 1e3] Hz
  int harmonics = 1;       // harmonics zapped, [1, 1e6]
};

// Strong peaks of the DM 0 spectrum, zapped in every spectrum of the same beam.
struct AutoBirdieConfig {
  bool enabled = true;
  double min_power = 40.0;  // normalised single-bin power (noise mean 1), [10, 1e9]
  double width_bins = 2.0;  // total width zapped around each, [0, 1e4] Fourier bins
  int max_birdies = 200;    // the strongest this many, [0, 1e6]
};

// Red-noise whitening: powers divided by median / ln 2 in blocks whose width grows
// logarithmically from start_bins to max_bins, interpolated between block centres (PRESTO).
struct RednoiseConfig {
  int start_bins = 6;   // [2, 1e6]
  int max_bins = 1000;  // [start_bins, 1e7]
};

struct AccelConfig {
  bool enabled = false;
  double max_ms2 = 200.0;      // |a| searched, (0, 1e5] m/s^2 (a > 0: frequency rises in time)
  // Spacing: the highest frequency searched drifts by this many bins between neighbouring
  // trials, (0, 100]: 2 (PRESTO's ACCEL_DZ) leaves any signal within one bin of drift of its
  // nearest trial, at most 5% of that harmonic's power lost (docs/search.md).
  double tolerance_bins = 2.0;
  // Continuous refinement of the acceleration (docs/search.md, "Acceleration"): each series'
  // strongest refine_candidates candidates at or above refine_min_sigma are re-searched at
  // accelerations between the grid's trials. [0, 1000] and [0, 1e6]; 0 candidates turns it off.
  int refine_candidates = 5;
  double refine_min_sigma = 5.0;
};

struct SearchConfig {
  double baseline_s = 10.0;     // running mean removed before the FFT, (0, 1e6] s
  double f_min_hz = 0.1;        // lowest fundamental searched, [0, 1e6] Hz
  double f_max_hz = 10000.0;    // highest fundamental searched (capped at Nyquist), Hz
  int max_harmonics = 32;       // 1, 2, 4, 8, 16 or 32; every power of two up to it is a stage
  double sigma_threshold = 3.0; // per-series candidates at or above this sigma, [0, 1e6]
  int max_candidates_per_series = 100;  // the strongest this many per series, [1, 1e7]
  RednoiseConfig rednoise;
  std::vector<BirdieConfig> birdies;
  AutoBirdieConfig auto_birdies;
  AccelConfig accel;
};

}  // namespace tianyan
