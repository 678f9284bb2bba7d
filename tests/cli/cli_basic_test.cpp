// The command line's contract: version, help, usage errors, device query, info on real files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/common/test_util.hpp"
#include "tianyan/version.hpp"

namespace tianyan::test {
namespace {

TEST(Cli, VersionPrintsTheBuildVersion) {
  const auto r = run_tianyan({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find(kVersionFull), std::string::npos) << r.out;
}

TEST(Cli, HelpOnEveryCommandExitsZero) {
  for (const char* cmd : {"info", "simulate"}) {
    const auto r = run_tianyan({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << ": " << r.out;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_tianyan({}).exit_code, 2);
  EXPECT_EQ(run_tianyan({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(run_tianyan({"info"}).exit_code, 2);
  EXPECT_EQ(run_tianyan({"info", "--no-such-flag", "x.fil"}).exit_code, 2);
  EXPECT_EQ(run_tianyan({"simulate"}).exit_code, 2);
}

TEST(Cli, DevicesSaysClearlyWhenThereIsNoGpu) {
  const auto r = run_tianyan({"info", "--devices"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(run_tianyan({"info", "--devices", "--json"}).out);
  if (j["devices"].empty()) {
    EXPECT_NE(r.out.find("no CUDA device"), std::string::npos) << r.out;
  } else {
    EXPECT_NE(r.out.find("CUDA device 0:"), std::string::npos) << r.out;
  }
}

TEST(Cli, MissingInputIsBadInputNamingThePath) {
  const auto r = run_tianyan({"info", "/nonexistent/obs.fil"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("/nonexistent/obs.fil"), std::string::npos) << r.err;
}

TEST(Cli, InfoJsonOnRealFilterbank) {
  TIANYAN_REQUIRE_REAL_DATA();
  const auto path = (real_data_dir() / "your" / "small.fil").string();
  const auto r = run_tianyan({"info", "--json", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["nchan"], 336);
  EXPECT_EQ(j["nbits"], 8);
  EXPECT_EQ(j["npol"], 1);
  EXPECT_EQ(j["nsamples"], 10);
  EXPECT_NEAR(j["tsamp_s"].get<double>(), 1.26646875e-3, 1e-15);
  EXPECT_NEAR(j["freq_hi_mhz"].get<double>(), 1465.0, 1e-9);
  EXPECT_NEAR(j["freq_lo_mhz"].get<double>(), 1130.0, 1e-9);
  for (const char* key : {"start_mjd", "source", "beams", "files"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["files"].size(), 1u);
}

TEST(Cli, EmptyObservationIsReportedWithExitZero) {
  TIANYAN_REQUIRE_REAL_DATA();
  const auto path = (real_data_dir() / "your" / "empty.fits").string();
  const auto text = run_tianyan({"info", path});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("no data"), std::string::npos) << text.out;
  const auto j = nlohmann::json::parse(run_tianyan({"info", "--json", path}).out);
  EXPECT_EQ(j["nsamples"], 0);
  EXPECT_EQ(j["nchan"], 4096);
  EXPECT_EQ(j["npol"], 4);
}

TEST(Cli, InfoDescribesEveryRealFile) {
  TIANYAN_REQUIRE_REAL_DATA();
  for (const char* f : {"sigpyproc3/parkes_1bit.fil", "sigpyproc3/parkes_2bit.fil",
                        "sigpyproc3/parkes_4bit.fil", "sigpyproc3/parkes_8bit_1.fil",
                        "your/small.fits", "your/test_4pol.fits"}) {
    const auto r = run_tianyan({"info", (real_data_dir() / f).string()});
    EXPECT_EQ(r.exit_code, 0) << f << ": " << r.err;
    EXPECT_NE(r.out.find("channels"), std::string::npos) << f;
  }
}

}  // namespace
}  // namespace tianyan::test
