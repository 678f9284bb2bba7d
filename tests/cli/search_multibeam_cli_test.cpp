// A multi-beam `tianyan search`: three beams of one simulated FAST scan (1, 2, 3: mutual
// neighbours) with a pulsar in beam 2 and, weaker, in beams 1 and 3. Multi-beam coincidence
// (kernels/search/multibeam.hpp) lists it once, at beam 2; with [sift.multibeam] disabled
// every beam's detection is listed.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/candidates_reader.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

constexpr double kPeriod = 0.1337;

// The beams of the candidates within a Fourier bin (4 s) of the pulsar.
std::vector<int> pulsar_beams(const fs::path& csv) {
  std::vector<int> beams;
  for (const CandidateRecord& r : read_candidates_csv(csv.string())) {
    if (std::abs(r.candidate.freq_hz - 1.0 / kPeriod) < 0.25) beams.push_back(r.candidate.beam);
  }
  return beams;
}

TEST(SearchMultibeamCli, APulsarInNeighbouringBeamsIsListedOnce) {
  TempDir dir;
  const std::string sim = dir / "sim.toml";
  std::ofstream(sim) << "[observation]\nsource = \"MB\"\nduration_s = 4.0\ntsamp_s = 5e-4\n"
                        "nchan = 64\nfreq_lo_mhz = 1000.0\nfreq_hi_mhz = 1500.0\nnpol = 1\n"
                        "nbits = 8\nseed = 6\n\n[output]\nformat = \"psrfits\"\n\n[multibeam]\n"
                        "enabled = true\nneighbour_fraction = 0.6\n\n[[pulsar]]\n"
                        "period_s = 0.1337\ndm = 30.0\nduty_cycle = 0.05\nsnr = 30.0\nbeam = 2\n";
  const fs::path data = dir / "data";
  fs::create_directories(data);
  ASSERT_EQ(run_tianyan({"-q", "simulate", sim, "-o", (data / "scan").string()}).exit_code, 0);
  for (const auto& e : fs::directory_iterator(data)) {
    const std::string name = e.path().filename().string();
    if (name.find("-M01_") == std::string::npos && name.find("-M02_") == std::string::npos &&
        name.find("-M03_") == std::string::npos) {
      fs::remove(e.path());
    }
  }
  const std::string config = dir / "c.toml";
  std::ofstream(config) << "[dedisp]\ndm_lo = 0.0\ndm_hi = 60.0\n\n[fold]\ntop_n = 0\n";
  const std::string off = dir / "off.toml";
  std::ofstream(off) << "[dedisp]\ndm_lo = 0.0\ndm_hi = 60.0\n\n[fold]\ntop_n = 0\n\n"
                        "[sift.multibeam]\nenabled = false\n";

  const CommandResult r = run_tianyan(
      {"search", data.string(), "-c", config, "-o", dir / "on", "-q", "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(pulsar_beams(fs::path(dir / "on") / "candidates.csv"), std::vector<int>{2});

  const CommandResult r2 =
      run_tianyan({"search", data.string(), "-c", off, "-o", dir / "off", "-q", "-j", "2"});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_GE(pulsar_beams(fs::path(dir / "off") / "candidates.csv").size(), 2u)
      << "without coincidence the neighbours' detections are listed too";
}

}  // namespace
}  // namespace tianyan::test
