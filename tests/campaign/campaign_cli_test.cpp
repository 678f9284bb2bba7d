// `tianyan campaign` end to end on a simulated FAST set of 2 scans x 3 beams (tiny beams: 4 s,
// 64 channels; the pulsar in beam 2): planning, a local run with its merge, resume (a rerun
// touches nothing; a lost record or a touched input redoes that unit only), a unit killed
// midway (nothing looks done; the rerun gives the same candidates as an uninterrupted run),
// failures reported by status, `submit --dry-run`, and bad campaign directories.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "tests/common/test_util.hpp"

extern char** environ;

namespace tianyan::test {
namespace {

namespace fs = std::filesystem;
using Times = std::map<std::string, fs::file_time_type>;

const std::vector<std::string> kUnits = {"scanA-M01", "scanA-M02", "scanA-M03",
                                         "scanB-M01", "scanB-M02", "scanB-M03"};

class CampaignCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string sim = dir_ / "sim.toml";
    std::ofstream(sim) << "[observation]\nsource = \"CAMP\"\nduration_s = 4.0\ntsamp_s = 5e-4\n"
                          "nchan = 64\nfreq_lo_mhz = 1000.0\nfreq_hi_mhz = 1500.0\nnpol = 1\n"
                          "nbits = 8\nseed = 5\n\n[output]\nformat = \"psrfits\"\n\n[multibeam]\n"
                          "enabled = true\nneighbour_fraction = 0.3\n\n[[pulsar]]\n"
                          "period_s = 0.1337\ndm = 30.0\nduty_cycle = 0.05\nsnr = 30.0\nbeam = 2\n";
    fs::create_directories(data_);
    for (const char* scan : {"scanA", "scanB"}) {
      ASSERT_EQ(run_tianyan({"-q", "simulate", sim, "-o", (data_ / scan).string()}).exit_code, 0);
    }
    // Keep beams 1-3 of each scan (and no truth files, which are not data).
    for (const auto& e : fs::directory_iterator(data_)) {
      const std::string name = e.path().filename().string();
      const bool keep = name.find("-M01_") != std::string::npos ||
                        name.find("-M02_") != std::string::npos ||
                        name.find("-M03_") != std::string::npos;
      if (!keep) fs::remove(e.path());
    }
    std::ofstream(config_) << "[dedisp]\ndm_lo = 0.0\ndm_hi = 60.0\n\n[fold]\ntop_n = 1\n\n"
                              "[resources]\nthreads = 1\n\n[campaign]\npartition = \"debug\"\n"
                              "time = \"00:10:00\"\nmem_gb = 2.0\ncpus_per_task = 2\n"
                              "throttle = 3\nextra_sbatch = [\"--account=psr\"]\n";
  }

  void plan() {
    const CommandResult r =
        run_tianyan({"campaign", "plan", "-c", config_, data_.string(), "-o", camp_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  fs::path unit(const std::string& id) const { return fs::path(camp_) / "units" / id; }
  // Modification times of every file under the units and the merge.
  Times times() const {
    Times t;
    for (const char* sub : {"units", "merge"}) {
      for (const auto& e : fs::recursive_directory_iterator(fs::path(camp_) / sub)) {
        if (e.is_regular_file()) t[e.path().string()] = e.last_write_time();
      }
    }
    return t;
  }
  // Files under units/<id> whose time changed (or that appeared or went).
  static std::vector<std::string> changed(const Times& a, const Times& b) {
    std::vector<std::string> out;
    for (const auto& [p, t] : b) {
      if (!a.count(p) || a.at(p) != t) out.push_back(p);
    }
    for (const auto& [p, t] : a) {
      if (!b.count(p)) out.push_back(p);
    }
    return out;
  }
  static bool all_under(const std::vector<std::string>& paths, const fs::path& dir,
                        const fs::path& merge) {
    for (const std::string& p : paths) {
      if (p.rfind(dir.string() + "/", 0) != 0 && p.rfind(merge.string() + "/", 0) != 0) return false;
    }
    return true;
  }
  bool has_temporaries() const {
    for (const auto& e : fs::directory_iterator(fs::path(camp_) / "units")) {
      if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
    }
    return false;
  }

  TempDir dir_;
  fs::path data_ = dir_.path() / "data";
  std::string config_ = dir_ / "campaign.toml";
  std::string camp_ = dir_ / "camp";
};

TEST_F(CampaignCli, PlanRunAndResume) {
  plan();
  const auto plan_json = nlohmann::json::parse(read_text(fs::path(camp_) / "campaign.json"));
  ASSERT_EQ(plan_json["units"].size(), kUnits.size());
  for (size_t i = 0; i < kUnits.size(); ++i) {
    EXPECT_EQ(plan_json["units"][i]["id"], kUnits[i]);
    EXPECT_EQ(plan_json["units"][i]["index"], i);
    EXPECT_EQ(plan_json["units"][i]["beam"], static_cast<int>(i % 3) + 1);
    ASSERT_EQ(plan_json["units"][i]["files"].size(), 1u);
  }
  EXPECT_TRUE(fs::exists(fs::path(camp_) / "config.toml"));
  EXPECT_TRUE(fs::exists(fs::path(camp_) / "slurm" / "array.sbatch"));

  CommandResult r = run_tianyan({"campaign", "run", camp_, "--local", "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& id : kUnits) {
    EXPECT_TRUE(fs::exists(unit(id) / "done.json")) << id;
    EXPECT_TRUE(fs::exists(unit(id) / "candidates.csv")) << id;
    EXPECT_TRUE(fs::exists(fs::path(camp_) / "logs" / (id + ".log"))) << id;
  }
  EXPECT_FALSE(has_temporaries());
  // The pulsar (beam 2 of each scan) is in the merged table.
  const std::string merged = read_text(fs::path(camp_) / "merge" / "candidates.csv");
  EXPECT_NE(merged.find("scanA-M02"), std::string::npos) << merged;
  EXPECT_NE(merged.find("scanB-M02"), std::string::npos) << merged;
  const auto done = nlohmann::json::parse(read_text(unit("scanA-M02") / "done.json"));
  EXPECT_GE(done["candidates"].get<int>(), 1);
  EXPECT_EQ(done["inputs"][0]["size"], fs::file_size(done["inputs"][0]["path"].get<std::string>()));
  EXPECT_EQ(done["config_hash"], plan_json["config_hash"]);

  // A rerun does nothing at all.
  const Times t0 = times();
  r = run_tianyan({"campaign", "run", camp_, "--local"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(changed(t0, times()).empty());

  // A lost completion record: that unit alone is redone, with the same candidates.
  const std::string before = read_text(unit("scanB-M02") / "candidates.csv");
  fs::remove(unit("scanB-M02") / "done.json");
  r = run_tianyan({"campaign", "run", camp_, "--local"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Times t1 = times();
  std::vector<std::string> diff = changed(t0, t1);
  EXPECT_FALSE(diff.empty());
  EXPECT_TRUE(all_under(diff, unit("scanB-M02"), fs::path(camp_) / "merge"));
  EXPECT_EQ(read_text(unit("scanB-M02") / "candidates.csv"), before);

  // A touched input: that unit alone is redone.
  const fs::path input = data_ / "scanA-M01_0001.fits";
  fs::last_write_time(input, fs::last_write_time(input) + std::chrono::seconds(5));
  r = run_tianyan({"campaign", "status", camp_});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("inputs changed"), std::string::npos) << r.out;
  r = run_tianyan({"campaign", "run", camp_, "--local"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  diff = changed(t1, times());
  EXPECT_FALSE(diff.empty());
  EXPECT_TRUE(all_under(diff, unit("scanA-M01"), fs::path(camp_) / "merge"));

  // A unit whose input is damaged fails: the others stay done and merged, status says failed.
  const fs::path bad = data_ / "scanB-M03_0001.fits";
  fs::resize_file(bad, 5000);
  r = run_tianyan({"campaign", "run", camp_, "--local"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("scanB-M03"), std::string::npos) << r.err;
  // Its earlier outputs stay, but their record names the old input: not done.
  EXPECT_FALSE(has_temporaries());
  r = run_tianyan({"campaign", "status", camp_});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("5 done, 1 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("logs/scanB-M03.log"), std::string::npos) << r.out;
  r = run_tianyan({"campaign", "merge", camp_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("missing: scanB-M03 (failed: exit 3"), std::string::npos) << r.out;
}

TEST_F(CampaignCli, KilledUnitLeavesNothingDone) {
  plan();
  const std::string id = "scanA-M02";  // the pulsar's beam: searched and folded
  CommandResult r = run_tianyan({"campaign", "unit", camp_, "--index", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string reference = read_text(unit(id) / "candidates.csv");
  fs::remove_all(unit(id));

  // Start the unit, wait until it is at work, kill it.
  std::vector<std::string> args = {TIANYAN_EXE, "campaign", "unit", camp_, "--index", "1"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, TIANYAN_EXE, &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!has_temporaries() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(st)) << "the unit finished before it was killed";

  EXPECT_FALSE(fs::exists(unit(id) / "done.json"));
  r = run_tianyan({"campaign", "status", camp_});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("0 done"), std::string::npos) << r.out;
  // The merge finds nothing to merge: exit 4, nothing written.
  r = run_tianyan({"campaign", "merge", camp_});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(camp_) / "merge" / "candidates.csv"));

  r = run_tianyan({"campaign", "unit", camp_, "--index", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(has_temporaries());  // the killed run's directory is gone
  EXPECT_TRUE(fs::exists(unit(id) / "done.json"));
  EXPECT_EQ(read_text(unit(id) / "candidates.csv"), reference);
  // Done now: a second call skips it.
  const auto t = fs::last_write_time(unit(id) / "done.json");
  r = run_tianyan({"campaign", "unit", camp_, "--index", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fs::last_write_time(unit(id) / "done.json"), t);
}

// [campaign] backend: a unit searches there, on every GPU it sees; `cuda` without one fails
// the unit with exit 4 and the reason recorded, never a CPU run.
TEST_F(CampaignCli, UnitsSearchOnTheConfiguredBackend) {
  std::ofstream(config_, std::ios::app) << "backend = \"cuda\"\ngpus = 1\n";
  plan();
  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  const CommandResult r = run_tianyan({"campaign", "unit", camp_, "--index", "1"});
  if (gpu) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(read_text(unit("scanA-M02") / "candidates.json"));
    EXPECT_EQ(j["search_backend"].get<std::string>().rfind("cuda:", 0), 0u) << j;
    return;
  }
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("no CUDA device"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(unit("scanA-M02") / "done.json"));
  EXPECT_NE(read_text(fs::path(camp_) / "slurm" / "array.sbatch").find("--gres=gpu:1"),
            std::string::npos);
}

TEST_F(CampaignCli, SubmitDryRunScriptsThePendingUnits) {
  plan();
  ASSERT_EQ(run_tianyan({"campaign", "unit", camp_, "--index", "0"}).exit_code, 0);
  ASSERT_EQ(run_tianyan({"campaign", "unit", camp_, "--index", "3"}).exit_code, 0);
  const CommandResult r = run_tianyan({"campaign", "submit", camp_, "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 of 6 unit(s) pending: 1-2,4-5"), std::string::npos) << r.out;
  const fs::path slurm = fs::path(camp_) / "slurm";
  EXPECT_NE(r.out.find("sbatch --parsable " + (slurm / "array.sbatch").string()), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--dependency=afterany:"), std::string::npos) << r.out;
  const std::string array = read_text(slurm / "array.sbatch");
  for (const char* line : {"#SBATCH --array=1-2,4-5%3\n", "#SBATCH --partition=debug\n",
                           "#SBATCH --time=00:10:00\n", "#SBATCH --mem=2048M\n",
                           "#SBATCH --cpus-per-task=2\n", "#SBATCH --account=psr\n",
                           "campaign unit '"}) {
    EXPECT_NE(array.find(line), std::string::npos) << line << " missing in\n" << array;
  }
  EXPECT_EQ(array.find("--gres"), std::string::npos);
  EXPECT_NE(array.find(TIANYAN_EXE), std::string::npos);  // the running executable
  const std::string merge = read_text(slurm / "merge.sbatch");
  EXPECT_NE(merge.find("campaign merge '"), std::string::npos) << merge;
  EXPECT_FALSE(fs::exists(slurm / "jobs.json"));  // nothing was submitted
}

// sbatch and squeue stand-ins on PATH: submit records the job ids, chains the merge with
// afterany on the array job, and status shows what "Slurm" holds.
TEST_F(CampaignCli, SubmitRecordsJobsAndStatusAsksSqueue) {
  plan();
  ASSERT_EQ(run_tianyan({"campaign", "unit", camp_, "--index", "0"}).exit_code, 0);
  const fs::path bin = dir_.path() / "bin";
  fs::create_directories(bin);
  const std::string calls = dir_ / "sbatch.calls";
  write_bytes(bin / "sbatch",
              "#!/bin/sh\necho \"$@\" >> '" + calls + "'\n"
              "n=$(wc -l < '" + calls + "')\necho $((4100 + n))\n");
  write_bytes(bin / "squeue", "#!/bin/sh\necho '4101_1 RUNNING'\necho '4101_[2,4%3] PENDING'\n");
  fs::permissions(bin / "sbatch", fs::perms::owner_all);
  fs::permissions(bin / "squeue", fs::perms::owner_all);
  const std::string exe = std::string("'") + TIANYAN_EXE + "'";
  const std::string path = "PATH='" + bin.string() + "':/usr/bin:/bin ";

  CommandResult r = run_shell(path + exe + " campaign submit '" + camp_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("array job 4101 (5 unit(s)) and merge job 4102"), std::string::npos) << r.out;
  const std::string slurm = (fs::path(camp_) / "slurm").string();
  EXPECT_EQ(read_text(calls), "--parsable " + slurm + "/array.sbatch\n--parsable "
                              "--dependency=afterany:4101 " + slurm + "/merge.sbatch\n");
  const auto jobs = nlohmann::json::parse(read_text(fs::path(slurm) / "jobs.json"));
  EXPECT_EQ(jobs["array_job"], "4101");
  EXPECT_EQ(jobs["merge_job"], "4102");
  EXPECT_EQ(jobs["indices"], nlohmann::json({1, 2, 3, 4, 5}));
  EXPECT_EQ(run_shell("bash -n '" + slurm + "/array.sbatch'").exit_code, 0);
  EXPECT_EQ(run_shell("bash -n '" + slurm + "/merge.sbatch'").exit_code, 0);

  r = run_shell(path + exe + " campaign status '" + camp_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 done, 0 failed, 1 running, 2 queued, 2 pending"), std::string::npos)
      << r.out;

  // Without sbatch: an environment error naming it.
  r = run_shell("PATH=/nonexistent " + exe + " campaign submit '" + camp_ + "'");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("sbatch not found"), std::string::npos) << r.err;
}

TEST_F(CampaignCli, BadCampaignDirectories) {
  const std::string none = dir_ / "nowhere";
  for (const char* cmd : {"status", "merge", "submit"}) {
    EXPECT_EQ(run_tianyan({"campaign", cmd, none}).exit_code, 3) << cmd;
  }
  EXPECT_EQ(run_tianyan({"campaign", "run", none, "--local"}).exit_code, 3);
  EXPECT_EQ(run_tianyan({"campaign", "unit", none, "--index", "0"}).exit_code, 3);
  EXPECT_EQ(run_tianyan({"campaign", "status", data_.string()}).exit_code, 3);  // no campaign.json
  plan();
  EXPECT_EQ(run_tianyan({"campaign", "unit", camp_, "--index", "6"}).exit_code, 2);
  EXPECT_EQ(run_tianyan({"campaign", "run", camp_}).exit_code, 2);  // --local is required
  write_bytes(fs::path(camp_) / "campaign.json", "{\"format\": \"tianyan-campaign\"");
  const CommandResult r = run_tianyan({"campaign", "status", camp_});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("campaign.json"), std::string::npos) << r.err;
  // A configuration with an unknown [campaign] key is refused by plan.
  std::ofstream(config_, std::ios::app) << "bogus = 1\n";
  EXPECT_EQ(run_tianyan({"campaign", "plan", "-c", config_, data_.string(), "-o", camp_}).exit_code, 3);
}

}  // namespace
}  // namespace tianyan::test
