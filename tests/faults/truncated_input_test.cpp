// An input truncated while `tianyan search` or `rfi` reads it. The readers use pread, not mmap,
// so the shortfall is a BadInput (exit 3, one line naming the file), not a SIGBUS. The run is
// stopped at a known point by the test-only hook TIANYAN_TEST_STOP_AFTER_GULPS (io/fault_hook.hpp:
// the process stops itself after N gulps), truncated, and continued: no race with the reader.
// Nothing may be published from the truncated data, and once the file is whole again a rerun
// into the same folder gives the uninterrupted run's candidates.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/faults/fault_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

// Runs `args` stopped after `gulps` gulps, truncates `input` to `keep` bytes, continues it.
CommandResult run_truncating(const TempDir& dir, const std::vector<std::string>& args,
                             const std::string& input, uintmax_t keep, int gulps) {
  SpawnOptions o;
  o.env = {"TIANYAN_TEST_STOP_AFTER_GULPS=" + std::to_string(gulps)};
  o.stdout_path = dir / "stdout";
  o.stderr_path = dir / "stderr";
  const pid_t pid = spawn_tianyan(args, o);
  CommandResult r;
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, WUNTRACED) != pid) return r;
  if (!WIFSTOPPED(status)) {
    // It ended without reaching the hook: report that as its exit, which the caller rejects.
    ADD_FAILURE() << "the run never stopped after gulp " << gulps;
  } else {
    fs::resize_file(input, keep);
    ::kill(pid, SIGCONT);
    r.exit_code = wait_exit(pid);
  }
  r.err = read_text(o.stderr_path);
  return r;
}

void expect_truncation_caught(bool filterbank, const char* command) {
  TempDir dir;
  const std::string pristine = simulate_beam(dir, filterbank);
  const std::string config = search_config(dir, /*small_gulps=*/true);
  // The working copy keeps the file name (candidate lists record it) in a folder of its own.
  fs::create_directories(dir / "in");
  const std::string input = dir / ("in/" + fs::path(pristine).filename().string());
  fs::copy_file(pristine, input);
  const auto args = [&](const std::string& out) {
    return std::vector<std::string>{"-q", command, input, "-c", config, "-j", "2", "-o", out};
  };
  const std::string ref = dir / "ref", out = dir / "out";
  ASSERT_EQ(run_child(args(ref), {}).exit_code, 0);

  // After gulp 2 of 16 (search) or 4 (rfi), a quarter of the file is left: a later read of
  // the first pass fails.
  const uintmax_t keep = fs::file_size(input) / 4;
  const CommandResult r = run_truncating(dir, args(out), input, keep, 2);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(one_error_line(r.err, input + ": ")) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  for (const auto& [name, bytes] : folder_files(out)) {
    EXPECT_TRUE(is_temporary(name)) << name << " published from a truncated input";
  }

  fs::copy_file(pristine, input, fs::copy_options::overwrite_existing);
  ASSERT_EQ(run_child(args(out), {}).exit_code, 0);
  const auto got = folder_files(out), want = folder_files(ref);
  EXPECT_EQ(got.size(), want.size());
  const std::string key = std::string(command) == "search" ? "candidates.csv"
                          : filterbank                      ? "obs.mask"
                                                            : "obs-M01.mask";
  ASSERT_TRUE(got.count(key) && want.count(key)) << key;
  EXPECT_EQ(got.at(key), want.at(key));
  expect_nothing_partial(out, ref, std::string(command) + " rerun");
}

TEST(TruncatedInput, PsrfitsDuringSearch) { expect_truncation_caught(false, "search"); }
TEST(TruncatedInput, PsrfitsDuringRfi) { expect_truncation_caught(false, "rfi"); }
TEST(TruncatedInput, FilterbankDuringSearch) { expect_truncation_caught(true, "search"); }
TEST(TruncatedInput, FilterbankDuringRfi) { expect_truncation_caught(true, "rfi"); }

}  // namespace
}  // namespace tianyan::test
