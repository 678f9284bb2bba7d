// End to end: simulate() writes real PSRFITS and filterbank files and truth.json, and the
// readers deliver exactly the quantised total intensity of the in-memory simulation.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "io/psrfits/psrfits_reader.hpp"
#include "io/sigproc/filterbank.hpp"
#include "sim_test_util.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

SimConfig e2e_config(const std::string& format) {
  SimConfig c = small_config();
  c.observation.nbits = 8;
  c.observation.duration_s = 1.0;
  c.output.format = format;
  c.output.nsblk = 256;
  c.output.rows_per_file = 4;  // 2000 samples -> 8 rows -> 2 files
  SimPulsar p;
  p.period_s = 0.1;
  p.dm = 50.0;
  p.snr = 30.0;
  c.pulsars = {p};
  c.rfi.noise_diode.enabled = true;
  return c;
}

// Round half up and clamp to [0, 255], summed over AA and BB.
std::vector<float> quantised_intensity(const Capture& cap) {
  std::vector<float> out(cap.nsamp * cap.nchan());
  for (uint64_t t = 0; t < cap.nsamp; ++t) {
    for (size_t c = 0; c < cap.nchan(); ++c) {
      float v = 0;
      for (int p = 0; p < 2; ++p) v += std::clamp(std::floor(cap.at(t, p, c) + 0.5f), 0.0f, 255.0f);
      out[t * cap.nchan() + c] = v;
    }
  }
  return out;
}

void expect_same_as_memory(const SimConfig& config, Reader& reader) {
  const MemoryRun mem = run_in_memory(config, 2);
  const Capture& cap = mem.beams.at(1);
  ASSERT_EQ(reader.info().nsamples, cap.nsamp);
  ASSERT_EQ(reader.info().freqs_mhz.size(), cap.nchan());
  EXPECT_NEAR(reader.info().freqs_mhz.front(), cap.header.freqs_mhz.front(), 1e-6);
  EXPECT_NEAR(reader.info().tsamp_s, config.observation.tsamp_s, 1e-12);
  std::vector<float> got(cap.nsamp * cap.nchan());
  ASSERT_EQ(reader.read(0, cap.nsamp, got.data()), cap.nsamp);
  const std::vector<float> want = quantised_intensity(cap);
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i) bad += std::abs(got[i] - want[i]) > 1e-3f ? 1 : 0;
  EXPECT_EQ(bad, 0u);
}

TEST(SimEndToEnd, FilterbankFileHoldsTheSimulation) {
  TempDir dir;
  const SimConfig config = e2e_config("filterbank");
  const SimulateResult r = simulate(config, dir / "obs", {1, nullptr});
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0], dir / "obs.fil");
  EXPECT_TRUE(std::filesystem::exists(r.truth_path));
  const auto truth = nlohmann::json::parse(read_text(r.truth_path));
  EXPECT_EQ(truth["files"][0].get<std::string>(), r.files[0]);
  EXPECT_NEAR(truth["pulsars"][0]["ideal_snr"].get<double>(), 30.0, 0.6);
  EXPECT_FALSE(truth["tianyan_version"].get<std::string>().empty());
  auto reader = open_filterbank(r.files);
  expect_same_as_memory(config, *reader);
}

TEST(SimEndToEnd, PsrfitsScanInFastLayout) {
  TempDir dir;
  const SimConfig config = e2e_config("psrfits");
  double last_progress = 0;
  SimulateOptions options{2, [&](double f) { last_progress = f; }};
  const SimulateResult r = simulate(config, dir / "scan", options);
  EXPECT_DOUBLE_EQ(last_progress, 1.0);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0], dir / "scan-M01_0001.fits");
  EXPECT_EQ(r.files[1], dir / "scan-M01_0002.fits");
  auto reader = open_psrfits(r.files);
  expect_same_as_memory(config, *reader);
}

TEST(SimEndToEnd, TwoBitFourPolPsrfits) {
  TempDir dir;
  SimConfig config = e2e_config("psrfits");
  config.observation.nbits = 2;
  config.observation.npol = 4;
  config.noise.bandpass = "flat";
  config.pulsars.clear();
  config.rfi = SimRfi{};
  const SimulateResult r = simulate(config, dir / "twobit", {2, nullptr});
  auto reader = open_psrfits(r.files);
  EXPECT_EQ(reader->info().nbits, 2);
  EXPECT_EQ(reader->info().npol, 4);
  const uint64_t n = reader->info().nsamples;
  std::vector<float> got(n * reader->info().nchan());
  ASSERT_EQ(reader->read(0, n, got.data()), n);
  double mean = 0;
  for (float v : got) {
    ASSERT_TRUE(v >= 0.0f && v <= 6.0f) << v;  // AA + BB of two 2-bit levels
    mean += v;
  }
  // Noise only. Each product: levels 0..3 from 1.5 +- 0.9, thresholds symmetric about the
  // mean, so AA + BB averages 3.
  EXPECT_NEAR(mean / static_cast<double>(got.size()), 3.0, 0.05);
}

TEST(SimEndToEnd, MultibeamFilterbanksAreNamedPerBeam) {
  TempDir dir;
  SimConfig config = e2e_config("filterbank");
  config.observation.nchan = 8;
  config.observation.duration_s = 0.2;
  config.multibeam.enabled = true;
  const SimulateResult r = simulate(config, dir / "mb", {2, nullptr});
  ASSERT_EQ(r.files.size(), 19u);
  EXPECT_EQ(r.files[0], dir / "mb-M01.fil");
  EXPECT_EQ(r.files[18], dir / "mb-M19.fil");
}

}  // namespace
}  // namespace tianyan::test
