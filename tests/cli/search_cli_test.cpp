// `tianyan search` end to end through the command line: a simulated filterbank with a
// pulsar gives candidates.csv (header, the pulsar at rank 1) and candidates.json (provenance:
// configuration, version, inputs, timings, plan); a dedispersed .tim is searched directly;
// bad inputs exit 3; --backend auto says in candidates.json where the search ran, and cuda
// exits 4 without a GPU (on one, with and without acceleration trials, it finds the CPU's top
// candidate); nothing half-written stays.
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

TEST(SearchCli, RefusesBadInputAndCudaWithoutAGpu) {
  TempDir dir;
  const std::string junk = dir / "junk.fil";
  std::ofstream(junk) << "not a filterbank";
  const CommandResult bad = run_tianyan({"search", junk, "-o", dir / "out", "-q"});
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("junk.fil"), std::string::npos);
  ASSERT_EQ(run_tianyan({"simulate", write_sim(dir), "-o", dir / "obs"}).exit_code, 0);
  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  const auto provenance = [](const std::string& out) {
    return nlohmann::json::parse(read_text(fs::path(out) / "candidates.json"));
  };

  // auto: the GPU where there is one, else the CPU; candidates.json says which ran.
  const std::string out_auto = dir / "auto";
  const CommandResult automatic = run_tianyan(
      {"search", dir / "obs.fil", "--dm", "0:80", "--backend", "auto", "-o", out_auto, "-q"});
  ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
  EXPECT_EQ(provenance(out_auto)["search_backend"], gpu ? "cuda:0" : "cpu");
  EXPECT_EQ(provenance(out_auto)["dedisp_backend"], gpu ? "cuda:0" : "cpu");
  EXPECT_EQ(provenance(out_auto)["fold_backend"], gpu ? "cuda:0" : "cpu");

  // cuda: never a CPU run. Without a usable GPU exit 4 saying why, and nothing written; with
  // one, the search runs there and finds the pulsar where the CPU does.
  const std::string out_cuda = dir / "cuda";
  const CommandResult cuda = run_tianyan(
      {"search", dir / "obs.fil", "--dm", "0:80", "--backend", "cuda", "-o", out_cuda, "-q"});
  if (!gpu) {
    EXPECT_EQ(cuda.exit_code, 4) << cuda.err;
    EXPECT_NE(cuda.err.find("--backend cuda: no CUDA device"), std::string::npos) << cuda.err;
    EXPECT_FALSE(fs::exists(fs::path(out_cuda) / "candidates.csv"));
  } else {
    ASSERT_EQ(cuda.exit_code, 0) << cuda.err;
    EXPECT_EQ(provenance(out_cuda)["search_backend"], "cuda:0");
    const auto cpu_top = split(lines_of(read_text(fs::path(out_auto) / "candidates.csv"))[1], ',');
    const auto gpu_top = split(lines_of(read_text(fs::path(out_cuda) / "candidates.csv"))[1], ',');
    EXPECT_NEAR(std::stod(gpu_top[2]), 1.0 / 0.3141, 0.05);  // a Fourier bin of 20 s
    EXPECT_NEAR(std::stod(gpu_top[6]), std::stod(cpu_top[6]), 0.01 * std::stod(cpu_top[6]));
  }

  // With acceleration trials: cuda searches them on the GPU (the CPU's top candidate, sigma
  // within 1%), or exits 4 without a GPU, never run on the CPU instead.
  const std::string accel = dir / "accel.toml";
  std::ofstream(accel) << "[search.accel]\nenabled = true\nmax_ms2 = 10.0\n";
  const auto accel_run = [&](const char* backend, const std::string& out) {
    return run_tianyan({"search", dir / "obs.fil", "--dm", "0:80", "-c", accel, "--backend",
                        backend, "-o", out, "-q"});
  };
  const CommandResult acc = accel_run("cuda", dir / "acc");
  if (!gpu) {
    EXPECT_EQ(acc.exit_code, 4) << acc.err;
    EXPECT_FALSE(fs::exists(fs::path(dir / "acc") / "candidates.csv"));
    return;
  }
  ASSERT_EQ(acc.exit_code, 0) << acc.err;
  ASSERT_EQ(accel_run("cpu", dir / "acc_cpu").exit_code, 0);
  EXPECT_EQ(provenance(dir / "acc")["search_backend"], "cuda:0");
  const auto cpu_top = split(lines_of(read_text(fs::path(dir / "acc_cpu") / "candidates.csv"))[1], ',');
  const auto gpu_top = split(lines_of(read_text(fs::path(dir / "acc") / "candidates.csv"))[1], ',');
  EXPECT_NEAR(std::stod(gpu_top[2]), std::stod(cpu_top[2]), 0.05);
  EXPECT_NEAR(std::stod(gpu_top[6]), std::stod(cpu_top[6]), 0.01 * std::stod(cpu_top[6]));
}

// --device takes an index, a list or `all` for search (one searcher per device, fed from a
// queue); a malformed list is a usage error on one line, before any input is read, and
// several devices asked of a command that runs on one are refused.
TEST(SearchCli, DeviceListsAreCheckedBeforeAnythingRuns) {
  TempDir dir;
  const std::string missing = dir / "missing.fil";
  const auto run = [&](const char* cmd, const char* backend, const char* devices) {
    return run_tianyan({cmd, missing, "--backend", backend, "--device", devices, "-o",
                        dir / "out"});
  };
  for (const char* bad : {"0,0", "x", "1,", "-2"}) {
    const CommandResult r = run("search", "cuda", bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("--device"), std::string::npos) << r.err;
  }
  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  if (!gpu) {
    // No GPU: `all` names none, an Environment error saying why.
    const CommandResult r = run("search", "cuda", "all");
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("no CUDA device"), std::string::npos) << r.err;
  } else if (query_cuda_devices().devices.size() > 1) {
    const CommandResult r = run("dedisperse", "cuda", "0,1");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("several are for `search`"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
}  // namespace tianyan::test
