// The acceleration trial list and the drift it is spaced by.
#include "kernels/accel/accel_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/common/constants.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

TEST(AccelDrift, HandChecked) {
  // 250 m/s^2 x (100 s)^2 x 400 Hz / 299792458 m/s = 1e9 / 299792458.
  EXPECT_NEAR(accel_drift_bins(250, 100, 400), 3.33564095, 1e-8);
  EXPECT_NEAR(accel_drift_bins(-250, 100, 400), -3.33564095, 1e-8);
  EXPECT_EQ(accel_drift_bins(0, 100, 400), 0.0);
  // Quadratic in T, linear in a and f.
  EXPECT_NEAR(accel_drift_bins(10, 200, 50), 4 * accel_drift_bins(10, 100, 50), 1e-12);
  EXPECT_NEAR(accel_drift_bins(10, 100, 150), 3 * accel_drift_bins(10, 100, 50), 1e-12);
}

TEST(AccelTrials, OnlyZeroWhenDisabled) {
  AccelConfig cfg;
  cfg.enabled = false;
  EXPECT_EQ(accel_trials(cfg, 100, 1000), std::vector<double>{0.0});
  // Disabled needs no valid geometry either.
  EXPECT_EQ(accel_trials(cfg, 0, 0), std::vector<double>{0.0});
}

TEST(AccelTrials, ZeroFirstThenSymmetricPairsAtTheToleranceStep) {
  AccelConfig cfg;
  cfg.enabled = true;
  cfg.max_ms2 = 250;
  cfg.tolerance_bins = 1.0;
  const double tobs = 100, f_top = 400;
  const double step = kSpeedOfLight / (tobs * tobs * f_top);  // 74.948 m/s^2
  const std::vector<double> t = accel_trials(cfg, tobs, f_top);
  // 250 / 74.948 = 3.34 steps: +-1, +-2, +-3 steps, then the 4th capped at 250.
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0], 0.0);
  for (size_t k = 1; k <= 4; ++k) {
    const double want = std::min(static_cast<double>(k) * step, cfg.max_ms2);
    EXPECT_NEAR(t[2 * k - 1], want, 1e-9) << k;
    EXPECT_EQ(t[2 * k], -t[2 * k - 1]) << k;
  }
  EXPECT_EQ(t[7], 250.0);
  // The step drifts the top frequency by the tolerance: one bin.
  EXPECT_NEAR(accel_drift_bins(t[1], tobs, f_top), 1.0, 1e-12);
  EXPECT_NEAR(*std::max_element(t.begin(), t.end()), cfg.max_ms2, 1e-12);
  EXPECT_NEAR(*std::min_element(t.begin(), t.end()), -cfg.max_ms2, 1e-12);
}

TEST(AccelTrials, StepScalesWithToleranceAndNoDuplicateAtAnExactMultiple) {
  AccelConfig cfg;
  cfg.enabled = true;
  const double tobs = 50, f_top = 2000;
  const double step = kSpeedOfLight / (tobs * tobs * f_top);
  cfg.tolerance_bins = 0.5;
  cfg.max_ms2 = 6 * 0.5 * step;  // exactly 6 steps of the finer spacing
  const std::vector<double> t = accel_trials(cfg, tobs, f_top);
  ASSERT_EQ(t.size(), 13u);
  EXPECT_NEAR(t[1], 0.5 * step, 1e-9);
  EXPECT_NEAR(t[11], cfg.max_ms2, 1e-9);
  for (size_t i = 3; i < t.size(); i += 2) EXPECT_NEAR(t[i] - t[i - 2], 0.5 * step, 1e-9);
  // A range smaller than one step still searches both signs at the cap.
  cfg.max_ms2 = 0.1 * step;
  EXPECT_EQ(accel_trials(cfg, tobs, f_top), (std::vector<double>{0, cfg.max_ms2, -cfg.max_ms2}));
}

TEST(AccelTrials, RejectsImpossiblePlans) {
  AccelConfig cfg;
  cfg.enabled = true;
  EXPECT_THROW(accel_trials(cfg, 0, 1000), Error);
  EXPECT_THROW(accel_trials(cfg, 100, 0), Error);
  cfg.tolerance_bins = 0;
  EXPECT_THROW(accel_trials(cfg, 100, 1000), Error);
  cfg.tolerance_bins = 1e-9;  // billions of trials
  EXPECT_THROW(accel_trials(cfg, 100, 1000), Error);
}

}  // namespace
}  // namespace tianyan
