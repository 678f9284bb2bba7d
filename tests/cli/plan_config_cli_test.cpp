// `tianyan config show` and `tianyan plan` end to end: the printed configuration loads again,
// the plan of a simulated file has its trial count, and bad flags or files exit 2 or 3.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>

#include "configs/pipeline_config.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

std::string preset(const std::string& name) {
  return std::string(TIANYAN_SOURCE_DIR) + "/configs/" + name;
}

// A short 64-channel filterbank over FAST's band; returns its path.
std::string simulated_file(const TempDir& dir) {
  const std::string config = dir / "sim.toml";
  std::ofstream(config) << R"([observation]
source = "J0002+0002"
nchan = 64
tsamp_s = 98.304e-6
duration_s = 0.5
npol = 1
nbits = 8
seed = 3

[output]
format = "filterbank"
)";
  const auto r = run_tianyan({"-q", "simulate", config, "-o", dir / "obs"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir / "obs.fil";
}

TEST(ConfigCli, ShowPrintsLoadableToml) {
  for (const std::string& file : {std::string(), preset("fast.toml")}) {
    TempDir dir;
    const auto r =
        file.empty() ? run_tianyan({"config", "show"}) : run_tianyan({"config", "show", file});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("[dedisp]"), std::string::npos) << r.out;
    std::ofstream(dir / "shown.toml") << r.out;
    const PipelineConfig shown = load_pipeline_config(dir / "shown.toml");
    const PipelineConfig expected =
        file.empty() ? default_pipeline_config() : load_pipeline_config(file);
    EXPECT_EQ(pipeline_config_to_json(shown), pipeline_config_to_json(expected));
  }
}

TEST(ConfigCli, BadConfigExits3NamingTheKey) {
  TempDir dir;
  std::ofstream(dir / "bad.toml") << "[dedisp]\ntolerance = -1\n";
  const auto r = run_tianyan({"config", "show", dir / "bad.toml"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("dedisp.tolerance"), std::string::npos) << r.err;
}

TEST(PlanCli, PrintsTheTableAndTheTrialCount) {
  TempDir dir;
  const std::string fil = simulated_file(dir);
  const auto r = run_tianyan({"plan", fil, "-c", preset("fast.toml"), "--dm", "0:200"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DM lo"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("t_dDM"), std::string::npos) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("trials: ([0-9]+)"))) << r.out;
  EXPECT_GT(std::stoll(m[1]), 1);
  EXPECT_NE(r.out.find("worst smearing"), std::string::npos) << r.out;
}

TEST(PlanCli, FixedStepFlagGivesThatManyTrials) {
  TempDir dir;
  const std::string fil = simulated_file(dir);
  const auto r = run_tianyan({"plan", fil, "--dm", "0:10:0.5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("trials: ([0-9]+)"))) << r.out;
  // 0, 0.5, ..., 10 or up to just below it, depending on how the planner closes the range.
  EXPECT_GE(std::stoll(m[1]), 20);
  EXPECT_LE(std::stoll(m[1]), 21);
}

TEST(PlanCli, ToleranceFlagOverridesTheConfiguration) {
  TempDir dir;
  const std::string fil = simulated_file(dir);
  const auto count = [&](const std::string& tol) {
    const auto r = run_tianyan({"plan", fil, "--dm", "0:500", "--tolerance", tol});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::smatch m;
    EXPECT_TRUE(std::regex_search(r.out, m, std::regex("trials: ([0-9]+)"))) << r.out;
    return m.empty() ? 0LL : std::stoll(m[1]);
  };
  EXPECT_GT(count("1.0"), count("4.0"));  // a looser tolerance needs fewer trials
}

TEST(PlanCli, MalformedDmExits2) {
  TempDir dir;
  const std::string fil = simulated_file(dir);
  for (const std::string& dm : {"abc", "10:5", "0:100:-1"}) {
    const auto r = run_tianyan({"plan", fil, "--dm", dm});
    EXPECT_EQ(r.exit_code, 2) << dm << ": " << r.err;
  }
}

TEST(PlanCli, BadConfigOrOverrideExits3NamingTheKey) {
  TempDir dir;
  const std::string fil = simulated_file(dir);
  std::ofstream(dir / "bad.toml") << "[rfi.stats]\nhistory_blocks = 0\n";
  const auto r = run_tianyan({"plan", fil, "-c", dir / "bad.toml"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("rfi.stats.history_blocks"), std::string::npos) << r.err;

  const auto t = run_tianyan({"plan", fil, "--dm", "0:100", "--tolerance", "0"});
  EXPECT_EQ(t.exit_code, 3);
  EXPECT_NE(t.err.find("dedisp.tolerance"), std::string::npos) << t.err;

  // A channel-dependent RFI limit, checked once the input's 64 channels are known.
  std::ofstream(dir / "wide.toml") << "[rfi.iqrm]\ntrend_half_width = 100\n";
  const auto w = run_tianyan({"plan", fil, "-c", dir / "wide.toml"});
  EXPECT_EQ(w.exit_code, 3);
  EXPECT_NE(w.err.find("iqrm.trend_half_width"), std::string::npos) << w.err;
}

}  // namespace
}  // namespace tianyan::test
