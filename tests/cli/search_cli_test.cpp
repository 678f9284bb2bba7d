// `tianyan search` end to end through the command line: a simulated filterbank with a
// pulsar gives candidates.csv (header, the pulsar at rank 1) and candidates.json (provenance:
// configuration, version, inputs, timings, plan); a dedispersed .tim is searched directly;
// bad inputs exit 3 and --backend cuda, which the search cannot honour yet, exits 4 (no GPU) or
// 2 (no CUDA search); nothing half-written stays.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

std::string write_sim(const TempDir& dir) {
  const std::string path = dir / "sim.toml";
  std::ofstream(path) << "[observation]\nsource = \"SRCH\"\nduration_s = 20.0\ntsamp_s = 5e-4\n"
                         "nchan = 64\nnpol = 1\nnbits = 8\nseed = 77\n\n[output]\n"
                         "format = \"filterbank\"\n\n[[pulsar]]\nperiod_s = 0.3141\ndm = 40.0\n"
                         "snr = 30.0\nduty_cycle = 0.03\n";
  return path;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string f; std::getline(in, f, sep);) out.push_back(f);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

bool has_temporaries(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  }
  return false;
}

TEST(SearchCli, FindsThePulsarAndWritesCandidates) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"simulate", write_sim(dir), "-o", dir / "obs"}).exit_code, 0);
  const std::string out = dir / "out";
  const CommandResult r =
      run_tianyan({"search", dir / "obs.fil", "--dm", "0:80", "-o", out, "-j", "2", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> csv = lines_of(read_text(fs::path(out) / "candidates.csv"));
  ASSERT_GE(csv.size(), 2u);
  EXPECT_EQ(csv[0],
            "rank,period_s,freq_hz,epoch_mjd,dm,accel_ms2,sigma,snr,nharm,dm_hits,power,scan,"
            "beam,ra,dec,file");
  const std::vector<std::string> top = split(csv[1], ',');
  ASSERT_GE(top.size(), 16u);
  EXPECT_EQ(top[0], "1");
  const double period = std::stod(top[1]);
  // 20 s: a Fourier bin is 0.05 Hz, 1.6e-3 in period at 3.18 Hz.
  EXPECT_NEAR(1.0 / period, 1.0 / 0.3141, 0.05);
  EXPECT_NEAR(std::stod(top[4]), 40.0, 6.0);
  EXPECT_GT(std::stod(top[6]), 8.0);
  // Epoch: the middle of the observation (start MJD 60000 + 10 s).
  EXPECT_NEAR(std::stod(top[3]), 60000.0 + 10.0 / 86400.0, 1e-6);

  const auto json = nlohmann::json::parse(read_text(fs::path(out) / "candidates.json"));
  EXPECT_EQ(json["candidates"].size(), csv.size() - 1);
  EXPECT_TRUE(json.contains("tianyan_version"));
  EXPECT_EQ(json["config"]["search"]["max_harmonics"], 32);
  EXPECT_EQ(json["inputs"][0], dir / "obs.fil");
  ASSERT_EQ(json["beams"].size(), 1u);
  EXPECT_GT(json["beams"][0]["dm_trials"].get<int>(), 5);
  EXPECT_GT(json["beams"][0]["timings"]["search_s"].get<double>(), 0.0);
  // The best candidates folded (fold.top_n), plotted and browsable: the pulsar's archive,
  // sheet, thumbnail and summary, the optimised period near the truth; overview plots and
  // the report naming them.
  for (const char* f : {"cand_001.ar", "cand_001.png", "cand_001_thumb.png", "cand_001.json",
                        "overview.png", "obs_rfi.png", "obs.mask", "report.html"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  const auto fold = nlohmann::json::parse(read_text(fs::path(out) / "cand_001.json"));
  EXPECT_NEAR(fold["optimised"]["period_s"].get<double>(), 0.3141, 1e-4);
  EXPECT_EQ(fold["search"]["rank"].get<int>(), 1);
  EXPECT_EQ(fold["files"]["archive"].get<std::string>(), "cand_001.ar");
  const std::string report = read_text(fs::path(out) / "report.html");
  EXPECT_NE(report.find("cand_001.png"), std::string::npos);
  EXPECT_NE(report.find("overview.png"), std::string::npos);
  EXPECT_FALSE(has_temporaries(out));
  // The summary table on stdout starts with the same candidate.
  EXPECT_NE(r.out.find("rank"), std::string::npos);
}

TEST(SearchCli, SearchesATimeSeriesDirectly) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"simulate", write_sim(dir), "-o", dir / "obs"}).exit_code, 0);
  ASSERT_EQ(run_tianyan({"dedisperse", dir / "obs.fil", "--dm", "40", "-o", dir / "dd", "-q"})
                .exit_code,
            0);
  std::string tim;
  for (const auto& e : fs::directory_iterator(dir / "dd")) tim = e.path().string();
  ASSERT_FALSE(tim.empty());
  const CommandResult r = run_tianyan({"search", tim, "-o", dir / "out", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto csv = lines_of(read_text(fs::path(dir / "out") / "candidates.csv"));
  ASSERT_GE(csv.size(), 2u);
  EXPECT_NEAR(1.0 / std::stod(split(csv[1], ',')[1]), 1.0 / 0.3141, 0.05);
}

TEST(SearchCli, RefusesBadInputAndCudaWithoutACudaSearch) {
  TempDir dir;
  const std::string junk = dir / "junk.fil";
  std::ofstream(junk) << "not a filterbank";
  const CommandResult bad = run_tianyan({"search", junk, "-o", dir / "out", "-q"});
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("junk.fil"), std::string::npos);
  ASSERT_EQ(run_tianyan({"simulate", write_sim(dir), "-o", dir / "obs"}).exit_code, 0);
  // Never a CPU run: without a usable GPU exit 4 saying why; with one exit 2, because the
  // periodicity search itself has no CUDA implementation yet.
  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  const CommandResult cuda = run_tianyan(
      {"search", dir / "obs.fil", "--dm", "0:10", "--backend", "cuda", "-o", dir / "out2", "-q"});
  EXPECT_EQ(cuda.exit_code, gpu ? 2 : 4) << cuda.err;
  EXPECT_NE(cuda.err.find(gpu ? "no CUDA implementation yet" : "--backend cuda: no CUDA device"),
            std::string::npos)
      << cuda.err;
  EXPECT_FALSE(fs::exists(fs::path(dir / "out2") / "candidates.csv"));
}

}  // namespace
}  // namespace tianyan::test
