// Outputs that cannot be written. CI runs as root, which ignores permission bits, so the faults
// are ones root cannot get past either: an output folder under a regular file, and an output
// file whose name is taken by a directory (the rename into place fails). Each exits 4 with one
// line naming the path; nothing partial is left looking finished; once the obstacle is gone a
// rerun into the same folder gives the uninterrupted run's candidates.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/faults/fault_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

void expect_environment_error(const std::vector<std::string>& args, const std::string& needle) {
  const CommandResult r = run_child(args, {});
  EXPECT_EQ(r.exit_code, 4) << needle << ": " << r.err;
  EXPECT_TRUE(one_error_line(r.err, needle)) << r.err;
}

TEST(UnwritableOutput, FolderUnderARegularFile) {
  TempDir dir;
  const std::string input = simulate_beam(dir);
  const std::string config = search_config(dir);
  write_bytes(dir / "file", "not a folder\n");
  const std::string under = dir / "file/out";
  expect_environment_error(search_args(input, config, under), under + ": cannot create");
  expect_environment_error(search_args(input, config, dir / "file"), dir / "file");
  expect_environment_error({"-q", "dedisperse", input, "--dm", "10", "-o", under}, under);
  expect_environment_error({"-q", "rfi", input, "-o", under}, under);
  expect_environment_error({"-q", "fold", input, "--period", "0.1234", "--dm", "30", "-o", under},
                           under);
  expect_environment_error({"-q", "simulate", dir / "sim.toml", "-o", dir / "file/obs"},
                           dir / "file");
  EXPECT_EQ(read_text(dir / "file"), "not a folder\n");
}

TEST(UnwritableOutput, OutputNameTakenByADirectory) {
  TempDir dir;
  const std::string input = simulate_beam(dir);
  const std::string config = search_config(dir);
  const std::string ref = dir / "ref", out = dir / "out";
  ASSERT_EQ(run_child(search_args(input, config, ref), {}).exit_code, 0);
  // One per stage: the candidate list, a plot of the folding stage, the report at the end.
  for (const char* name : {"candidates.csv", "cand_001.png", "report.html"}) {
    const fs::path blocker = fs::path(out) / name;
    fs::create_directories(blocker);
    expect_environment_error(search_args(input, config, out), blocker.string());
    EXPECT_TRUE(fs::is_directory(blocker)) << name;
    fs::remove(blocker);
    expect_nothing_partial(out, ref, std::string("blocked ") + name);
  }
  ASSERT_EQ(run_child(search_args(input, config, out), {}).exit_code, 0);
  const auto got = folder_files(out), want = folder_files(ref);
  EXPECT_EQ(got.at("candidates.csv"), want.at("candidates.csv"));
  EXPECT_EQ(candidate_entries(got.at("candidates.json")),
            candidate_entries(want.at("candidates.json")));
  expect_nothing_partial(out, ref, "rerun");
  for (const auto& [name, bytes] : want) EXPECT_TRUE(got.count(name)) << name << " missing";
}

}  // namespace
}  // namespace tianyan::test
