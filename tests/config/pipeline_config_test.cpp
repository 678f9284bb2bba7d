// The pipeline configuration loader: every rejected key is named, the presets load, and the
// effective configuration written as TOML reads back to the same configuration.
#include "configs/pipeline_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

std::string write_config(const TempDir& dir, const std::string& text) {
  const std::string path = dir / "c.toml";
  std::ofstream(path) << text;
  return path;
}

// The BadInput message of loading `text`; fails the test when it loads.
std::string load_error(const std::string& text) {
  TempDir dir;
  const std::string path = write_config(dir, text);
  try {
    load_pipeline_config(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "loaded without error:\n" << text;
  return "";
}

std::string preset(const std::string& name) {
  return std::string(TIANYAN_SOURCE_DIR) + "/configs/" + name;
}

TEST(PipelineConfig, EmptyFileGivesTheDefaults) {
  TempDir dir;
  const PipelineConfig c = load_pipeline_config(write_config(dir, ""));
  EXPECT_EQ(pipeline_config_to_json(c), pipeline_config_to_json(default_pipeline_config()));
  EXPECT_EQ(c.dedisp.algorithm, "subband");
  EXPECT_DOUBLE_EQ(c.dedisp.plan.dm_hi, 1000.0);
  EXPECT_EQ(c.resources.threads, 0);
}

TEST(PipelineConfig, UnknownKeysAreNamed) {
  EXPECT_NE(load_error("[dedisp]\ndm_high = 5\n").find("key 'dedisp.dm_high': unknown key"),
            std::string::npos);
  EXPECT_NE(load_error("[rfi.iqrm]\nthreshhold = 3\n").find("'rfi.iqrm.threshhold'"),
            std::string::npos);
  EXPECT_NE(load_error("[search]\nx = 1\n").find("'search.x': unknown key"), std::string::npos);
  EXPECT_NE(load_error("[search.accel]\nmax = 1\n").find("'search.accel.max'"),
            std::string::npos);
  EXPECT_NE(load_error("[fold]\nx = 1\n").find("'fold.x': unknown key"), std::string::npos);
  EXPECT_NE(load_error("[folding]\nx = 1\n").find("'folding': unknown key"), std::string::npos);
  EXPECT_NE(load_error("[search]\nmax_harmonics = 12\n").find("not 1, 2, 4, 8, 16 or 32"),
            std::string::npos);
  EXPECT_NE(load_error("[[search.birdies]]\nfreq_hz = 50.0\nwidth = 1\n")
                .find("'search.birdies[0].width'"),
            std::string::npos);
  EXPECT_NE(load_error("[rfi.static_mask]\nbad_ranges = [{lo_mhz = 1, hi_mhz = 2, hi = 2}]\n")
                .find("'rfi.static_mask.bad_ranges[0].hi'"),
            std::string::npos);
}

TEST(PipelineConfig, WrongTypesAreNamed) {
  EXPECT_NE(load_error("[input]\nstrict = 1\n").find("'input.strict': expected true or false"),
            std::string::npos);
  EXPECT_NE(load_error("[dedisp]\nnsub = 2.5\n").find("'dedisp.nsub': expected an integer"),
            std::string::npos);
  EXPECT_NE(load_error("[dedisp]\ndm_lo = \"0\"\n").find("'dedisp.dm_lo': expected a number"),
            std::string::npos);
  EXPECT_NE(load_error("[dedisp]\ndm_list = [1, \"x\"]\n").find("'dedisp.dm_list'"),
            std::string::npos);
  EXPECT_NE(load_error("rfi = 3\n").find("'rfi': expected a table"), std::string::npos);
}

TEST(PipelineConfig, OutOfRangeValuesAreNamed) {
  const auto named = [](const std::string& text, const std::string& key) {
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("'" + key + "'"), std::string::npos) << msg;
  };
  named("[input]\ngulp_s = 0\n", "input.gulp_s");
  named("[rfi]\nblock_nsamp = 10\n", "rfi.block_nsamp");
  named("[rfi.dead]\nrel_std = 1.5\n", "rfi.dead.rel_std");
  named("[rfi.stats]\nhistory_blocks = 100\n", "rfi.stats.history_blocks");
  named("[rfi.iqrm]\nradius_fraction = 1.0\n", "rfi.iqrm.radius_fraction");
  named("[rfi.clip]\nthreshold = -1\n", "rfi.clip.threshold");
  named("[rfi.static_mask]\nbad_ranges = [{lo_mhz = 1200, hi_mhz = 1100}]\n",
        "rfi.static_mask.bad_ranges[0].hi_mhz");
  named("[dedisp]\ndm_lo = 100\ndm_hi = 50\n", "dedisp.dm_hi");
  named("[dedisp]\ntolerance = 0\n", "dedisp.tolerance");
  named("[dedisp]\nmax_downsample = 48\n", "dedisp.max_downsample");
  named("[dedisp]\nalgorithm = \"fdmt\"\n", "dedisp.algorithm");
  named("[dedisp]\ndm_list = [-1]\n", "dedisp.dm_list");
  named("[dedisp]\ndm_list = [1, 2]\nfixed_step = 0.5\n", "dedisp.dm_list");
  named("[resources]\nthreads = -1\n", "resources.threads");
  named("[resources]\nmemory_gb = 0\n", "resources.memory_gb");
}

TEST(PipelineConfig, OverridesAreCheckedByKey) {
  PipelineConfig c = default_pipeline_config();
  EXPECT_NO_THROW(validate_pipeline_config(c, "defaults"));
  c.dedisp.plan.tolerance = -2;
  try {
    validate_pipeline_config(c, "cmdline");
    FAIL() << "accepted a negative tolerance";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("cmdline: key 'dedisp.tolerance'"), std::string::npos)
        << e.what();
  }
}

TEST(PipelineConfig, DefaultPresetSpellsOutTheDefaults) {
  const PipelineConfig c = load_pipeline_config(preset("default.toml"));
  EXPECT_EQ(pipeline_config_to_json(c), pipeline_config_to_json(default_pipeline_config()));
}

TEST(PipelineConfig, FastPresetMasksTheBandEdgesAndSearchesTheSurveyRange) {
  const PipelineConfig c = load_pipeline_config(preset("fast.toml"));
  ASSERT_EQ(c.rfi.static_mask.bad_ranges.size(), 2u);
  EXPECT_DOUBLE_EQ(c.rfi.static_mask.bad_ranges[0].hi_mhz, 1050.0);
  EXPECT_DOUBLE_EQ(c.rfi.static_mask.bad_ranges[1].lo_mhz, 1450.0);
  EXPECT_FALSE(c.rfi.zero_dm.enabled);
  EXPECT_DOUBLE_EQ(c.dedisp.plan.dm_lo, 0.0);
  EXPECT_DOUBLE_EQ(c.dedisp.plan.dm_hi, 1000.0);
  EXPECT_DOUBLE_EQ(c.dedisp.plan.tolerance, 1.2);
}

// Values that are not round in binary and lists, so that number formatting is exercised too.
PipelineConfig unusual_config() {
  PipelineConfig c = load_pipeline_config(preset("fast.toml"));
  c.input.strict = true;
  c.input.gulp_s = 0.1 + 0.2;
  c.rfi.block_nsamp = 4096;
  c.rfi.dead.rel_std = 1.0 / 3.0;
  c.rfi.stats.temporal_enabled = false;
  c.rfi.iqrm.radius_fraction = 0.123456789012345;
  c.rfi.static_mask.bad_ranges.push_back({1176.45, 1176.45 + 1e-7});
  c.dedisp.algorithm = "brute";
  c.dedisp.plan.dm_list = {0.0, 12.5, 1e-5, 333.333333333333};
  c.dedisp.plan.nsub = 128;
  c.resources.threads = 7;
  c.resources.memory_gb = 2.5e3;
  return c;
}

TEST(PipelineConfig, EffectiveTomlReadsBackToTheSameConfiguration) {
  for (const PipelineConfig& c :
       {default_pipeline_config(), load_pipeline_config(preset("fast.toml")), unusual_config()}) {
    TempDir dir;
    const std::string text = pipeline_config_to_toml(c);
    const PipelineConfig back = load_pipeline_config(write_config(dir, text));
    EXPECT_EQ(pipeline_config_to_json(back), pipeline_config_to_json(c)) << text;
    EXPECT_EQ(pipeline_config_to_toml(back), text);
  }
}

TEST(PipelineConfig, JsonHasTheFileLayout) {
  const nlohmann::json j = pipeline_config_to_json(unusual_config());
  EXPECT_EQ(j["dedisp"]["algorithm"], "brute");
  EXPECT_EQ(j["rfi"]["static_mask"]["bad_ranges"].size(), 3u);
  EXPECT_EQ(j["rfi"]["block_nsamp"], 4096);
  EXPECT_EQ(j["resources"]["threads"], 7);
  EXPECT_EQ(j["input"]["strict"], true);
}

}  // namespace
}  // namespace tianyan::test
