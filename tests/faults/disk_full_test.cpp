// A full output disk, made with a file-size limit (RLIMIT_FSIZE, what `ulimit -f` sets): the
// first write past the limit fails with EFBIG (tianyan ignores SIGXFSZ), as on a full disk. Each
// run must exit 4 with one line saying "disk full or file too large" and naming the output, must
// leave nothing partial looking finished, and a rerun without the limit must give the
// uninterrupted run's candidates. The limit is per file, so limits between the sizes of the
// outputs land the failure in different ones (the candidate list, an archive, a plot, a time
// series, a filterbank, a PSRFITS file).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/faults/fault_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kDiskFull = "disk full or file too large";

// Runs under the limit and checks the failure; returns the file the error names.
std::string expect_disk_full(const std::vector<std::string>& args, long long limit,
                             const std::string& context) {
  SpawnOptions o;
  o.max_file_bytes = limit;
  const CommandResult r = run_child(args, o);
  EXPECT_EQ(r.exit_code, 4) << context << ": " << r.err;
  // Warnings (e.g. FFTW wisdom that could not be saved under the same limit) may come first;
  // the error itself is the last line and the only one starting "tianyan:".
  const std::string last = r.err.substr(r.err.rfind("tianyan:") == std::string::npos
                                            ? 0
                                            : r.err.rfind("tianyan:"));
  EXPECT_TRUE(one_error_line(last, kDiskFull)) << context << ": " << r.err;
  EXPECT_EQ(r.err.find("tianyan:"), r.err.rfind("tianyan:")) << context << ": " << r.err;
  const size_t colon = last.find(": ", 16);
  return colon == std::string::npos ? std::string() : last.substr(16, colon - 16);
}

TEST(DiskFull, SearchOutputsAtSeveralLimits) {
  TempDir dir;
  const std::string input = simulate_beam(dir);
  const std::string config = search_config(dir);
  const std::string ref = dir / "ref", out = dir / "out";
  const CommandResult full = run_child(search_args(input, config, ref), {});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  // The outputs' sizes order the limits: a limit lands in the first output written that is
  // larger (candidates.json ~5 kB, archives ~90-125 kB, plot sheets ~200-250 kB).
  const auto sizes = folder_files(ref);
  ASSERT_TRUE(sizes.count("cand_001.ar") && sizes.count("cand_001.png")) << "nothing folded";
  const long long archive = static_cast<long long>(sizes.at("cand_001.ar").size());
  const long long sheet = static_cast<long long>(sizes.at("cand_001.png").size());
  ASSERT_LT(archive, sheet) << "the limits below assume archives smaller than their sheets";
  struct Case {
    long long limit;
    const char* lands_in;  // the output the error must name
  };
  const std::vector<Case> cases = {
      {0, "candidates"}, {1000, "candidates"}, {archive / 2, "cand_001.ar"},
      {archive + 4096, "cand_001.png"}};
  // Every failed run writes into the same folder: what one leaves must not confuse the next.
  for (const Case& c : cases) {
    const std::string context = "limit " + std::to_string(c.limit) + " bytes";
    const std::string named = expect_disk_full(search_args(input, config, out), c.limit, context);
    EXPECT_NE(named.find(c.lands_in), std::string::npos) << context << ": names " << named;
    expect_nothing_partial(out, ref, context);
  }
  const CommandResult rerun = run_child(search_args(input, config, out), {});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  const auto got = folder_files(out);
  const auto want = folder_files(ref);
  EXPECT_EQ(got.at("candidates.csv"), want.at("candidates.csv"));
  EXPECT_EQ(candidate_entries(got.at("candidates.json")),
            candidate_entries(want.at("candidates.json")));
  expect_nothing_partial(out, ref, "rerun");
  for (const auto& [name, bytes] : got) EXPECT_FALSE(is_temporary(name)) << name << " left over";
  for (const auto& [name, bytes] : want) EXPECT_TRUE(got.count(name)) << name << " missing";
}

TEST(DiskFull, DedispersedSeriesAndCleanedFilterbank) {
  TempDir dir;
  const std::string input = simulate_beam(dir);
  for (const char* format : {"presto", "sigproc"}) {
    const std::vector<std::string> args = {"-q",       "dedisperse", input, "--dm", "0:60:5",
                                           "--format", format,       "-o",  dir / format};
    const std::string ref = dir / (std::string(format) + "_ref");
    std::vector<std::string> ref_args = args;
    ref_args.back() = ref;
    ASSERT_EQ(run_child(ref_args, {}).exit_code, 0) << format;
    // 15625 samples of float32 per series: 62.5 kB. The first series fails at 20 kB.
    const std::string named = expect_disk_full(args, 20000, format);
    EXPECT_NE(named.find("_DM0.00."), std::string::npos) << named;
    EXPECT_EQ(named.find(".tmp."), std::string::npos) << "names a temporary: " << named;
    expect_nothing_partial(dir / format, ref, format);
    ASSERT_EQ(run_child(args, {}).exit_code, 0) << format;
    EXPECT_EQ(folder_files(dir / format), folder_files(ref)) << format << ": rerun";
  }
  // `rfi --write-filterbank`: the cleaned filterbank (16 MB) is the output that fails.
  const std::vector<std::string> rfi = {"-q", "rfi", input, "--write-filterbank", "-o",
                                        dir / "rfi"};
  const std::string named = expect_disk_full(rfi, 1 << 20, "rfi");
  EXPECT_NE(named.find("obs-M01_clean.fil"), std::string::npos) << named;
  for (const auto& [name, bytes] : folder_files(dir / "rfi")) {
    EXPECT_TRUE(is_temporary(name)) << name << " published although the run failed";
  }
}

TEST(DiskFull, SimulatedPsrfits) {
  TempDir dir;
  const std::string config = dir / "sim.toml";
  simulate_beam(dir);  // writes sim.toml (and a first observation, unused)
  const std::string named =
      expect_disk_full({"-q", "simulate", config, "-o", dir / "sim/obs"}, 100000, "simulate");
  EXPECT_NE(named.find("obs-M01_0001.fits"), std::string::npos) << named;
  for (const auto& [name, bytes] : folder_files(dir / "sim")) {
    EXPECT_TRUE(is_temporary(name)) << name << " published although the run failed";
  }
}

}  // namespace
}  // namespace tianyan::test
