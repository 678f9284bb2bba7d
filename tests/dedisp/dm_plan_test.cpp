// DM planning: hand-computed smearing, contiguity and growth of the steps, trial counts, the
// --dm grammar.
#include "kernels/dedisp/dm_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/dm_range.hpp"

namespace tianyan {
namespace {

BandGeometry band1024() { return BandGeometry::from_edges(1000, 1500, 1024, 98.304e-6); }
BandGeometry band_fast() { return BandGeometry::from_edges(1000, 1500, 4096, 49.152e-6); }

DmPlan plan_for(const BandGeometry& band, double hi, double tolerance = 1.2) {
  DmPlanConfig cfg;
  cfg.dm_hi = hi;
  cfg.tolerance = tolerance;
  return make_dm_plan(band, cfg);
}

void expect_rel(double got, double want, const char* what) {
  EXPECT_NEAR(got, want, 1e-7 * std::abs(want)) << what;
}

// Values worked out by hand (python, k = 1/2.41e-4) from the formulas of docs/dedispersion.md:
// t_chan = 2 k DM df / f_ctr^3 at the step's top trial DM, t_dDM = k (dDM/2)(f_lo^-2 - f_hi^-2)
// over channel centres, t_sub = k (g dDM / 2)(f_sub_lo^-2 - f_sub_hi^-2) for a subband of
// BW/nsub centred on f_ctr = 1250 MHz, total in quadrature with t_samp.
void expect_step(const DmPlanStep& s, double t_samp, double t_chan, double t_ddm, double t_sub,
                 double total) {
  expect_rel(s.t_samp_s, t_samp, "t_samp");
  expect_rel(s.t_chan_s, t_chan, "t_chan");
  expect_rel(s.t_ddm_s, t_ddm, "t_ddm");
  expect_rel(s.t_sub_s, t_sub, "t_sub");
  expect_rel(s.t_total_s, total, "total");
}

TEST(DmPlan, HandComputedSmearing1024Channels) {
  const DmPlan p = plan_for(band1024(), 150);
  ASSERT_EQ(p.steps.size(), 3u);
  EXPECT_EQ(p.nsub, 32);
  // Step 0: DM 0 at tsamp: dDM <= 1.2 x 98.304 us / 1.1513 ms per unit = 0.102 -> 0.1.
  const DmPlanStep& s0 = p.steps[0];
  EXPECT_DOUBLE_EQ(s0.ddm, 0.1);
  EXPECT_EQ(s0.downsample, 1);
  EXPECT_EQ(s0.ndm, 821);
  EXPECT_EQ(s0.sub_group, 23);
  expect_step(s0, 9.8304e-05, 0.00017012448132780084, 0.00011512919954490381, 7.635451279764702e-05,
              0.00024018900844016485);
  const DmPlanStep& s2 = p.steps[2];  // top trial DM 149.9, downsample 2, dDM 0.2, group 23
  EXPECT_DOUBLE_EQ(s2.ddm, 0.2);
  EXPECT_EQ(s2.downsample, 2);
  EXPECT_EQ(s2.sub_group, 23);
  expect_step(s2, 0.000196608, 0.00031099585062240666, 0.00023025839908980762,
              0.00015270902559529404, 0.00046012183345068463);
}

TEST(DmPlan, HandComputedSmearingFast4096Channels) {
  const DmPlan p = plan_for(band_fast(), 1000);
  ASSERT_EQ(p.steps.size(), 5u);
  EXPECT_EQ(p.nsub, 64);
  const DmPlanStep& s0 = p.steps[0];  // top trial DM 164.1
  EXPECT_DOUBLE_EQ(s0.ddm, 0.05);
  EXPECT_EQ(s0.sub_group, 47);
  expect_step(s0, 4.9152e-05, 8.511410788381744e-05, 5.7613830417929074e-05, 3.900491118854533e-05,
              0.00012042037625381474);
  const DmPlanStep& s4 = p.steps[4];  // top trial DM 999.65, downsample 8, dDM 0.5, group 37
  EXPECT_DOUBLE_EQ(s4.ddm, 0.5);
  EXPECT_EQ(s4.downsample, 8);
  EXPECT_EQ(s4.sub_group, 37);
  expect_step(s4, 0.000393216, 0.0005184906639004149, 0.0005761383041792907, 0.0003070599391438675,
              0.0009217768401177791);
}

// Contiguous steps; dDM and downsample never shrink; downsample doubles when it changes; every
// step honours the dDM rule at its lowest DM (where t_eff is smallest).
void check_shape(const DmPlan& p, double lo, double hi, double tolerance) {
  ASSERT_FALSE(p.steps.empty());
  EXPECT_DOUBLE_EQ(p.steps.front().dm_lo, lo);
  const DmPlanStep& last = p.steps.back();
  EXPECT_LE(last.dm_lo + static_cast<double>(last.ndm - 1) * last.ddm, hi + 1e-9);
  EXPECT_GT(last.dm_hi, hi);
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const DmPlanStep& s = p.steps[i];
    const double t_chan = channel_smearing_s(s.dm_lo, p.band.chan_bw_mhz, p.band.f_ctr_mhz());
    const double t_eff = std::hypot(p.band.tsamp_s * s.downsample, t_chan);
    EXPECT_LE(s.t_ddm_s, tolerance * t_eff * (1 + 1e-9)) << "step " << i;
    EXPECT_NEAR(s.dm_hi, s.dm_lo + static_cast<double>(s.ndm) * s.ddm, 1e-9);
    if (i == 0) continue;
    const DmPlanStep& prev = p.steps[i - 1];
    EXPECT_NEAR(s.dm_lo, prev.dm_hi, 1e-9) << "step " << i;
    EXPECT_GE(s.ddm, prev.ddm);
    EXPECT_TRUE(s.downsample == prev.downsample || s.downsample == 2 * prev.downsample);
  }
}

TEST(DmPlan, StepsAreContiguousAndGrow) {
  const DmPlan a = plan_for(band1024(), 150);
  check_shape(a, 0, 150, 1.2);
  const DmPlan b = plan_for(band_fast(), 1000);
  check_shape(b, 0, 1000, 1.2);
  EXPECT_EQ(b.max_downsample(), 8);
  EXPECT_LT(b.steps.front().ddm, b.steps.back().ddm);
  DmPlanConfig cfg;
  cfg.dm_lo = 37.5;
  cfg.dm_hi = 3000;
  cfg.max_downsample = 4;  // capped: steps go on widening dDM at downsample 4
  const DmPlan c = make_dm_plan(band1024(), cfg);
  check_shape(c, 37.5, 3000, 1.2);
  EXPECT_EQ(c.max_downsample(), 4);
  EXPECT_GE(c.steps.back().ddm, 1.0);
}

// SCIENCE.md: a smearing-based plan asks for about 0.1 near DM 40 and about 1500 trials to
// DM 150 at 1024 channels. DDplan evaluates t_dDM with the linear approximation at f_ctr (8%
// below the exact k (dDM/2)(f_lo^-2 - f_hi^-2) used here) and keeps dDM = 0.1 up to DM ~168
// (1500 trials); this plan moves to dDM 0.2 once t_eff has doubled (DM 82), so it needs fewer.
// Allowed steps are 1-2-3-5 multiples, so plans differ in factors of ~1.5-2: the ballpark.
TEST(DmPlan, TrialCountBallpark1024Channels) {
  const DmPlan p = plan_for(band1024(), 150);
  EXPECT_EQ(p.num_trials(), 1161);
  EXPECT_GE(p.num_trials(), 1000);
  EXPECT_LE(p.num_trials(), 2200);
  EXPECT_DOUBLE_EQ(p.steps[0].ddm, 0.1);  // covers DM 40
  const DmPlan strict = plan_for(band1024(), 150, 1.0);
  EXPECT_GT(strict.num_trials(), p.num_trials());  // a tighter tolerance means more trials
  EXPECT_DOUBLE_EQ(strict.steps[0].ddm, 0.05);
}

TEST(DmPlan, TrialsFollowSteps) {
  const DmPlan p = plan_for(band1024(), 150);
  const std::vector<DmTrial> t = p.trials();
  ASSERT_EQ(static_cast<int64_t>(t.size()), p.num_trials());
  EXPECT_EQ(t.front().group, 0);
  for (size_t i = 1; i < t.size(); ++i) {
    EXPECT_GT(t[i].dm, t[i - 1].dm);
    EXPECT_TRUE(t[i].group == t[i - 1].group || t[i].group == t[i - 1].group + 1);
    if (t[i].group == t[i - 1].group) {
      EXPECT_EQ(t[i].downsample, t[i - 1].downsample);
    }
  }
  EXPECT_NEAR(t.back().dm, 149.9, 1e-9);
}

TEST(DmPlan, FixedStepAndExplicitList) {
  DmPlanConfig cfg;
  apply_dm_range(parse_dm_range("10:20:0.5"), cfg);
  const DmPlan f = make_dm_plan(band1024(), cfg);
  ASSERT_EQ(f.steps.size(), 1u);
  EXPECT_EQ(f.num_trials(), 21);
  EXPECT_EQ(f.max_downsample(), 1);
  EXPECT_NEAR(f.trials().back().dm, 20.0, 1e-12);
  apply_dm_range(parse_dm_range("30,10,20,20"), cfg);
  const DmPlan l = make_dm_plan(band1024(), cfg);
  const std::vector<DmTrial> t = l.trials();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].dm, 10);
  EXPECT_EQ(t[2].dm, 30);
  EXPECT_EQ(t[2].group, 2);  // 10 apart: far beyond one coarse subband step
}

TEST(DmPlan, FormatsATable) {
  const std::string text = format_dm_plan(plan_for(band1024(), 150));
  EXPECT_NE(text.find("1161 trials"), std::string::npos) << text;
  EXPECT_NE(text.find("t_chan"), std::string::npos);
  EXPECT_NE(text.find("   82.100"), std::string::npos) << text;
}

void expect_kind(const std::function<void()>& f, ErrorKind kind) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
  }
}

TEST(DmPlan, RejectsBadConfigurations) {
  DmPlanConfig cfg;
  cfg.dm_hi = 100;
  expect_kind([&] { make_dm_plan(BandGeometry::from_edges(1000, 1500, 1, 1e-4), cfg); },
              ErrorKind::BadInput);
  DmPlanConfig ds3 = cfg;
  ds3.max_downsample = 3;
  expect_kind([&] { make_dm_plan(band1024(), ds3); }, ErrorKind::BadInput);
  DmPlanConfig backwards = cfg;
  backwards.dm_lo = 200;
  expect_kind([&] { make_dm_plan(band1024(), backwards); }, ErrorKind::BadInput);
  expect_kind([&] { BandGeometry::from_freqs({1500, 1000}, 1e-4); }, ErrorKind::BadInput);
}

TEST(DmRange, AcceptsTheGrammar) {
  const DmRange a = parse_dm_range("0:150");
  EXPECT_EQ(a.lo, 0);
  EXPECT_EQ(a.hi, 150);
  EXPECT_EQ(a.step, 0);
  const DmRange b = parse_dm_range("2.5:100:0.25");
  EXPECT_EQ(b.lo, 2.5);
  EXPECT_EQ(b.step, 0.25);
  EXPECT_EQ(parse_dm_range("56.7").list, std::vector<double>{56.7});
  EXPECT_EQ(parse_dm_range("1,2.5,3").list, (std::vector<double>{1, 2.5, 3}));
  EXPECT_EQ(parse_dm_range("7:7").hi, 7);
}

TEST(DmRange, RejectsMalformedText) {
  for (const char* bad : {"", ":", "0:", ":5", "a:b", "1:2:3:4", "5:1", "0:10:0", "0:10:-1", "-1:5",
                          "1,,2", "1:2,3", "1e400:2", "nan:1", "1 :2", "0x10:20", "10:20:", ","}) {
    try {
      parse_dm_range(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage) << bad;
      EXPECT_NE(std::string(e.what()).find("--dm '" + std::string(bad) + "'"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace tianyan
