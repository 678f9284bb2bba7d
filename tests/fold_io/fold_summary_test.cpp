// The per-candidate JSON summary: values, propagated errors, provenance and file names.
#include "io/fold_summary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/common/test_util.hpp"
#include "tests/fold_io/fold_io_test_util.hpp"

namespace tianyan {
namespace {
using test::TempDir;

FoldedCandidate optimised_candidate() {
  auto c = test::make_candidate(21, {.nsubint = 4, .nsubband = 8, .nbin = 32});
  FoldOptimum& b = c.best;
  b.model = FoldModel{3.7123456, 2.5e-9, 57.9, c.cube.model.ref_s};
  b.freq_err_hz = 4e-6;
  b.fdot_err_hz_s = 3e-10;
  b.dm_err = 0.7;
  b.snr = 25.5;
  b.redchi2 = 9.75;
  b.width_bins = 3;
  b.peak_bin = 18;
  return c;
}

TEST(FoldSummary, HoldsTheOptimisedValuesWithPropagatedErrors) {
  const auto c = optimised_candidate();
  const auto j = fold_summary_json(c, {"cand_001.ar", {"cand_001.png", "cand_001.pdf"}});
  const auto& o = j.at("optimised");
  const double f = 3.7123456, fd = 2.5e-9, sf = 4e-6, sfd = 3e-10;
  EXPECT_DOUBLE_EQ(o.at("epoch_mjd").get<double>(),
                   c.meta.start_mjd + c.cube.model.ref_s / 86400.0);
  EXPECT_DOUBLE_EQ(o.at("period_s").get<double>(), 1.0 / f);
  EXPECT_DOUBLE_EQ(o.at("freq_hz").get<double>(), f);
  EXPECT_DOUBLE_EQ(o.at("fdot_hz_s").get<double>(), fd);
  EXPECT_DOUBLE_EQ(o.at("pdot").get<double>(), -fd / (f * f));
  EXPECT_DOUBLE_EQ(o.at("accel_ms2").get<double>(), 299792458.0 * fd / f);
  EXPECT_DOUBLE_EQ(o.at("dm").get<double>(), 57.9);
  EXPECT_DOUBLE_EQ(o.at("freq_err_hz").get<double>(), sf);
  EXPECT_DOUBLE_EQ(o.at("fdot_err_hz_s").get<double>(), sfd);
  EXPECT_DOUBLE_EQ(o.at("dm_err").get<double>(), 0.7);
  // dP = df/f^2; dPdot^2 = (dfdot/f^2)^2 + (2 fdot df/f^3)^2; da^2 = c^2 ((dfdot/f)^2 + (fdot
  // df/f^2)^2)
  EXPECT_DOUBLE_EQ(o.at("period_err_s").get<double>(), sf / (f * f));
  EXPECT_NEAR(o.at("pdot_err").get<double>(),
              std::sqrt(std::pow(sfd / (f * f), 2) + std::pow(2 * fd * sf / (f * f * f), 2)),
              1e-25);
  EXPECT_NEAR(o.at("accel_err_ms2").get<double>(),
              299792458.0 * std::sqrt(std::pow(sfd / f, 2) + std::pow(fd * sf / (f * f), 2)),
              1e-12);
  EXPECT_DOUBLE_EQ(o.at("snr").get<double>(), 25.5);
  EXPECT_DOUBLE_EQ(o.at("redchi2").get<double>(), 9.75);
  EXPECT_DOUBLE_EQ(o.at("width_bins").get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(o.at("width_s").get<double>(), 3.0 / f / 32.0);
  EXPECT_EQ(o.at("peak_bin"), 18);
  EXPECT_EQ(o.at("nbin"), 32);

  const auto& s = j.at("search");
  EXPECT_EQ(s.at("rank"), 3);
  EXPECT_DOUBLE_EQ(s.at("sigma").get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(s.at("snr").get<double>(), 30.25);
  EXPECT_EQ(s.at("nharm"), 8);
  EXPECT_DOUBLE_EQ(s.at("period_s").get<double>(), 1.0 / 3.7123);
  EXPECT_DOUBLE_EQ(s.at("dm").get<double>(), 57.0);
  EXPECT_DOUBLE_EQ(s.at("accel_ms2").get<double>(), -0.25);

  const auto& p = j.at("provenance");
  EXPECT_EQ(p.at("version"), "0.1.0+abcdef1234");
  EXPECT_EQ(p.at("config_toml"), c.meta.config_toml);
  EXPECT_EQ(p.at("files"), c.meta.files);
  EXPECT_DOUBLE_EQ(p.at("rfi_fraction").get<double>(), 0.0731);
  EXPECT_EQ(p.at("source"), c.meta.source);
  EXPECT_EQ(p.at("beam"), 1);
  EXPECT_EQ(p.at("scan"), c.meta.scan);
  EXPECT_DOUBLE_EQ(p.at("ra_deg").get<double>(), 284.4015);
  EXPECT_EQ(p.at("ra"), "18:57:36.3600");
  EXPECT_EQ(p.at("dec"), "+09:43:22.440");
  EXPECT_DOUBLE_EQ(j.at("folded_at").at("freq_hz").get<double>(), c.cube.model.freq_hz);
  EXPECT_EQ(j.at("files").at("archive"), "cand_001.ar");
  EXPECT_EQ(j.at("files").at("plots"), (std::vector<std::string>{"cand_001.png", "cand_001.pdf"}));
}

TEST(FoldSummary, WithoutOptimumOrFilesWritesNulls) {
  auto c = test::make_candidate(22, {.nsubint = 2, .nsubband = 4, .nbin = 16});
  c.meta.ra_deg = NAN;
  const auto j = fold_summary_json(c);
  EXPECT_TRUE(j.at("optimised").is_null());
  EXPECT_TRUE(j.at("files").at("archive").is_null());
  EXPECT_TRUE(j.at("provenance").at("ra_deg").is_null());
  EXPECT_TRUE(j.at("provenance").at("ra").is_null());
}

TEST(FoldSummary, WrittenAtomicallyAsParsableJson) {
  TempDir dir;
  const auto c = optimised_candidate();
  const std::string path = dir / "cand_001.json";
  write_fold_summary(path, c, {"cand_001.ar", {}});
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator{}),
            1);
  const auto j = nlohmann::json::parse(test::read_text(path));
  EXPECT_EQ(j, fold_summary_json(c, {"cand_001.ar", {}}));
}

}  // namespace
}  // namespace tianyan
