// The campaign on a real Slurm cluster: a three-scan, 19-beam simulated campaign is submitted
// as a job array plus an afterany merge job, with one unit's input broken; the merge must run
// and list that unit as missing, a resubmission must run only that unit, and the final merged
// candidates must equal those of `campaign run --local` over the same inputs.
//
// Needs Slurm: TIANYAN_SLURM=1 starts a single-node cluster with scripts/slurm_local.sh (root on
// Debian 12; installs the packages when missing); otherwise a working `sbatch` + `sinfo` on PATH
// is used as it is; without either the test skips, saying so.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSlurmScript = std::string(TIANYAN_SOURCE_DIR) + "/scripts/slurm_local.sh";

// The cluster this test uses; stops it afterwards only when this process started it.
class SlurmCluster {
 public:
  // "" when Slurm answers (the cluster started when asked for), else why it cannot be used.
  std::string ensure() {
    const char* want = std::getenv("TIANYAN_SLURM");
    if (want != nullptr && std::string(want) == "1") {
      const CommandResult r = run_shell("'" + kSlurmScript + "' start");
      if (r.exit_code != 0) return "FAIL:" + kSlurmScript + " start failed: " + r.err;
      // The last stdout line is `export SLURM_CONF=PATH`: the daemons' configuration.
      const std::regex conf_re("export SLURM_CONF=(\\S+)");
      std::smatch m;
      if (!std::regex_search(r.out, m, conf_re)) return "FAIL:no SLURM_CONF in: " + r.out;
      ::setenv("SLURM_CONF", m[1].str().c_str(), 1);
      started_ = r.err.find("already running") == std::string::npos;
      return "";
    }
    if (run_shell("sbatch --version && sinfo -h").exit_code == 0) return "";
    return "no usable Slurm here: run with TIANYAN_SLURM=1 (as root on Debian 12) to start a "
           "local single-node cluster via scripts/slurm_local.sh, or put a working sbatch on PATH";
  }
  ~SlurmCluster() {
    if (started_) run_shell("'" + kSlurmScript + "' stop");
  }

 private:
  bool started_ = false;
};

// Waits until none of `ids` is in the queue any more; false after `timeout_s`.
bool wait_for_jobs(const std::vector<std::string>& ids, double timeout_s) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < timeout_s) {
    // squeue fails ("Invalid job id") once the controller has forgotten every job: also gone.
    const CommandResult r = run_shell("squeue -h -o %i -j " + list);
    if (r.out.find_first_not_of(" \n") == std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

json read_json(const fs::path& p) { return json::parse(read_text(p)); }

// `campaign status` table: unit id -> state ("done", "failed", ...).
std::map<std::string, std::string> unit_states(const std::string& dir) {
  const CommandResult r = run_tianyan({"campaign", "status", dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> states;
  // Rows are "INDEX UNIT STATE LOG DETAIL"; the summary line below them is not.
  const std::regex row("^\\s*[0-9]+\\s+(\\S+)\\s+(done|failed|running|queued|pending)\\s");
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) states[m[1].str()] = m[2].str();
  }
  return states;
}

// Modification time (ns) of every unit's done.json that exists.
std::map<std::string, int64_t> done_mtimes(const std::string& dir) {
  std::map<std::string, int64_t> t;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "units")) {
    const fs::path done = e.path() / "done.json";
    struct stat st {};
    if (::stat(done.c_str(), &st) == 0)
      t[e.path().filename().string()] =
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }
  return t;
}

// Submits DIR and waits for its array and merge jobs; returns slurm/jobs.json.
json submit_and_wait(const std::string& dir, double timeout_s) {
  const CommandResult r = run_tianyan({"campaign", "submit", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const json jobs = read_json(fs::path(dir) / "slurm" / "jobs.json");
  const std::string array = jobs.at("array_job").get<std::string>();
  const std::string merge = jobs.at("merge_job").get<std::string>();
  EXPECT_TRUE(wait_for_jobs({array, merge}, timeout_s))
      << "jobs " << array << " and " << merge << " still queued after " << timeout_s << " s";
  return jobs;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A tiny 19-beam scan (configs/sim/campaign_scan.toml): 2 s, 64 channels, a pulsar in beam 3
// (0.3 of it in its neighbours).
const std::string kSimToml = std::string(TIANYAN_SOURCE_DIR) + "/configs/sim/campaign_scan.toml";

// One CPU and one thread per unit so that two units share the two cores of a CI machine.
// rfi_min_beams = 8 (the default, spelt out): the pulsar shows in its beam and up to six
// neighbours, and must survive.
constexpr const char* kCampaignToml = R"(
[dedisp]
dm_lo = 0.0
dm_hi = 60.0

[search]
max_candidates_per_series = 20

[fold]
top_n = 1

[sift.multibeam]
rfi_min_beams = 8

[campaign]
time = "00:10:00"
mem_gb = 0.5
cpus_per_task = 1
threads = 1
)";

class SlurmCampaign : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = cluster_.ensure();
    if (why.rfind("FAIL:", 0) == 0) FAIL() << why.substr(5);
    if (!why.empty()) GTEST_SKIP() << why;
    write_bytes(dir_ / "campaign.toml", kCampaignToml);
    for (const auto& [scan, seed] : {std::pair{"scanA", "11"}, {"scanB", "12"}, {"scanC", "13"}}) {
      const CommandResult r = run_tianyan(
          {"-q", "simulate", kSimToml, "-o", dir_ / ("data/" + std::string(scan)),
           "--seed", seed});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    for (const std::string c : {"slurm", "local"}) {
      const CommandResult r = run_tianyan(
          {"-q", "campaign", "plan", "-c", dir_ / "campaign.toml", dir_ / "data", "-o", dir_ / c});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  SlurmCluster cluster_;
  TempDir dir_;
};

TEST_F(SlurmCampaign, FailedUnitIsReportedThenResubmittedAlone) {
  const std::string camp = dir_ / "slurm";
  const json plan = read_json(fs::path(camp) / "campaign.json");
  ASSERT_EQ(plan.at("units").size(), 57u);
  int broken_index = -1;
  for (const auto& u : plan.at("units"))
    if (u.at("id") == "scanB-M07") broken_index = u.at("index").get<int>();
  ASSERT_GE(broken_index, 0);

  // Break one unit's input (as root, chmod would not stop the reader): not a FITS file.
  const fs::path victim = dir_ / "data/scanB-M07_0001.fits";
  const std::string original = read_text(victim);
  write_bytes(victim, std::string(2880, '\0'));
  submit_and_wait(camp, 300);

  std::map<std::string, std::string> states = unit_states(camp);
  ASSERT_EQ(states.size(), 57u);
  for (const auto& [id, state] : states)
    EXPECT_EQ(state, id == "scanB-M07" ? "failed" : "done") << id;
  // The afterany merge ran over the 56 others and names the missing one.
  const json merged = read_json(fs::path(camp) / "merge" / "candidates.json");
  EXPECT_EQ(merged.at("units_missing"), json::array({"scanB-M07"}));
  EXPECT_EQ(merged.at("units_done").size(), 56u);

  write_bytes(victim, original);
  const auto before = done_mtimes(camp);
  ASSERT_EQ(before.size(), 56u);
  const json jobs = submit_and_wait(camp, 300);
  EXPECT_EQ(jobs.at("indices"), json::array({broken_index}));
  const CommandResult task =
      run_shell("scontrol show job " + jobs.at("array_job").get<std::string>());
  if (task.exit_code == 0)  // the controller may already have forgotten it elsewhere
    EXPECT_NE(task.out.find("ArrayTaskId=" + std::to_string(broken_index)), std::string::npos)
        << task.out;
  const auto after = done_mtimes(camp);
  ASSERT_EQ(after.size(), 57u);
  for (const auto& [id, t] : before) EXPECT_EQ(after.at(id), t) << id << " ran again";
  for (const auto& [id, state] : unit_states(camp)) EXPECT_EQ(state, "done") << id;

  // The same plan run locally gives the same merged candidates, row for row.
  const CommandResult local = run_tianyan({"-q", "campaign", "run", dir_ / "local", "--local", "-j", "2"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  const auto slurm_rows = lines_of(read_text(fs::path(camp) / "merge" / "candidates.csv"));
  const auto local_rows = lines_of(read_text(dir_ / "local/merge/candidates.csv"));
  EXPECT_EQ(slurm_rows, local_rows);
  const json final_merge = read_json(fs::path(camp) / "merge" / "candidates.json");
  EXPECT_TRUE(final_merge.at("units_missing").empty());
  // Not a comparison of two empty tables: the pulsar (P 0.0893 s, beam 3) is in every scan.
  int pulsars = 0;
  for (const auto& c : final_merge.at("candidates"))
    if (std::abs(c.at("period_s").get<double>() / 0.0893 - 1) < 0.01 && c.at("beam") == 3) ++pulsars;
  EXPECT_EQ(pulsars, 3) << final_merge.at("candidates").dump(1);
}

}  // namespace
}  // namespace tianyan::test
