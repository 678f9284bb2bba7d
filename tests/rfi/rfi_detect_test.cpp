// What the RFI stage flags: injected narrowband channels and bursts, little of pure noise,
// zero-weight and dead channels.
#include <gtest/gtest.h>

#include "rfi_test_util.hpp"

namespace tianyan::test {
namespace {

constexpr uint64_t kBlock = 8192;  // 0.81 s at 98.304 us

TEST(RfiDetect, FlagsNarrowbandChannelsAndBursts) {
  SimConfig sim = rfi_sim_config(256, 4.0, 7);
  SimNarrowband steady;
  steady.freq_mhz = 1270.0;
  steady.amplitude_sigma = 2.0;
  SimNarrowband onoff;
  onoff.freq_mhz = 1351.0;
  onoff.amplitude_sigma = 3.0;
  onoff.modulation = "onoff";
  onoff.modulation_period_s = 0.5;
  SimNarrowband sine = onoff;
  sine.freq_mhz = 1111.0;
  sine.modulation = "sine";
  SimBurst burst1, burst2;
  burst1.time_s = 1.0;
  burst1.width_s = 0.01;
  burst1.amplitude_sigma = 3.0;
  burst2.time_s = 2.7;
  burst2.width_s = 0.005;
  burst2.amplitude_sigma = 1.0;
  sim.rfi.narrowband = {steady, onoff, sine};
  sim.rfi.burst = {burst1, burst2};
  const Observation obs = simulate_observation(sim);
  const Cleaned cleaned = clean_in_gulps(test_rfi_config(kBlock), obs, 2 * kBlock, kBlock);
  const RfiMask& mask = cleaned.mask;
  ASSERT_EQ(mask.nblocks(), (obs.nsamp + kBlock - 1) / kBlock);
  for (double f : {1270.0, 1351.0, 1111.0}) {
    const size_t c = nearest_channel(obs.info, f);
    for (uint64_t b = 0; b < mask.nblocks(); ++b) EXPECT_NE(mask.cell(b, c), 0) << f << " " << b;
  }
  const double ts = obs.info.tsamp_s;
  for (const SimBurst& burst : sim.rfi.burst) {
    // Samples wholly inside the burst are clipped.
    const auto first = static_cast<uint64_t>(std::ceil(burst.time_s / ts));
    const auto last = static_cast<uint64_t>((burst.time_s + burst.width_s) / ts) - 1;
    for (uint64_t t = first; t <= last; ++t) {
      const auto& clipped = mask.clipped(t / kBlock);
      EXPECT_TRUE(std::binary_search(clipped.begin(), clipped.end(), t % kBlock)) << t;
    }
  }
  const RfiMaskSummary summary = mask.summary();
  EXPECT_LT(summary.total_fraction, 0.03);  // three channels and the bursts
  EXPECT_LT(summary.clipped_fraction, 0.01);
}

TEST(RfiDetect, FlagsUnderOnePercentOfPureNoise) {
  for (uint64_t seed : {1, 2, 3}) {
    const Observation obs = simulate_observation(rfi_sim_config(256, 4.0, seed));
    const Cleaned cleaned = clean_in_gulps(test_rfi_config(kBlock), obs, 4 * kBlock, 0);
    const RfiMaskSummary summary = cleaned.mask.summary();
    EXPECT_LT(summary.total_fraction, 0.01) << seed;
    EXPECT_LT(summary.clipped_fraction, 0.001) << seed;
  }
}

TEST(RfiDetect, MasksZeroWeightAndDeadChannels) {
  Observation obs = simulate_observation(rfi_sim_config(128, 2.0, 11));
  obs.info.flagged.assign(obs.nchan(), 0);
  obs.info.flagged[3] = obs.info.flagged[77] = 1;
  for (uint64_t t = 0; t < obs.nsamp; ++t) {
    obs.data[t * obs.nchan() + 40] = 0.0f;   // all zero
    obs.data[t * obs.nchan() + 90] = 55.0f;  // stuck
  }
  RfiConfig config = test_rfi_config(kBlock);
  config.static_mask.bad_ranges = {{1490.0, 1500.0}};
  const Cleaned cleaned = clean_in_gulps(config, obs, kBlock, 0);
  const size_t top = obs.nchan() - 1;
  for (uint64_t b = 0; b < cleaned.mask.nblocks(); ++b) {
    EXPECT_TRUE(cleaned.mask.cell(b, 3) & kRfiStatic);
    EXPECT_TRUE(cleaned.mask.cell(b, 77) & kRfiStatic);
    EXPECT_TRUE(cleaned.mask.cell(b, top) & kRfiStatic);
    EXPECT_TRUE(cleaned.mask.cell(b, 40) & kRfiDead);
    EXPECT_TRUE(cleaned.mask.cell(b, 90) & kRfiDead);
  }
  EXPECT_EQ(cleaned.mask.static_channels()[3], 1);
  EXPECT_EQ(cleaned.mask.static_channels()[4], 0);
  EXPECT_EQ(cleaned.mask.summary().channel_fraction[77], 1.0);
  // Masked channels come out as their (normalised) median: exactly 0, finite.
  for (uint64_t t = 0; t < obs.nsamp; t += 101) {
    EXPECT_EQ(cleaned.out[t * obs.nchan() + 3], 0.0f);
    EXPECT_EQ(cleaned.out[t * obs.nchan() + 40], 0.0f);
  }
}

TEST(RfiDetect, RejectsBadConfigurationAndBrokenGulps) {
  const Observation obs = simulate_observation(rfi_sim_config(64, 0.5, 3));
  RfiConfig bad = test_rfi_config(1024);
  bad.iqrm.threshold = 0;
  EXPECT_THROW(make_rfi_cleaner_cpu(bad, obs.info, 1), Error);
  auto cleaner = make_rfi_cleaner_cpu(test_rfi_config(1024), obs.info, 1);
  std::vector<float> out(obs.data.size());
  // Not a whole number of blocks, not at the expected start.
  EXPECT_THROW(cleaner->process(obs.data.data(), out.data(), 0, 1500, 1500), Error);
  EXPECT_THROW(cleaner->process(obs.data.data(), out.data(), 1024, 1024, 1024), Error);
}

}  // namespace
}  // namespace tianyan::test
