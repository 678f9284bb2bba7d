// `tianyan plot ARCHIVE|DIR`: candidate sheets redrawn from fold-mode archives alone (the raw
// data deleted), at the requested size, with the same optimum; bad inputs exit 3.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

// Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian).
std::pair<unsigned, unsigned> png_size(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  unsigned char b[24] = {};
  in.read(reinterpret_cast<char*>(b), sizeof b);
  auto be32 = [&](int o) {
    return (unsigned{b[o]} << 24) | (unsigned{b[o + 1]} << 16) | (unsigned{b[o + 2]} << 8) |
           unsigned{b[o + 3]};
  };
  return {be32(16), be32(20)};
}

TEST(PlotCli, RedrawsSheetsFromArchivesWithoutTheRawData) {
  TempDir dir;
  const std::string sim = dir / "sim.toml";
  std::ofstream(sim) << "[observation]\nsource = \"PLOT\"\nduration_s = 10.0\ntsamp_s = 5e-4\n"
                        "nchan = 64\nnpol = 1\nnbits = 8\nseed = 79\n\n[output]\n"
                        "format = \"filterbank\"\n\n[[pulsar]]\nperiod_s = 0.2\ndm = 30.0\n"
                        "snr = 25.0\nduty_cycle = 0.04\n";
  ASSERT_EQ(run_tianyan({"simulate", sim, "-o", dir / "obs", "-q"}).exit_code, 0);
  const fs::path out = dir / "out";
  ASSERT_EQ(run_tianyan({"fold", dir / "obs.fil", "--period", "0.2", "--dm", "30", "-o", out,
                         "-q", "-j", "2"})
                .exit_code,
            0);
  for (const char* f : {"cand_001.ar", "cand_001.png", "cand_001_thumb.png", "cand_001.json"}) {
    ASSERT_TRUE(fs::exists(out / f)) << f;
  }
  const auto summary = nlohmann::json::parse(read_text(out / "cand_001.json"));
  fs::remove(dir / "obs.fil");
  fs::remove(out / "cand_001.png");
  fs::remove(out / "cand_001_thumb.png");

  const CommandResult r = run_tianyan({"plot", out, "--format", "both"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(png_size(out / "cand_001.png"), std::make_pair(1600u, 1200u));
  EXPECT_EQ(png_size(out / "cand_001_thumb.png"), std::make_pair(320u, 240u));
  EXPECT_EQ(read_text(out / "cand_001.pdf").substr(0, 5), "%PDF-");
  // The archive holds the cube at 16-bit precision: the re-optimised model is the same one
  // (the log line carries period and DM).
  const double period_ms = 1e3 * summary["optimised"]["period_s"].get<double>();
  EXPECT_NE(r.err.find(fmt::format("P {:.6f}", period_ms).substr(0, 9)), std::string::npos)
      << r.err;

  const std::string other = dir / "redrawn";
  ASSERT_EQ(run_tianyan({"plot", out / "cand_001.ar", "-o", other, "-q"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(fs::path(other) / "cand_001.png"));

  const CommandResult missing = run_tianyan({"plot", dir / "nothing.ar", "-q"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("nothing.ar"), std::string::npos) << missing.err;
  std::ofstream(dir / "junk.ar") << "not a FITS file";
  const CommandResult junk = run_tianyan({"plot", dir / "junk.ar", "-q"});
  EXPECT_EQ(junk.exit_code, 3);
  EXPECT_NE(junk.err.find("junk.ar"), std::string::npos) << junk.err;
}

}  // namespace
}  // namespace tianyan::test
