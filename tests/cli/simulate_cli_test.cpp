// `tianyan simulate` end to end: the files it writes, their truth, FAST scans split into files,
// gaps, independent verification (fitsverify, astropy), and its error exits.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "io/reader.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

// A small FAST-like beam: 64 channels, 4 rows of 256 samples per file, 8 files.
std::string small_config(const TempDir& dir, int rows_per_file, const std::string& name) {
  const std::string path = dir / name;
  std::ofstream(path) << R"([observation]
source = "J0001+0001"
nchan = 64
tsamp_s = 98.304e-6
duration_s = 0.8
npol = 2
seed = 7

[output]
format = "psrfits"
nsblk = 256
rows_per_file = )" << rows_per_file << R"(

[[pulsar]]
period_s = 0.05
dm = 30.0
snr = 40.0

[rfi.noise_diode]
enabled = true
)";
  return path;
}

std::vector<float> read_all(const std::vector<std::string>& inputs) {
  const auto beams = discover_beams(inputs);
  EXPECT_EQ(beams.size(), 1u);
  auto reader = open_beam(beams.front());
  std::vector<float> data(reader->info().nsamples * reader->info().nchan());
  EXPECT_EQ(reader->read(0, reader->info().nsamples, data.data()), reader->info().nsamples);
  return data;
}

TEST(SimulateCli, WritesAScanItsTruthAndInfoDescribesIt) {
  TempDir dir;
  const auto r = run_tianyan({"-q", "simulate", small_config(dir, 4, "a.toml"), "-o", dir / "a"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto truth = nlohmann::json::parse(read_text(dir / "a.truth.json"));
  ASSERT_FALSE(truth.dump().empty());
  EXPECT_TRUE(fs::exists(dir / "a-M01_0001.fits"));
  EXPECT_TRUE(fs::exists(dir / "a-M01_0002.fits"));

  const auto info = run_tianyan({"info", "--json", dir.path().string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const auto j = nlohmann::json::parse(info.out);
  EXPECT_EQ(j["nchan"], 64);
  EXPECT_EQ(j["npol"], 2);
  EXPECT_EQ(j["nbits"], 8);
  EXPECT_EQ(j["source"], "J0001+0001");
  EXPECT_EQ(j["nsamples"], static_cast<int>(0.8 / 98.304e-6));
  EXPECT_EQ(j["beams"].size(), 1u);
  EXPECT_EQ(j["beams"][0]["beam"], 1);
  EXPECT_EQ(j["files"].size(), j["beams"][0]["files"].size());
  EXPECT_NEAR(j["freq_lo_mhz"].get<double>(), 1000.0 + 500.0 / 64 / 2, 1e-6);
}

TEST(SimulateCli, ScanSplitIntoFilesReadsBackEqualToTheUnsplitStream) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"-q", "simulate", small_config(dir, 2, "split.toml"), "-o",
                         dir / "split"}).exit_code, 0);
  ASSERT_EQ(run_tianyan({"-q", "simulate", small_config(dir, 1000, "whole.toml"), "-o",
                         dir / "whole"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(dir / "split-M01_0002.fits"));
  EXPECT_FALSE(fs::exists(dir / "whole-M01_0002.fits"));
  const auto split = read_all({(dir.path() / "split-M01_*.fits").string()});
  const auto whole = read_all({dir / "whole-M01_0001.fits"});
  ASSERT_EQ(split.size(), whole.size());
  EXPECT_TRUE(split == whole);
}

TEST(SimulateCli, MissingFileIsAGapUnlessStrict) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"-q", "simulate", small_config(dir, 1, "g.toml"), "-o", dir / "g"})
                .exit_code, 0);
  fs::remove(dir / "g-M01_0002.fits");
  const auto lenient = run_tianyan({"info", "--json", dir.path().string()});
  ASSERT_EQ(lenient.exit_code, 0) << lenient.err;
  const auto j = nlohmann::json::parse(lenient.out);
  ASSERT_EQ(j["gaps"].size(), 1u);
  EXPECT_EQ(j["gaps"][0]["start_sample"], 256);
  EXPECT_EQ(j["gaps"][0]["nsamples"], 256);
  const auto strict = run_tianyan({"info", "--strict", dir.path().string()});
  EXPECT_EQ(strict.exit_code, 3) << strict.out;
  EXPECT_NE(strict.err.find("g-M01_0003.fits"), std::string::npos) << strict.err;
}

TEST(SimulateCli, SimulatedFilesPassFitsverifyAndAstropyReadsTheSameSamples) {
  if (std::string(TIANYAN_FITSVERIFY).empty()) GTEST_SKIP() << "fitsverify is not installed";
  TempDir dir;
  ASSERT_EQ(run_tianyan({"-q", "simulate", small_config(dir, 4, "v.toml"), "-o", dir / "v"})
                .exit_code, 0);
  const std::string file = dir / "v-M01_0001.fits";
  const auto fv = run_shell(std::string(TIANYAN_FITSVERIFY) + " -q -e " + file);
  EXPECT_EQ(fv.exit_code, 0) << fv.out << fv.err;
  EXPECT_NE(fv.out.find("verification OK"), std::string::npos) << fv.out;

  const std::string py = TIANYAN_PYTHON3;
  if (py.empty() || run_shell(py + " -c 'import astropy, numpy'").exit_code != 0) {
    GTEST_SKIP() << "python3 with astropy and numpy is not installed";
  }
  const auto ast = run_shell(py + " " + TIANYAN_SOURCE_DIR +
                             "/tests/scripts/read_psrfits_astropy.py --total-intensity " + file);
  ASSERT_EQ(ast.exit_code, 0) << ast.err;
  const auto j = nlohmann::json::parse(ast.out);
  const auto ours = read_all({file});
  double sum = 0;
  for (float v : ours) sum += v;
  EXPECT_DOUBLE_EQ(j["total_intensity_sum"].get<double>(), sum);
  EXPECT_EQ(j["total_intensity_first"].size(), 64u);
  for (size_t c = 0; c < 64; ++c) EXPECT_EQ(j["total_intensity_first"][c].get<double>(), ours[c]);
}

TEST(SimulateCli, ConfigurationErrorsNameTheKey) {
  TempDir dir;
  std::ofstream(dir / "bad.toml") << "[observation]\nnchan = 64\nbogus_key = 3\n";
  const auto r = run_tianyan({"simulate", dir / "bad.toml", "-o", dir / "x"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("bogus_key"), std::string::npos) << r.err;
  const auto missing = run_tianyan({"simulate", dir / "none.toml", "-o", dir / "x"});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
}

TEST(SimulateCli, UnwritableOutputIsAnEnvironmentError) {
  TempDir dir;
  write_bytes(dir / "plain", "x");
  const auto r = run_tianyan({"-q", "simulate", small_config(dir, 4, "w.toml"), "-o",
                              (dir.path() / "plain" / "sub" / "w").string()});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("plain"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tianyan::test
