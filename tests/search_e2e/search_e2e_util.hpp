#pragma once
// Helpers of the end-to-end search tests: simulate a small observation with one pulsar to a
// filterbank, search it with the whole pipeline (pipeline/search_run.hpp), and judge whether
// the pulsar was found where the issue asks (period within a Fourier bin plus the drift of
// the acceleration error, DM and acceleration within one trial).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/accel/accel_plan.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "pipeline/search_run.hpp"
#include "pipeline/simulate/pulsar_model.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {

struct Injection {
  double period_s = 0.25;  // at the start
  double dm = 50;
  double duty = 0.05;
  double snr = 15;  // ideal matched-filter S/N
  double accel_ms2 = 0;
  // Observation.
  int nchan = 64;
  double tsamp_s = 0.5e-3;
  double duration_s = 30;
};

inline SimConfig injection_config(const Injection& in, uint64_t seed) {
  SimConfig c;
  c.observation.nchan = in.nchan;
  c.observation.tsamp_s = in.tsamp_s;
  c.observation.duration_s = in.duration_s;
  c.observation.npol = 1;
  c.observation.nbits = 8;
  c.observation.seed = seed;
  c.noise.bandpass = "flat";
  c.output.format = "filterbank";
  SimPulsar p;
  p.period_s = in.period_s;
  p.dm = in.dm;
  p.components = {SimProfileComponent{0.0, in.duty, 1.0}};
  p.snr = in.snr;
  p.accel_ms2 = in.accel_ms2;
  p.phase0 = static_cast<double>(seed % 97) / 97.0;
  c.pulsars = {p};
  return c;
}

struct Detection {
  bool found = false;  // within the windows at a rank <= max_rank
  int rank = 0;        // 1-based rank of the matching candidate, 0 if none matched
  double accel_error_trials = 0;  // of the matching candidate, in acceleration trials
  Candidate best;      // the rank-1 candidate (when any)
  size_t ncands = 0;
};


// The largest gap between the trials neighbouring `dm` (one trial either way).
inline double dm_window(const std::vector<DmTrial>& trials, double dm) {
  size_t i = 0;
  while (i + 1 < trials.size() && trials[i + 1].dm <= dm) ++i;
  const size_t lo = i > 0 ? i - 1 : 0, hi = std::min(trials.size() - 1, i + 2);
  double gap = 0;
  for (size_t k = lo; k < hi; ++k) gap = std::max(gap, trials[k + 1].dm - trials[k].dm);
  return gap;
}

// accel_window_trials: how many acceleration trials the reported acceleration may be off.
inline Detection search_injection(const TempDir& dir, const Injection& in, uint64_t seed,
                                  const PipelineConfig& config, int max_rank,
                                  double accel_window_trials = 1.0) {
  const std::string prefix = dir / ("inj" + std::to_string(seed));
  SimulateOptions so;
  so.threads = 2;
  const SimulateResult sim = simulate(injection_config(in, seed), prefix, so);
  const auto beams = discover_beams(sim.files);
  const auto reader = open_beam(beams.front(), OpenOptions{false, 2});
  SearchRunOptions options;
  options.threads = 2;
  const BeamSearch r = search_beam(*reader, config, options);

  const ObservationInfo& info = reader->info();
  const auto trials =
      make_dm_plan(BandGeometry::from_freqs(info.freqs_mhz, info.tsamp_s), config.dedisp.plan)
          .trials();
  // The simulator's own timing model gives the frequency at the middle, the search's epoch.
  const double f_true =
      PulsarTiming(injection_config(in, seed).pulsars.front()).frequency(0.5 * in.duration_s);
  const std::vector<double> accels =
      accel_trials(config.search.accel, in.duration_s, 0.5 / in.tsamp_s);
  const double da = accels.size() > 1 ? std::abs(accels[1]) : 0.0;
  Detection d;
  d.ncands = r.candidates.size();
  if (!r.candidates.empty()) d.best = r.candidates.front();
  for (size_t i = 0; i < r.candidates.size() && static_cast<int>(i) < max_rank; ++i) {
    const Candidate& c = r.candidates[i];
    const double T = c.tobs_s;
    const double drift = accel_drift_bins(std::abs(c.accel_ms2 - in.accel_ms2), T, f_true);
    const bool f_ok = std::abs(c.freq_hz - f_true) * T <= 1.0 + drift;
    const bool dm_ok = std::abs(c.dm - in.dm) <= dm_window(trials, in.dm);
    const bool a_ok =
        std::abs(c.accel_ms2 - in.accel_ms2) <= accel_window_trials * std::max(da, 1e-9) + 1e-9;
    if (f_ok && dm_ok && a_ok) {
      d.found = true;
      d.accel_error_trials = da > 0 ? std::abs(c.accel_ms2 - in.accel_ms2) / da : 0.0;
      d.rank = static_cast<int>(i) + 1;
      break;
    }
  }
  return d;
}

}  // namespace tianyan::test
