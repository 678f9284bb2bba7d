#pragma once
// Typed configuration of `tianyan simulate`: one struct per TOML section, defaults and units in
// the declarations. Amplitudes of injected signals are in units of the total-intensity noise
// sigma of one channel and one sample (I = AA + BB), so that they are independent of the
// bandpass gain and of the quantisation levels.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kernels/common/constants.hpp"

namespace tianyan {

struct SimObservation {
  std::string source = "SIM_PSR";  // source name written into the headers
  std::string telescope = "FAST";
  double ra_deg = 83.6331;      // [0, 360)
  double dec_deg = 22.0145;     // [-90, 90]
  double start_mjd = 60000.0;   // MJD (UTC) of the first sample, [40000, 100000]
  double duration_s = 20.0;     // (0, 1e5]; rounded down to whole samples
  double tsamp_s = 98.304e-6;   // sampling time, [1e-7, 1] s
  int nchan = 1024;             // [1, 65536]
  double freq_lo_mhz = 1000.0;  // lower band edge, MHz; channel c is centred at
  double freq_hi_mhz = 1500.0;  //   lo + (c + 0.5) (hi - lo) / nchan
  int npol = 2;                 // 1 ('AA+BB'), 2 ('AABB') or 4 ('AABBCRCI', CR/CI = noise)
  int nbits = 8;                // 1, 2, 4, 8 (unsigned, quantised) or 32 (float, exact)
  uint64_t seed = 1;            // the noise is a pure function of (seed, beam, pol, t, c)
};

struct SimNoise {
  bool enabled = true;  // false: no radiometer noise (signals only, for tests)
  // Mean and standard deviation of one polarisation product at the bandpass peak, in quantised
  // units (ADU). Defaults depend on nbits (8/32: 90 +- 12; 4: 7 +- 2.5; 2: 1.5 +- 0.9;
  // 1: 0.5 +- 0.5); the effective values are written to truth.json.
  std::optional<double> mean_adu;   // [0, 2^nbits - 1] (any value >= 0 for 32 bits)
  std::optional<double> sigma_adu;  // (0, 2^nbits]
  std::string bandpass = "fast";    // "fast" (edge roll-off + standing-wave ripple) or "flat"
  double edge_mhz = 30.0;           // roll-off centre inside each band edge, [0, band/2) MHz
  double edge_width_mhz = 8.0;      // roll-off width (tanh scale), (0, 1000] MHz
  double floor_fraction = 0.15;     // gain far outside the roll-off, [0, 1]
  double ripple_fraction = 0.03;    // standing-wave ripple amplitude, [0, 0.5]
  double ripple_period_mhz = 1.09;  // FAST focus-dish standing wave c/(2 x 138 m), (0, 1e4]
};

struct SimOutput {
  std::string format = "psrfits";  // "psrfits" or "filterbank"
  int nsblk = 1024;                // PSRFITS samples per row, [1, 65536]
  int rows_per_file = 128;         // PSRFITS rows per file, [1, 1e6]
};

struct SimProfileComponent {
  double phase = 0.0;        // centre, rotations [0, 1)
  double duty_cycle = 0.05;  // FWHM / period, (0, 0.5]
  double amplitude = 1.0;    // relative to the other components, (0, 1e6]
};

struct SimOrbit {
  bool enabled = false;
  double pb_s = 3600.0;     // orbital period, (0, 1e9] s
  double asini_lt_s = 1.0;  // projected semi-major axis, [0, 1e4] light-seconds
  double t0_s = 0.0;        // time of the ascending node after the start, s
};

struct SimPulsar {
  std::string name = "PSR_SIM";
  double period_s = 0.25;            // period at the start (t = 0), [1e-4, 1e3] s; with an orbit,
                                     // the intrinsic (unshifted) period
  double dm = 50.0;                  // pc cm^-3, [0, 1e4]
  std::string profile = "gaussian";  // "gaussian" or "vonmises"
  // Components of the profile; default one component {phase 0, duty_cycle, amplitude 1}.
  // The profile is normalised to a peak of 1.
  std::vector<SimProfileComponent> components = {SimProfileComponent{}};
  // Peak per channel per sample at ref_freq, in I sigma (1 when neither it nor snr is given),
  // or the target ideal matched-filter S/N in the pulsar's own beam; not both.
  std::optional<double> amplitude_sigma;
  std::optional<double> snr;
  double spectral_index = -1.6;        // flux ~ (f / ref_freq)^index, [-10, 10]
  std::optional<double> ref_freq_mhz;  // default: band centre
  double phase0 = 0.0;                 // rotational phase at t = 0, [0, 1)
  double accel_ms2 = 0.0;              // line-of-sight acceleration, m/s^2, |a| <= 1e4
  double jerk_ms3 = 0.0;               // its derivative, m/s^3, |j| <= 100
  SimOrbit orbit;
  int beam = 1;  // 1..19 (only beam 1 unless multibeam.enabled)
};

struct SimNarrowband {
  double freq_mhz = 1270.0;          // centre frequency, MHz
  double width_mhz = 0.2;            // every channel whose centre lies within +- width/2 (at
                                     // least the nearest channel), (0, 1e4] MHz
  double amplitude_sigma = 5.0;      // [0, 1e6] I sigma
  std::string modulation = "none";   // "none", "onoff" (square wave) or "sine"
  double modulation_period_s = 1.0;  // (0, 1e6] s
  double duty_cycle = 0.5;           // "onoff" fraction on, (0, 1]
};

struct SimBurst {
  double time_s = 1.0;                // start time, s from the start (undispersed)
  double width_s = 0.01;              // (0, 1e5] s
  double amplitude_sigma = 10.0;      // [0, 1e6] I sigma
  std::optional<double> freq_lo_mhz;  // affected sub-band, default the whole band
  std::optional<double> freq_hi_mhz;
};

struct SimPeriodic {
  double frequency_hz = 50.0;    // (0, 1e5] Hz (50 Hz mains)
  double duty_cycle = 0.1;       // fraction of each period on, (0, 1]
  double amplitude_sigma = 1.0;  // [0, 1e6] I sigma, broadband
};

struct SimNoiseDiode {
  bool enabled = false;
  double period_s = kFastNoiseDiodePeriod;  // (0, 1e4] s
  double duty_cycle = 0.5;                  // (0, 1]
  double amplitude_sigma = 0.5;             // [0, 1e6] I sigma, broadband
};

struct SimDrifting {
  double start_freq_mhz = 1300.0;    // centre frequency at start_s, MHz
  double drift_mhz_per_s = 1.0;      // [-1e6, 1e6] MHz/s
  double width_mhz = 0.2;            // (0, 1e4] MHz
  double amplitude_sigma = 5.0;      // [0, 1e6] I sigma
  double start_s = 0.0;              // s from the start, >= 0
  std::optional<double> duration_s;  // default: to the end of the observation
};

struct SimRfi {
  std::vector<SimNarrowband> narrowband;
  std::vector<SimBurst> burst;
  std::vector<SimPeriodic> periodic;
  SimNoiseDiode noise_diode;
  std::vector<SimDrifting> drifting;
};

struct SimMultibeam {
  bool enabled = false;             // write all 19 FAST beams (same RFI, independent noise)
  double neighbour_fraction = 0.3;  // a pulsar's amplitude in its beam's neighbours, [0, 1]
};

struct SimConfig {
  SimObservation observation;
  SimNoise noise;
  SimOutput output;
  std::vector<SimPulsar> pulsars;
  SimRfi rfi;
  SimMultibeam multibeam;
  std::string source_file;  // where it was loaded from ("" when built in code)
};

// Loads and validates a TOML file. Throws BadInput "FILE: key 'x.y': problem" for unknown keys,
// wrong types and out-of-range values, and "FILE:LINE:COL: ..." for TOML syntax errors.
SimConfig load_sim_config(const std::string& path);

// Checks the cross-field constraints (also run by load_sim_config); `where` names the source.
void validate_sim_config(const SimConfig& config, const std::string& where);

// The effective configuration, every default and derived default (noise levels, reference
// frequencies) resolved.
nlohmann::json sim_config_to_json(const SimConfig& config);

// Effective noise levels (ADU) of one polarisation at the bandpass peak.
double sim_noise_mean_adu(const SimConfig& config);
double sim_noise_sigma_adu(const SimConfig& config);
double sim_ref_freq_mhz(const SimConfig& config, const SimPulsar& pulsar);

}  // namespace tianyan
