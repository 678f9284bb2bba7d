// `tianyan fold` through the command line: --period/--dm on a simulated pulsar writes
// cand_001.json (io/fold_summary.hpp) with the optimised model near the truth; --candidates/--top folds the listed
// candidates of this beam in one pass and names them by rank; bad candidate files and bad
// usage exit 3 and 2 with the file and line named; nothing half-written stays.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

constexpr double kPeriod = 0.3141, kDm = 40.0;

std::string simulate_pulsar(const TempDir& dir) {
  const std::string path = dir / "sim.toml";
  std::ofstream(path) << "[observation]\nsource = \"FOLD\"\nduration_s = 20.0\ntsamp_s = 5e-4\n"
                         "nchan = 64\nnpol = 1\nnbits = 8\nseed = 78\n\n[output]\n"
                         "format = \"filterbank\"\n\n[[pulsar]]\nperiod_s = 0.3141\ndm = 40.0\n"
                         "snr = 30.0\nduty_cycle = 0.03\n";
  EXPECT_EQ(run_tianyan({"simulate", path, "-o", dir / "obs", "-q"}).exit_code, 0);
  return dir / "obs.fil";
}

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(read_text(p)); }

bool has_temporaries(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  }
  return false;
}

TEST(FoldCli, FoldsAGivenPeriodAndDm) {
  TempDir dir;
  const std::string fil = simulate_pulsar(dir);
  const std::string out = dir / "out";
  // Slightly off in period and DM: the optimiser must come back to the truth.
  const CommandResult r = run_tianyan({"fold", fil, "--period", "0.31412", "--dm", "41", "-o", out,
                                       "-j", "2", "-q", "--nbin", "64"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cand_001"), std::string::npos) << r.out;  // the summary table
  const nlohmann::json j = read_json(fs::path(out) / "cand_001.json");
  const nlohmann::json& o = j["optimised"];
  EXPECT_NEAR(o["period_s"].get<double>(), kPeriod,
              std::max(1e-5, 3 * o["period_err_s"].get<double>()));
  EXPECT_NEAR(o["dm"].get<double>(), kDm, std::max(1.0, 3 * o["dm_err"].get<double>()));
  EXPECT_GT(o["snr"].get<double>(), 20.0);  // ideal 30
  EXPECT_GT(o["redchi2"].get<double>(), 2.0);
  EXPECT_EQ(o["nbin"].get<int>(), 64);
  EXPECT_DOUBLE_EQ(j["folded_at"]["period_s"].get<double>(), 0.31412);
  EXPECT_EQ(j["search"]["rank"].get<int>(), 0);  // not from a candidate list
  EXPECT_EQ(j["provenance"]["files"][0].get<std::string>(), fil);
  EXPECT_NE(j["provenance"]["config_toml"].get<std::string>().find("[fold]"), std::string::npos);
  EXPECT_FALSE(j["provenance"]["version"].get<std::string>().empty());
  EXPECT_FALSE(has_temporaries(out));
}

TEST(FoldCli, FoldsTheTopCandidatesOfThisBeamInOnePass) {
  TempDir dir;
  const std::string fil = simulate_pulsar(dir);
  // Rank 3 belongs to another file and rank 4 is beyond --top 3; columns in another order
  // than the writer's, with an extra one, a quoted file name and an empty accel.
  const std::string csv = dir / "candidates.csv";
  std::ofstream(csv) << "extra,freq_hz,rank,dm,accel_ms2,sigma,file\n"
                     << "x,3.183699," << 1 << ",40.2,,12.5,\"" << fil << "\"\n"
                     << "y,1.0,2,10,0,8," << fil << "\n"
                     << "z,2.0,3,10,0,7,elsewhere.fil\n"
                     << "w,5.0,4,10,0,6," << fil << "\n";
  const std::string out = dir / "out";
  const CommandResult r =
      run_tianyan({"fold", fil, "--candidates", csv, "--top", "3", "-o", out, "-j", "2", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(fs::path(out) / "cand_001.json"));
  EXPECT_TRUE(fs::exists(fs::path(out) / "cand_002.json"));
  EXPECT_FALSE(fs::exists(fs::path(out) / "cand_003.json"));  // not in this beam
  EXPECT_FALSE(fs::exists(fs::path(out) / "cand_004.json"));  // beyond --top
  const nlohmann::json j = read_json(fs::path(out) / "cand_001.json");
  EXPECT_EQ(j["search"]["rank"].get<int>(), 1);
  EXPECT_DOUBLE_EQ(j["search"]["sigma"].get<double>(), 12.5);
  EXPECT_NEAR(j["optimised"]["period_s"].get<double>(), kPeriod, 1e-4);
  EXPECT_GT(j["optimised"]["snr"].get<double>(), 20.0);
}

TEST(FoldCli, BadCandidateFilesAreNamedWithTheirLine) {
  TempDir dir;
  const std::string fil = simulate_pulsar(dir);
  auto fold_with = [&](const std::string& text) {
    const std::string csv = dir / "bad.csv";
    std::ofstream(csv) << text;
    return run_tianyan({"fold", fil, "--candidates", csv, "-o", dir / "out", "-q"});
  };
  const std::string head = "rank,freq_hz,dm,file\n";
  struct Case {
    std::string text, message;
  };
  const Case cases[] = {
      {"", "line 1: no header row"},
      {"rank,dm\n1,2\n", "line 1: neither a 'freq_hz' nor a 'period_s' column"},
      {head + "1,3.2,40," + fil + "\n2,abc,40,x\n",
       "line 3: freq_hz: 'abc' is not a finite number"},
      {head + "1,3.2,40\n", "line 2: 3 fields, the header has 4"},
      {head + "1,3.2,-4,x\n", "line 2: dm: -4 is negative"},
      {head + "1,3.2,4,x\n1,3.3,4,x\n", "line 3: rank 1 repeats line 2"},
      {head + "1,3.2,4,\"x\n", "unterminated quoted field"},
      {head + "1,3.2,4,elsewhere.fil\n", "none of its 1 candidate(s) to fold is in the inputs"},
  };
  for (const Case& c : cases) {
    const CommandResult r = fold_with(c.text);
    EXPECT_EQ(r.exit_code, 3) << c.text << "\n" << r.err;
    EXPECT_NE(r.err.find("bad.csv"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos)
        << "want: " << c.message << "\ngot: " << r.err;
  }
  EXPECT_EQ(run_tianyan({"fold", fil, "--candidates", dir / "missing.csv", "-o", dir / "o", "-q"})
                .exit_code,
            3);
}

TEST(FoldCli, UsageErrors) {
  TempDir dir;
  const std::string fil = simulate_pulsar(dir);
  const std::vector<std::vector<std::string>> bad = {
      {"fold", fil, "-o", dir / "o"},                     // neither mode
      {"fold", fil, "--period", "0.3", "-o", dir / "o"},  // no --dm
      {"fold", fil, "--period", "0.3", "--dm", "4", "--accel", "1", "--pdot", "1e-15", "-o",
       dir / "o"},  // both
      {"fold", fil, "--candidates", "c.csv", "--period", "0.3", "--dm", "4", "-o", dir / "o"},
  };
  for (const auto& args : bad) {
    const CommandResult r = run_tianyan(args);
    EXPECT_EQ(r.exit_code, 2) << args.size() << " args: " << r.err;
  }
  // Above the Nyquist frequency of 0.5 ms samples: bad input, naming the file.
  const CommandResult r =
      run_tianyan({"fold", fil, "--period", "0.0005", "--dm", "4", "-o", dir / "o", "-q"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("obs.fil"), std::string::npos) << r.err;
}

// Folding has no CUDA implementation (issue 7): --backend cuda never folds on the CPU instead.
// Without a usable GPU it exits 4 saying why, with one 2 saying folding is CPU-only; auto folds
// on the CPU.
TEST(FoldCli, BackendCudaIsRefusedNeverRunOnTheCpu) {
  TempDir dir;
  const std::string fil = simulate_pulsar(dir);
  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  const CommandResult cuda = run_tianyan(
      {"fold", fil, "--period", "0.31412", "--dm", "41", "--backend", "cuda", "-o", dir / "c"});
  EXPECT_EQ(cuda.exit_code, gpu ? 2 : 4) << cuda.err;
  EXPECT_NE(cuda.err.find(gpu ? "folding has no CUDA implementation" : "no CUDA device"),
            std::string::npos)
      << cuda.err;
  EXPECT_FALSE(fs::exists(fs::path(dir / "c")));
  const CommandResult automatic = run_tianyan({"fold", fil, "--period", "0.31412", "--dm", "41",
                                               "--backend", "auto", "-o", dir / "a", "-q"});
  EXPECT_EQ(automatic.exit_code, 0) << automatic.err;
}

}  // namespace
}  // namespace tianyan::test
