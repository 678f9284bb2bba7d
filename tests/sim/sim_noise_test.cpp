// The noise generator and the simulated noise: moments, Gaussianity, bandpass, determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "pipeline/simulate/noise.hpp"
#include "sim_test_util.hpp"

namespace tianyan::test {
namespace {

TEST(SimNoise, InverseNormalCdfIsAccurate) {
  // Reference values of the standard normal quantile.
  EXPECT_NEAR(inverse_normal_cdf(0.5), 0.0, 1e-12);
  EXPECT_NEAR(inverse_normal_cdf(0.975), 1.959963984540054, 1e-8);
  EXPECT_NEAR(inverse_normal_cdf(0.001), -3.090232306167814, 1e-8);
  EXPECT_NEAR(inverse_normal_cdf(1e-9), -5.997807015007686, 1e-7);
}

TEST(SimNoise, GeneratorMomentsAreGaussian) {
  const GaussianNoise noise(7);
  const size_t nchan = 4096, nrow = 1024;  // 4.2 million values
  std::vector<float> mean(nchan, 0.0f), sigma(nchan, 1.0f), row(nchan);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0, tail = 0;
  for (size_t r = 0; r < nrow; ++r) {
    noise.fill_row(noise.row_key(1, 0, r), nchan, mean.data(), sigma.data(), nullptr, 0.0f,
                   row.data());
    for (float v : row) {
      const double x = v;
      m1 += x;
      m2 += x * x;
      m3 += x * x * x;
      m4 += x * x * x * x;
      tail += std::abs(x) > 3.0 ? 1.0 : 0.0;
    }
  }
  const double n = static_cast<double>(nchan * nrow);
  m1 /= n;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // Standard errors: mean 5e-4, variance 7e-4, skewness 1.2e-3, kurtosis 2.4e-3.
  EXPECT_NEAR(m1, 0.0, 3e-3);
  EXPECT_NEAR(m2, 1.0, 4e-3);
  EXPECT_NEAR(m3 / std::pow(m2, 1.5), 0.0, 8e-3);
  EXPECT_NEAR(m4 / (m2 * m2), 3.0, 1.5e-2);
  // P(|x| > 3) = 0.0026998; binomial standard error 2.5e-5.
  EXPECT_NEAR(tail / n, 0.0026998, 1.5e-4);
}

TEST(SimNoise, RowsAndChannelsAreUncorrelated) {
  const GaussianNoise noise(7);
  const size_t nchan = 1024, nrow = 512;
  std::vector<float> zero(nchan, 0.0f), one(nchan, 1.0f), a(nchan), b(nchan);
  double lag_chan = 0, lag_row = 0, lag_pol = 0;
  for (size_t r = 0; r < nrow; ++r) {
    noise.fill_row(noise.row_key(1, 0, r), nchan, zero.data(), one.data(), nullptr, 0, a.data());
    noise.fill_row(noise.row_key(1, 0, r + 1), nchan, zero.data(), one.data(), nullptr, 0,
                   b.data());
    for (size_t c = 0; c + 1 < nchan; ++c) lag_chan += a[c] * a[c + 1];
    for (size_t c = 0; c < nchan; ++c) lag_row += a[c] * b[c];
    noise.fill_row(noise.row_key(1, 1, r), nchan, zero.data(), one.data(), nullptr, 0, b.data());
    for (size_t c = 0; c < nchan; ++c) lag_pol += a[c] * b[c];
  }
  const double n = static_cast<double>(nchan * nrow);  // correlation standard error 1.4e-3
  EXPECT_NEAR(lag_chan / n, 0.0, 7e-3);
  EXPECT_NEAR(lag_row / n, 0.0, 7e-3);
  EXPECT_NEAR(lag_pol / n, 0.0, 7e-3);
}

TEST(SimNoise, ChannelMeanAndSigmaFollowTheBandpass) {
  SimConfig config = small_config();
  config.observation.nchan = 32;
  config.observation.duration_s = 10.0;  // 20000 samples per channel
  const MemoryRun run = run_in_memory(config, 2);
  const Capture& cap = run.beams.at(1);
  const SimPlan plan = make_sim_plan(config);
  EXPECT_LT(plan.mean.front(), 0.5 * plan.mean[16]);  // FAST-like roll-off at the band edge
  const double n = static_cast<double>(cap.nsamp);
  for (int p = 0; p < 2; ++p) {
    for (size_t c = 0; c < cap.nchan(); ++c) {
      double s1 = 0, s2 = 0;
      for (uint64_t t = 0; t < cap.nsamp; ++t) {
        const double v = cap.at(t, p, c);
        s1 += v;
        s2 += v * v;
      }
      const double mean = s1 / n, sd = std::sqrt(s2 / n - mean * mean);
      // 5 standard errors: mean sigma/sqrt(n), sigma sigma/sqrt(2n).
      EXPECT_NEAR(mean, plan.mean[c], 5.0 * plan.sigma[c] / std::sqrt(n)) << c;
      EXPECT_NEAR(sd, plan.sigma[c], 5.0 * plan.sigma[c] / std::sqrt(2.0 * n)) << c;
    }
  }
  EXPECT_NEAR(plan.mean[16], 90.0, 90.0 * 0.07);
  EXPECT_NEAR(plan.sigma[16], 12.0, 12.0 * 0.07);
}

TEST(SimNoise, SameSeedSameBytesWhateverTheThreads) {
  SimConfig config = small_config();
  SimPulsar p;
  p.dm = 30;
  config.pulsars = {p};
  config.rfi.noise_diode.enabled = true;
  config.rfi.narrowband.push_back(SimNarrowband{});
  const MemoryRun one = run_in_memory(config, 1);
  const MemoryRun again = run_in_memory(config, 1);
  const MemoryRun two = run_in_memory(config, 2);
  EXPECT_EQ(one.beams.at(1).data, again.beams.at(1).data);
  EXPECT_EQ(one.beams.at(1).data, two.beams.at(1).data);
  EXPECT_EQ(one.result.truth.dump(), two.result.truth.dump());
  config.observation.seed = 43;
  const MemoryRun other = run_in_memory(config, 2);
  EXPECT_NE(one.beams.at(1).data, other.beams.at(1).data);
}

}  // namespace
}  // namespace tianyan::test
