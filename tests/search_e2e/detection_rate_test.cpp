// Detection rates of the whole pipeline (RFI, plan, dedispersion, search, sifting) for pulsars
// injected near the detection limit (ideal matched-filter S/N 15), over ten fixed seeds each:
// a rate, not one seed that happens to pass. The windows are those of the issue: rank 1,
// period within one Fourier bin plus the drift of the acceleration error, DM and acceleration
// within one trial.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/search_e2e/search_e2e_util.hpp"

namespace tianyan::test {
namespace {

constexpr int kSeeds = 10;
constexpr int kRequired = 9;

PipelineConfig config_for(double dm_lo, double dm_hi) {
  PipelineConfig c = default_pipeline_config();
  c.dedisp.plan.dm_lo = dm_lo;
  c.dedisp.plan.dm_hi = dm_hi;
  c.rfi.block_nsamp = 8192;
  return c;
}

// within_tight, when given, counts the detections whose acceleration is within tight_trials.
int detections(const Injection& in, const PipelineConfig& config, const char* name,
               int max_rank = 1, double accel_window_trials = 1.0, double tight_trials = 0,
               int* within_tight = nullptr) {
  TempDir dir;
  int found = 0;
  if (within_tight) *within_tight = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const Detection d = search_injection(dir, in, 1000 + static_cast<uint64_t>(seed), config,
                                         max_rank, accel_window_trials);
    found += d.found ? 1 : 0;
    if (within_tight && d.found && d.accel_error_trials <= tight_trials) ++*within_tight;
    std::printf("[%s] seed %d: %s (rank %d); top: P %.9f s DM %.2f a %.1f sigma %.2f snr %.2f "
                "nharm %d, %zu candidates\n",
                name, seed, d.found ? "found" : "MISSED", d.rank, d.best.freq_hz > 0 ? d.best.period_s() : 0.0,
                d.best.dm, d.best.accel_ms2, d.best.sigma, d.best.snr, d.best.nharm, d.ncands);
  }
  return found;
}

TEST(DetectionRate, SlowPulsar) {
  Injection in;
  in.period_s = 1.2;
  in.duty = 0.02;
  in.dm = 30;
  // The 24 ms pulse spans 10 DM units of band delay; sampled at 8 ms the plan's trials are
  // ~8 DM apart, so "DM within one trial" is a statement the data can support (at 1 ms the
  // flat top of the DM curve spans several trials and its noisy peak wanders among them).
  in.tsamp_s = 8e-3;
  in.duration_s = 60;
  EXPECT_GE(detections(in, config_for(0, 60), "slow"), kRequired);
}

TEST(DetectionRate, NormalPulsar) {
  Injection in;
  in.period_s = 0.25;
  in.duty = 0.04;
  in.dm = 70;
  in.tsamp_s = 0.5e-3;
  in.duration_s = 30;
  EXPECT_GE(detections(in, config_for(40, 100), "normal"), kRequired);
}

TEST(DetectionRate, MillisecondPulsar) {
  Injection in;
  in.period_s = 3e-3;
  in.duty = 0.1;
  in.dm = 50;
  // 512 channels keep the smearing inside a channel (0.4 ms at 1 GHz) well below the period.
  in.nchan = 512;
  in.tsamp_s = 1e-4;
  in.duration_s = 30;
  EXPECT_GE(detections(in, config_for(35, 65), "msp"), kRequired);
}

// 2.5 ms at 250 m/s^2 over 100 s drifts by 3.3 bins at the fundamental and 13 at the fourth
// harmonic: the acceleration search finds it, the plain search does not. A narrow pulse at
// low DM over 512 channels keeps harmonics up to Nyquist, which carry the acceleration.
TEST(DetectionRate, BinaryMillisecondPulsar) {
  Injection in;
  in.period_s = 2.5e-3;
  in.duty = 0.03;
  in.snr = 20;
  in.dm = 10;
  in.nchan = 512;
  in.tsamp_s = 2.5e-4;
  in.duration_s = 100;
  in.accel_ms2 = 250;
  PipelineConfig accel = config_for(5, 15);
  accel.search.accel.enabled = true;
  accel.search.accel.max_ms2 = 300;
  // The acceleration within one trial: trials 2 bins of drift apart at Nyquist (2 kHz), 30
  // m/s^2, against the Cramer-Rao bound of ~15 m/s^2 for this pulsar's harmonics
  // (docs/search.md, "Acceleration"). Within half a trial, a tighter count that guards the
  // refinement: the grid alone is uniform over +-half a trial, which would give ~half.
  int within_half = 0;
  EXPECT_GE(detections(in, accel, "binary", 1, 1.0, 0.5, &within_half), kRequired);
  EXPECT_GE(within_half, 6);
  // Without the acceleration search the same seeds miss it.
  PipelineConfig plain = config_for(5, 15);
  EXPECT_LE(detections(in, plain, "binary, no accel search", 1, 1.0), 1);
}

}  // namespace
}  // namespace tianyan::test
