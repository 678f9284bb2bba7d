// SIGKILL at random moments: `tianyan search` (and `dedisperse`) of a small simulated beam is
// killed after delays drawn by a seeded generator over the uninterrupted run's duration, which
// lands kills in the search, the folding and plotting, and the report. After each kill the
// output folder holds only temporaries (".NAME.tmp.PID") and complete outputs identical to the
// uninterrupted run's; a rerun into the same folder gives the same candidates and removes the
// killed run's temporaries (ensure_output_dir clears those of dead processes).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/faults/fault_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The delays, as fractions of the uninterrupted run's duration: one drawn uniformly in each of
// n equal strata of [0.02, 1.02), so that a few kills still cover the whole run (search, folds,
// report) and one may come after its end. mt19937's output is the same on every platform (the
// standard distributions are not), hence the arithmetic here.
std::vector<double> kill_fractions(uint32_t seed, int n) {
  std::mt19937 gen(seed);
  std::vector<double> f;
  for (int i = 0; i < n; ++i) {
    const double u = static_cast<double>(gen()) / 4294967296.0;
    f.push_back(0.02 + (i + u) / n);
  }
  return f;
}

// Runs to the end; returns its duration in seconds.
double timed_run(const std::vector<std::string>& args) {
  const auto t0 = Clock::now();
  const CommandResult r = run_child(args, {});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Starts `args`, kills it after `delay_s`; returns its exit (137 when the kill ended it).
int run_and_kill(const TempDir& dir, const std::vector<std::string>& args, double delay_s) {
  SpawnOptions o;
  o.stdout_path = dir / "killed.out";
  o.stderr_path = dir / "killed.err";
  const pid_t pid = spawn_tianyan(args, o);
  if (pid < 0) return -1;
  std::this_thread::sleep_for(std::chrono::duration<double>(delay_s));
  ::kill(pid, SIGKILL);
  return wait_exit(pid);
}

// Where the kill landed, from what was published: for the report of the test.
std::string phase_of(const std::map<std::string, std::string>& files) {
  if (files.count("report.html")) return "after the report";
  if (files.count("overview.png")) return "overview plots and report";
  if (files.count("candidates.csv")) return "folding and candidate plots";
  return "search";
}

TEST(KillAndRerun, SearchKilledAtRandomMoments) {
  TempDir dir;
  const PrivateFftWisdom wisdom(dir);  // every run uses the plans the reference run measured
  const std::string input = simulate_beam(dir);
  const std::string config = search_config(dir);
  const std::string ref = dir / "ref";
  const double full_s = timed_run(search_args(input, config, ref));
  const auto want = folder_files(ref);
  ASSERT_TRUE(want.count("report.html") && want.count("cand_002.ar")) << "nothing folded";
  int k = 0;
  for (const double f : kill_fractions(20241123, 7)) {
    const std::string out = dir / ("kill" + std::to_string(++k));
    const std::string context = "kill after " + std::to_string(f * full_s) + " s (" +
                                std::to_string(f) + " of the run)";
    const int code = run_and_kill(dir, search_args(input, config, out), f * full_s);
    EXPECT_TRUE(code == 128 + SIGKILL || code == 0) << context << ": exit " << code;
    const auto left = folder_files(out);
    int temporaries = 0;
    for (const auto& [name, bytes] : left) temporaries += is_temporary(name) ? 1 : 0;
    std::printf("[ kill %d ] %s: %s, %zu files (%d temporary)\n", k, context.c_str(),
                code == 0 ? "finished first" : phase_of(left).c_str(), left.size(), temporaries);
    expect_nothing_partial(out, ref, context);

    const CommandResult rerun = run_child(search_args(input, config, out), {});
    ASSERT_EQ(rerun.exit_code, 0) << context << ": rerun: " << rerun.err;
    const auto got = folder_files(out);
    EXPECT_EQ(got.at("candidates.csv"), want.at("candidates.csv")) << context;
    EXPECT_EQ(candidate_entries(got.at("candidates.json")),
              candidate_entries(want.at("candidates.json")))
        << context;
    expect_nothing_partial(out, ref, context + ", rerun");
    for (const auto& [name, bytes] : got) {
      EXPECT_FALSE(is_temporary(name)) << context << ": " << name << " left over";
    }
    for (const auto& [name, bytes] : want) EXPECT_TRUE(got.count(name)) << context << ": " << name;
  }
}

TEST(KillAndRerun, DedisperseKilledAtRandomMoments) {
  TempDir dir;
  const std::string input = simulate_beam(dir);
  const auto args = [&](const std::string& out) {
    return std::vector<std::string>{"-q",       "dedisperse", input, "--dm", "0:60:2",
                                    "--format", "presto",     "-o",  out};
  };
  const std::string ref = dir / "ref";
  const double full_s = timed_run(args(ref));
  int k = 0;
  for (const double f : kill_fractions(7, 4)) {
    const std::string out = dir / ("kill" + std::to_string(++k));
    const std::string context = "dedisperse killed after " + std::to_string(f * full_s) +
                                " s (" + std::to_string(f) + " of the run)";
    const int code = run_and_kill(dir, args(out), f * full_s);
    EXPECT_TRUE(code == 128 + SIGKILL || code == 0) << context << ": exit " << code;
    std::printf("[ kill %d ] %s: %s, %zu files\n", k, context.c_str(),
                code == 0 ? "finished first" : "killed", folder_files(out).size());
    expect_nothing_partial(out, ref, context);
    ASSERT_EQ(run_child(args(out), {}).exit_code, 0) << context;
    EXPECT_EQ(folder_files(out), folder_files(ref)) << context << ": rerun";
  }
}

}  // namespace
}  // namespace tianyan::test
