// RFI injection and the 19-beam mode.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/common/constants.hpp"
#include "kernels/common/fast_beams.hpp"
#include "pipeline/simulate/rfi_model.hpp"
#include "sim_test_util.hpp"

namespace tianyan::test {
namespace {

SimConfig noiseless() {
  SimConfig c = small_config();
  c.noise.enabled = false;
  return c;
}

TEST(SimRfi, NoiseDiodeIsASquareWaveWithTheFastPeriod) {
  SimConfig config = noiseless();
  config.rfi.noise_diode.enabled = true;
  config.rfi.noise_diode.amplitude_sigma = 1.0;
  const MemoryRun run = run_in_memory(config);
  const auto s = intensity_sigma_units(config, run.beams.at(1));
  const double ts = config.observation.tsamp_s;
  const size_t nchan = 64;
  // Rising edges at multiples of the period; the signal is 1 while on, 0 while off.
  for (int m = 1; m <= 9; ++m) {
    const double edge = m * kFastNoiseDiodePeriod;
    const auto k = static_cast<size_t>(edge / ts);
    EXPECT_NEAR(s[(k - 2) * nchan + 10], 0.0, 1e-5) << m;
    EXPECT_NEAR(s[(k + 2) * nchan + 10], 1.0, 1e-5) << m;
    EXPECT_NEAR(s[k * nchan + 10], (k + 1) - edge / ts, 1e-3) << m;  // partial sample
    const auto fall = static_cast<size_t>((edge + 0.5 * kFastNoiseDiodePeriod) / ts);
    EXPECT_NEAR(s[(fall + 2) * nchan + 40], 0.0, 1e-5) << m;
  }
}

TEST(SimRfi, NarrowbandChannelIsOnAndOthersAreNot) {
  SimConfig config = noiseless();
  SimNarrowband nb;
  nb.freq_mhz = 1270.0;
  nb.width_mhz = 0.1;
  nb.amplitude_sigma = 3.0;
  config.rfi.narrowband = {nb};
  const MemoryRun run = run_in_memory(config);
  const auto s = intensity_sigma_units(config, run.beams.at(1));
  const auto& f = run.beams.at(1).header.freqs_mhz;
  const size_t nchan = f.size();
  size_t hot = 0;
  for (size_t c = 1; c < nchan; ++c) {
    if (std::abs(f[c] - 1270.0) < std::abs(f[hot] - 1270.0)) hot = c;
  }
  for (size_t t = 0; t < 4000; t += 97) {
    for (size_t c = 0; c < nchan; ++c) EXPECT_NEAR(s[t * nchan + c], c == hot ? 3.0 : 0.0, 1e-5);
  }
  // Ideal S/N of a constant: amplitude x sqrt(samples).
  EXPECT_NEAR(run.result.truth["rfi"][0]["ideal_snr"].get<double>(), 3.0 * std::sqrt(4000.0), 1e-3);
}

TEST(SimRfi, BurstAppearsAtItsTimeInEveryChannel) {
  SimConfig config = noiseless();
  SimBurst b;
  b.time_s = 1.0;
  b.width_s = 0.01;
  b.amplitude_sigma = 4.0;
  config.rfi.burst = {b};
  const MemoryRun run = run_in_memory(config);
  const auto s = intensity_sigma_units(config, run.beams.at(1));
  for (size_t t = 0; t < 4000; ++t) {
    const double tt = (static_cast<double>(t) + 0.5) * 0.5e-3;
    const double want = tt > 1.0 && tt < 1.01 ? 4.0 : 0.0;
    EXPECT_NEAR(s[t * 64 + 0], want, 1e-4) << t;
    EXPECT_NEAR(s[t * 64 + 63], want, 1e-4) << t;
  }
}

TEST(SimRfi, PeriodicAndDriftingSignals) {
  EXPECT_NEAR(square_wave_on_fraction(0.0, 0.02, 0.02, 0.1), 0.1, 1e-12);
  EXPECT_NEAR(square_wave_on_fraction(0.019, 0.021, 0.02, 0.1), 0.5, 1e-9);
  SimConfig config = noiseless();
  SimDrifting d;
  d.start_freq_mhz = 1100.0;
  d.drift_mhz_per_s = 100.0;
  d.width_mhz = 1.0;
  d.amplitude_sigma = 2.0;
  config.rfi.drifting = {d};
  const MemoryRun run = run_in_memory(config);
  const auto s = intensity_sigma_units(config, run.beams.at(1));
  const auto& f = run.beams.at(1).header.freqs_mhz;
  for (size_t t : {0, 1000, 3999}) {
    const double centre = 1100.0 + 100.0 * (static_cast<double>(t) + 0.5) * 0.5e-3;
    size_t peak = 0;
    for (size_t c = 0; c < 64; ++c) {
      if (s[t * 64 + c] > s[t * 64 + peak]) peak = c;
    }
    EXPECT_NEAR(f[peak], centre, 0.5 * (f[1] - f[0]) + 1e-9) << t;
    EXPECT_NEAR(s[t * 64 + peak], 2.0, 1e-5);
  }
}

TEST(SimMultibeam, PulsarIsWeakerInNeighboursAndRfiIsEverywhere) {
  SimConfig config = small_config();
  config.observation.nchan = 16;
  config.observation.duration_s = 0.5;
  config.multibeam.enabled = true;
  config.multibeam.neighbour_fraction = 0.3;
  SimPulsar p;
  p.period_s = 0.05;
  p.dm = 20;
  p.snr = 20.0;
  p.amplitude_sigma.reset();
  p.beam = 3;
  config.pulsars = {p};
  config.rfi.noise_diode.enabled = true;
  const MemoryRun run = run_in_memory(config, 2);
  ASSERT_EQ(run.beams.size(), 19u);
  const auto& snr = run.result.pulsar_snr[0];
  const double main = snr[2];
  EXPECT_NEAR(main, 20.0, 0.4);
  for (int b = 1; b <= kFastNumBeams; ++b) {
    const double want = b == 3 ? main : (fast_beams_adjacent(3, b) ? 0.3 * main : 0.0);
    EXPECT_NEAR(snr[b - 1], want, 1e-6 * main) << "beam " << b;
    EXPECT_NEAR(run.result.rfi_snr[0][b - 1], run.result.rfi_snr[0][0], 1e-9) << "beam " << b;
  }
  EXPECT_NE(run.beams.at(1).data, run.beams.at(2).data);  // independent noise
  EXPECT_EQ(run.beams.at(7).header.beam, 7);
}

TEST(FastBeams, NeighbourTableMatchesTheOffsets) {
  for (int a = 1; a <= kFastNumBeams; ++a) {
    int count = 0;
    for (int b = 1; b <= kFastNumBeams; ++b) {
      const double dx = kFastBeamOffsets[a - 1].ra_arcmin - kFastBeamOffsets[b - 1].ra_arcmin;
      const double dy = kFastBeamOffsets[a - 1].dec_arcmin - kFastBeamOffsets[b - 1].dec_arcmin;
      const double d = std::hypot(dx, dy);
      const bool near = a != b && d < 1.3 * kFastBeamSpacingArcmin;
      EXPECT_EQ(fast_beams_adjacent(a, b), near) << a << " " << b << " " << d;
      EXPECT_EQ(fast_beams_adjacent(a, b), fast_beams_adjacent(b, a));
      count += near ? 1 : 0;
    }
    EXPECT_EQ(count, a <= 7 ? 6 : (a % 2 == 0 ? 3 : 4)) << a;
  }
}

}  // namespace
}  // namespace tianyan::test
