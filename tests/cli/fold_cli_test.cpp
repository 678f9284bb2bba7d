// `tianyan fold` through the command line: --period/--dm on a simulated pulsar writes
// cand_001.json (io/fold_summary.hpp) with the optimised model near the truth; --candidates/--top folds the listed
// candidates of this beam in one pass and names them by rank; bad candidate files and bad
// usage exit 3 and 2 with the file and line named; nothing half-written stays.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "io/psrfits/psrfits_fold_reader.hpp"
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

// --backend cuda folds on the GPU, never on the CPU instead. Without a usable GPU it exits 4
// with one line saying why and writes nothing; with one, its candidate is the CPU's (the
// engine and the grids are bit-identical, the refinement is the CPU's code: period and DM to
// 1e-9 relative, S/N to 1%; the archived cube bin by bin to 1e-4 of its largest value).
// `auto` folds where it can and the provenance says where.
TEST(FoldCli, BackendCudaFoldsOnTheGpuNeverOnTheCpu) {
  TempDir dir;
  const std::string fil = simulate_pulsar(dir);
  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  const std::vector<std::string> fold = {"fold", fil, "--period", "0.31412", "--dm", "41",
                                         "--nbin", "64"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = fold;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_tianyan(args);
  };
  const CommandResult cuda = with({"--backend", "cuda", "-o", dir / "c"});
  if (!gpu) {
    EXPECT_EQ(cuda.exit_code, 4) << cuda.err;
    EXPECT_NE(cuda.err.find("no CUDA device"), std::string::npos) << cuda.err;
    size_t lines = 0;
    for (size_t p = 0; p < cuda.err.size();) {
      const size_t e = std::min(cuda.err.find('\n', p), cuda.err.size());
      lines += e > p;
      p = e + 1;
    }
    EXPECT_EQ(lines, 1u) << cuda.err;
    EXPECT_FALSE(fs::exists(fs::path(dir / "c")));
  } else {
    ASSERT_EQ(cuda.exit_code, 0) << cuda.err;
    const CommandResult cpu = with({"--backend", "cpu", "-o", dir / "p", "-q"});
    ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
    const nlohmann::json c = read_json(fs::path(dir / "c") / "cand_001.json");
    const nlohmann::json p = read_json(fs::path(dir / "p") / "cand_001.json");
    const nlohmann::json &co = c["optimised"], &po = p["optimised"];
    EXPECT_NEAR(co["period_s"].get<double>(), po["period_s"].get<double>(),
                1e-9 * po["period_s"].get<double>());
    EXPECT_NEAR(co["dm"].get<double>(), po["dm"].get<double>(), 1e-9 * po["dm"].get<double>());
    EXPECT_NEAR(co["snr"].get<double>(), po["snr"].get<double>(), 0.01 * po["snr"].get<double>());
    const FoldedCandidate ca = read_fold_archive((fs::path(dir / "c") / "cand_001.ar").string());
    const FoldedCandidate pa = read_fold_archive((fs::path(dir / "p") / "cand_001.ar").string());
    ASSERT_EQ(ca.cube.data.size(), pa.cube.data.size());
    auto near = [](const std::vector<float>& x, const std::vector<float>& y) {
      float peak = 0, diff = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        peak = std::max(peak, std::abs(y[i]));
        diff = std::max(diff, std::abs(x[i] - y[i]));
      }
      return diff <= 1e-4f * peak;
    };
    EXPECT_TRUE(near(ca.cube.data, pa.cube.data));
    EXPECT_EQ(c["provenance"]["fold_backend"].get<std::string>(), "cuda:0");
    EXPECT_EQ(p["provenance"]["fold_backend"].get<std::string>(), "cpu");
  }
  const CommandResult automatic = with({"--backend", "auto", "-o", dir / "a", "-q"});
  ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
  const nlohmann::json a = read_json(fs::path(dir / "a") / "cand_001.json");
  EXPECT_EQ(a["provenance"]["fold_backend"].get<std::string>(), gpu ? "cuda:0" : "cpu");
}

}  // namespace
}  // namespace tianyan::test
