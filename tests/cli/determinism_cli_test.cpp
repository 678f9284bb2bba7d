// Determinism (the hardening issue): `tianyan search` of the same input gives byte-identical
// candidate lists with 1 and 2 threads and on a repeated run, acceleration search and folding
// included (the candidate columns; candidates.json also carries timings, which differ).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

TEST(Determinism, SearchCandidatesDoNotDependOnThreadsOrRuns) {
  TempDir dir;
  const PrivateFftWisdom wisdom(dir);  // the runs share one set of FFTW plans
  const std::string sim = dir / "sim.toml";
  std::ofstream(sim) << "[observation]\nsource = \"DET\"\nduration_s = 8.0\ntsamp_s = 2.5e-4\n"
                        "nchan = 64\nnpol = 1\nnbits = 8\nseed = 91\n\n[output]\n"
                        "format = \"filterbank\"\n\n[[pulsar]]\nperiod_s = 0.0117\ndm = 25.0\n"
                        "snr = 25.0\nduty_cycle = 0.05\naccel_ms2 = 150.0\n\n[[pulsar]]\n"
                        "period_s = 0.41\ndm = 40.0\nsnr = 20.0\nduty_cycle = 0.03\n";
  ASSERT_EQ(run_tianyan({"simulate", sim, "-o", dir / "obs", "-q"}).exit_code, 0);
  const std::string config = dir / "c.toml";
  std::ofstream(config) << "[dedisp]\ndm_lo = 0.0\ndm_hi = 60.0\n\n[fold]\ntop_n = 2\n";
  auto search = [&](const std::string& out, const char* threads) {
    const CommandResult r = run_tianyan({"search", dir / "obs.fil", "-c", config, "--accel-max",
                                         "200", "-o", dir / out, "-j", threads, "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_text(fs::path(dir / out) / "candidates.csv");
  };
  const std::string one = search("j1", "1");
  const std::string two = search("j2", "2");
  const std::string again = search("j2b", "2");
  ASSERT_GT(one.size(), 200u) << "no candidates: the test would compare nothing";
  EXPECT_EQ(one, two) << "1 thread against 2";
  EXPECT_EQ(two, again) << "a repeated run";
  // The folds too: the optimised model in each summary.
  for (const char* cand : {"cand_001.json", "cand_002.json"}) {
    const auto a = read_text(fs::path(dir / "j1") / cand);
    const auto b = read_text(fs::path(dir / "j2") / cand);
    const auto opt = [](const std::string& s) { return s.substr(s.find("\"optimised\"")); };
    ASSERT_NE(a.find("\"optimised\""), std::string::npos) << cand;
    // Provenance (thread count, timings) differs; everything from "optimised" on is the fold's
    // result and must not.
    EXPECT_EQ(opt(a).substr(0, opt(a).find("\"provenance\"")),
              opt(b).substr(0, opt(b).find("\"provenance\"")))
        << cand;
  }
}

}  // namespace
}  // namespace tianyan::test
