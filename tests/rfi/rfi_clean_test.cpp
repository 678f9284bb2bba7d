// What the RFI stage outputs: replacement values, normalisation, zero-DM; and that the output
// does not depend on gulp sizes or thread counts; mask save/load and reuse.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "rfi_test_util.hpp"

namespace tianyan::test {
namespace {

constexpr uint64_t kBlock = 4096;

float column_median(const Observation& obs, size_t c, uint64_t t0, uint64_t n) {
  std::vector<float> v(n);
  for (uint64_t t = 0; t < n; ++t) v[t] = obs.data[(t0 + t) * obs.nchan() + c];
  std::sort(v.begin(), v.end());
  return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

SimConfig busy_config(uint64_t seed) { return busy_sim_config(256, 2.0, seed); }

TEST(RfiClean, ReplacesMaskedSamplesByTheChannelMedian) {
  SimConfig sim = rfi_sim_config(128, 2.0, 5);
  SimBurst burst;
  burst.time_s = 0.5;
  burst.amplitude_sigma = 3.0;
  sim.rfi.burst = {burst};
  const Observation obs = simulate_observation(sim);
  RfiConfig config = test_rfi_config(kBlock);
  config.normalise.enabled = false;
  config.static_mask.bad_ranges = {{1000.0, 1010.0}};  // channels 0-2
  const Cleaned cleaned = clean_in_gulps(config, obs, kBlock, 0);
  const size_t nchan = obs.nchan();
  for (uint64_t b = 0; b < cleaned.mask.nblocks(); ++b) {
    const uint64_t t0 = b * kBlock;
    const uint64_t n = cleaned.mask.block_samples(b);
    // A static channel never has a clean block, so its own block median replaces it.
    const float med0 = column_median(obs, 0, t0, n);
    EXPECT_GT(med0, 1.0f);
    EXPECT_EQ(cleaned.out[(t0 + n / 2) * nchan + 0], med0);
    // Clipped samples of a clean channel become that cell's median.
    for (uint32_t k : cleaned.mask.clipped(b)) {
      EXPECT_EQ(cleaned.out[(t0 + k) * nchan + 60], column_median(obs, 60, t0, n));
    }
  }
  EXPECT_GT(cleaned.mask.clipped(1).size(), 50u);  // the 10 ms burst at 0.5 s
}

TEST(RfiClean, NormalisedChannelsHaveZeroMeanAndUnitStd) {
  const Observation obs = simulate_observation(rfi_sim_config(128, 2.0, 9));
  const Cleaned cleaned = clean_in_gulps(test_rfi_config(kBlock), obs, kBlock, kBlock);
  const size_t nchan = obs.nchan();
  for (size_t c = 0; c < nchan; ++c) {
    if (cleaned.mask.summary().channel_fraction[c] > 0) continue;
    double s = 0, s2 = 0;
    for (uint64_t t = 0; t < obs.nsamp; ++t) {
      const double v = cleaned.out[t * nchan + c];
      s += v;
      s2 += v * v;
    }
    const double mean = s / static_cast<double>(obs.nsamp);
    const double std = std::sqrt(s2 / static_cast<double>(obs.nsamp) - mean * mean);
    EXPECT_NEAR(mean, 0.0, 0.03) << c;
    EXPECT_NEAR(std, 1.0, 0.03) << c;
  }
}

// Matched-filter S/N of `signal` in the cleaned data: sum(out x s) / sqrt(sum s^2).
double matched_snr(const std::vector<float>& out, const std::vector<double>& signal) {
  double dot = 0, norm = 0;
  for (size_t k = 0; k < signal.size(); ++k) {
    dot += out[k] * signal[k];
    norm += signal[k] * signal[k];
  }
  return dot / std::sqrt(norm);
}

TEST(RfiClean, ZeroDmRemovesBurstsAndKeepsDispersedPulsars) {
  SimConfig sim = rfi_sim_config(256, 2.0, 21);
  SimPulsar psr;
  psr.dm = 150.0;
  psr.period_s = 0.4;
  psr.amplitude_sigma = 0.3;
  sim.pulsars = {psr};
  SimBurst burst;
  burst.time_s = 1.3;
  burst.width_s = 0.02;
  burst.amplitude_sigma = 2.0;
  sim.rfi.burst = {burst};
  const Observation obs = simulate_observation(sim);
  SimConfig quiet = sim;
  quiet.noise.enabled = false;
  quiet.rfi = SimRfi{};
  const MemoryRun pulsar_only = run_in_memory(quiet, 2);
  const std::vector<double> signal = intensity_sigma_units(quiet, pulsar_only.beams.at(1));

  RfiConfig config = test_rfi_config(kBlock);
  config.clip.enabled = false;  // leave the burst to the zero-DM filter
  const Cleaned plain = clean_in_gulps(config, obs, kBlock, 0);
  config.zero_dm.enabled = true;
  const Cleaned zdm = clean_in_gulps(config, obs, kBlock, 0);
  const size_t nchan = obs.nchan();
  auto burst_level = [&](const Cleaned& c) {
    const auto t0 = static_cast<uint64_t>(std::ceil(1.3 / obs.info.tsamp_s));
    const auto t1 = static_cast<uint64_t>(1.32 / obs.info.tsamp_s);
    double s = 0;
    size_t n = 0;
    for (uint64_t t = t0; t < t1; ++t) {
      for (size_t ch = 0; ch < nchan; ++ch) {
        if (c.mask.cell(t / kBlock, ch) == 0) s += c.out[t * nchan + ch], ++n;
      }
    }
    return s / static_cast<double>(n);  // mean per sample and channel, in sigma
  };
  EXPECT_GT(burst_level(plain), 1.5);
  EXPECT_NEAR(burst_level(zdm), 0.0, 0.05);
  const double snr_plain = matched_snr(plain.out, signal);
  const double snr_zdm = matched_snr(zdm.out, signal);
  EXPECT_GT(snr_plain, 50.0);
  EXPECT_GT(snr_zdm, 0.8 * snr_plain);
}

TEST(RfiStream, OutputAndMaskDoNotDependOnGulps) {
  const Observation obs = simulate_observation(busy_config(4));
  RfiConfig config = test_rfi_config(kBlock);
  config.zero_dm.enabled = true;
  const Cleaned whole = clean_in_gulps(config, obs, obs.nsamp, 0);
  const Cleaned small = clean_in_gulps(config, obs, kBlock, kBlock);
  const Cleaned large = clean_in_gulps(config, obs, 3 * kBlock, 2 * kBlock);
  EXPECT_TRUE(whole.out == small.out);
  EXPECT_TRUE(whole.out == large.out);
  EXPECT_TRUE(whole.mask == small.mask);
  EXPECT_TRUE(whole.mask == large.mask);
  EXPECT_GT(whole.mask.summary().total_fraction, 0.0);
}

TEST(RfiStream, IdenticalAtOneAndTwoThreads) {
  const Observation obs = simulate_observation(busy_config(6));
  RfiConfig config = test_rfi_config(kBlock);
  config.zero_dm.enabled = true;
  const Cleaned one = clean_in_gulps(config, obs, 2 * kBlock, kBlock, 1);
  const Cleaned two = clean_in_gulps(config, obs, 2 * kBlock, kBlock, 2);
  EXPECT_TRUE(one.out == two.out);
  EXPECT_TRUE(one.mask == two.mask);
}

TEST(RfiMaskFile, SaveLoadRoundTripAndReuse) {
  const Observation obs = simulate_observation(busy_config(8));
  RfiConfig config = test_rfi_config(kBlock);
  config.static_mask.bad_ranges = {{1400.0, 1420.0}};
  const Cleaned first = clean_in_gulps(config, obs, 2 * kBlock, 0);
  const auto dir = std::filesystem::temp_directory_path() / "tianyan_rfi_mask_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "obs.rfimask").string();
  first.mask.save(path);
  const RfiMask loaded = RfiMask::load(path);
  EXPECT_TRUE(loaded == first.mask);
  EXPECT_EQ(loaded.summary().block_fraction, first.mask.summary().block_fraction);
  // Applying the loaded mask reproduces the output.
  const Cleaned again = clean_in_gulps(config, obs, kBlock, kBlock, 2, &loaded);
  EXPECT_TRUE(again.out == first.out);
  EXPECT_TRUE(again.mask == first.mask);
  // A truncated file is bad input, not a crash.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  try {
    (void)RfiMask::load(path);
    ADD_FAILURE() << "truncated mask loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tianyan::test
