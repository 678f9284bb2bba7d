// The pieces of a campaign that need no data: the [campaign] and [sift.multibeam] sections
// (strict, round trip), the configuration hash (what invalidates finished units), Slurm's
// array index lists and squeue's answers.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "configs/pipeline_config.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign/campaign.hpp"
#include "pipeline/campaign/campaign_slurm.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

std::string write_config(const TempDir& dir, const std::string& text) {
  const std::string path = dir / "c.toml";
  std::ofstream(path) << text;
  return path;
}

// The message of the BadInput that loading `text` throws ("" when it loads).
std::string load_error(const std::string& text) {
  TempDir dir;
  try {
    load_pipeline_config(write_config(dir, text));
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    return e.what();
  }
  return "";
}

TEST(CampaignConfig, SectionsAreReadAndWrittenBack) {
  TempDir dir;
  const PipelineConfig c = load_pipeline_config(write_config(
      dir,
      "[campaign]\npartition = \"gpu\"\ntime = \"2-00:30:00\"\nmem_gb = 1.5\ncpus_per_task = 3\n"
      "gpus = 1\nbackend = \"auto\"\nthrottle = 7\nthreads = 2\nextra_sbatch = [\"--account=psr\", \"--qos=low\"]\n"
      "fold_top = 4\n\n[sift.multibeam]\nenabled = false\nrfi_min_beams = 9\n"
      "require_neighbours = false\nfreq_tol_bins = 2.5\ndm_tol = 3.0\ndm_frac = 0.2\n"));
  EXPECT_EQ(c.campaign.partition, "gpu");
  EXPECT_EQ(c.campaign.time, "2-00:30:00");
  EXPECT_DOUBLE_EQ(c.campaign.mem_gb, 1.5);
  EXPECT_EQ(c.campaign.cpus_per_task, 3);
  EXPECT_EQ(c.campaign.gpus, 1);
  EXPECT_EQ(c.campaign.backend, "auto");
  EXPECT_EQ(c.campaign.throttle, 7);
  EXPECT_EQ(c.campaign.threads, 2);
  EXPECT_EQ(c.campaign.extra_sbatch, (std::vector<std::string>{"--account=psr", "--qos=low"}));
  EXPECT_EQ(c.campaign.fold_top, 4);
  EXPECT_FALSE(c.multibeam.enabled);
  EXPECT_EQ(c.multibeam.rfi_min_beams, 9);
  EXPECT_FALSE(c.multibeam.require_neighbours);
  EXPECT_DOUBLE_EQ(c.multibeam.freq_tol_bins, 2.5);
  EXPECT_DOUBLE_EQ(c.multibeam.dm_tol, 3.0);
  EXPECT_DOUBLE_EQ(c.multibeam.dm_frac, 0.2);
  // The effective TOML reads back to the same configuration.
  const PipelineConfig back = load_pipeline_config(write_config(dir, pipeline_config_to_toml(c)));
  EXPECT_EQ(pipeline_config_to_json(back), pipeline_config_to_json(c));
  EXPECT_EQ(pipeline_config_to_json(c)["sift"]["multibeam"]["rfi_min_beams"], 9);
}

TEST(CampaignConfig, BadKeysAndValuesAreRejectedByName) {
  EXPECT_NE(load_error("[campaign]\nbogus = 1\n").find("key 'campaign.bogus': unknown key"),
            std::string::npos);
  EXPECT_NE(load_error("[campaign]\ntime = \"an hour\"\n").find("key 'campaign.time'"),
            std::string::npos);
  EXPECT_NE(load_error("[campaign]\ntime = \"01::00\"\n").find("key 'campaign.time'"),
            std::string::npos);
  EXPECT_NE(load_error("[campaign]\ncpus_per_task = 0\n").find("campaign.cpus_per_task"),
            std::string::npos);
  EXPECT_NE(load_error("[campaign]\nbackend = \"gpu\"\n").find("key 'campaign.backend'"),
            std::string::npos);
  EXPECT_NE(load_error("[campaign]\nextra_sbatch = [1]\n").find("campaign.extra_sbatch"),
            std::string::npos);
  EXPECT_NE(load_error("[campaign]\nextra_sbatch = \"--qos=x\"\n").find("campaign.extra_sbatch"),
            std::string::npos);
  EXPECT_NE(load_error("[sift.multibeam]\nrfi_min_beams = 1\n").find("sift.multibeam.rfi_min_beams"),
            std::string::npos);
  EXPECT_NE(load_error("[sift.multibeam]\nbeams = 3\n").find("key 'sift.multibeam.beams': unknown key"),
            std::string::npos);
  // [sift]'s own keys still work beside the sub-table, and its unknown keys are still caught.
  EXPECT_EQ(load_error("[sift]\nmin_sigma = 6.0\n[sift.multibeam]\ndm_tol = 1.0\n"), "");
  EXPECT_NE(load_error("[sift]\nbogus = 6.0\n").find("key 'sift.bogus'"), std::string::npos);
  EXPECT_EQ(load_error("[campaign]\ntime = \"30\"\n"), "");
  EXPECT_EQ(load_error("[campaign]\ntime = \"1-12\"\n"), "");
}

TEST(CampaignConfig, HashChangesOnlyWithWhatChangesAUnit) {
  const PipelineConfig base = default_pipeline_config();
  const std::string h = campaign_config_hash(base);
  EXPECT_EQ(h.size(), 16u);
  PipelineConfig c = base;
  c.campaign.partition = "other";
  c.campaign.time = "10:00:00";
  c.campaign.throttle = 3;
  c.campaign.backend = "cuda";  // where, not what: the backends agree within rounding
  c.resources.threads = 5;
  c.multibeam.rfi_min_beams = 7;  // the merge's, not a unit's
  EXPECT_EQ(campaign_config_hash(c), h);
  c = base;
  c.dedisp.plan.dm_hi = 500.0;
  EXPECT_NE(campaign_config_hash(c), h);
  c = base;
  c.campaign.fold_top = 3;  // a unit folds 3 instead of fold.top_n = 10
  EXPECT_NE(campaign_config_hash(c), h);
  c.campaign.fold_top = base.fold.top_n;  // the same effective count
  EXPECT_EQ(campaign_config_hash(c), h);
}

TEST(CampaignSlurm, ArrayIndexLists) {
  EXPECT_EQ(array_index_list({}), "");
  EXPECT_EQ(array_index_list({4}), "4");
  EXPECT_EQ(array_index_list({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(array_index_list({7, 0, 2, 3, 5, 6, 3}), "0,2-3,5-7");
}

TEST(CampaignSlurm, SqueueLinesGiveEachUnitsState) {
  const std::string text =
      "123_4 RUNNING\n123_0 RUNNING\n123_[5-7,9%2] PENDING\n1234_1 RUNNING\n124 PENDING\n";
  const std::map<int, std::string> q = parse_squeue(text, "123");
  const std::map<int, std::string> want = {{0, "RUNNING"}, {4, "RUNNING"}, {5, "PENDING"},
                                           {6, "PENDING"}, {7, "PENDING"}, {9, "PENDING"}};
  EXPECT_EQ(q, want);
  EXPECT_TRUE(parse_squeue("", "123").empty());
}

}  // namespace
}  // namespace tianyan::test
