// candidates.csv / candidates.json: the documented columns, values that read back, RFC 4180
// quoting, provenance, atomic writes and the error kind when the directory is unusable.
#include "io/candidates_writer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "../common/test_util.hpp"
#include "io/angles.hpp"
#include "kernels/common/error.hpp"

namespace tianyan::test {
namespace {

namespace fs = std::filesystem;

const char* const kHeader =
    "rank,period_s,freq_hz,epoch_mjd,dm,accel_ms2,sigma,snr,nharm,dm_hits,power,scan,beam,ra,dec,"
    "file";

std::vector<Candidate> sample() {
  Candidate a;
  a.freq_hz = 333.3333333333333;  // a 3 ms pulsar
  a.accel_ms2 = -12.5;
  a.nharm = 16;
  a.power = 123.456;
  a.sigma = 17.25;
  a.snr = 21.5;
  a.dm = 39.875;
  a.dm_index = 400;
  a.dm_hits = 9;
  a.tobs_s = 51.5;
  a.epoch_mjd = 59000.123456789012;
  a.scan = "M5_tracking";
  a.beam = 7;
  a.ra_deg = 229.6384;
  a.dec_deg = 2.0827;
  a.file = "M5_tracking-M07_0001.fits";
  Candidate b = a;
  b.freq_hz = 1.0 / 1.23456789012345;
  b.sigma = 9.5;
  b.dm = 3.5;
  b.nharm = 2;
  b.dec_deg = -45.5;
  b.ra_deg = 0.001;
  Candidate c = a;
  c.freq_hz = 1.0000000000004567;  // mantissa near 1: the worst case for 12 digits
  c.sigma = 6.0;
  return {a, b, c};
}

// One CSV record (no embedded line breaks) split per RFC 4180.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted && ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (ch == '"') {
      quoted = !quoted;
    } else if (ch == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += ch;
    }
  }
  return fields;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(CandidatesCsv, HeaderAndOneRowPerCandidate) {
  const auto lines = lines_of(format_candidates_csv(sample()));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], kHeader);
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto f = split_csv(lines[i]);
    ASSERT_EQ(f.size(), 16u) << lines[i];
    EXPECT_EQ(f[0], std::to_string(i));
  }
  EXPECT_EQ(lines_of(format_candidates_csv({})), std::vector<std::string>{kHeader});
}

TEST(CandidatesCsv, ValuesReadBack) {
  const auto cands = sample();
  const auto lines = lines_of(format_candidates_csv(cands));
  for (size_t i = 0; i < cands.size(); ++i) {
    const Candidate& c = cands[i];
    const auto f = split_csv(lines[i + 1]);
    const double period = std::stod(f[1]);
    const double freq = std::stod(f[2]);
    // 12 significant digits: each value within half a unit of the 12th digit (<= 5e-12).
    EXPECT_NEAR(period / c.period_s(), 1.0, 5e-12) << f[1];
    EXPECT_NEAR(freq / c.freq_hz, 1.0, 5e-12) << f[2];
    EXPECT_NEAR(period * freq, 1.0, 1e-11);
    EXPECT_NEAR(std::stod(f[3]), c.epoch_mjd, 5.1e-11);
    EXPECT_NEAR(std::stod(f[4]), c.dm, 5e-4);
    EXPECT_NEAR(std::stod(f[5]), c.accel_ms2, 5e-4);
    EXPECT_NEAR(std::stod(f[6]), c.sigma, 5e-3);
    EXPECT_NEAR(std::stod(f[7]), c.snr, 5e-3);
    EXPECT_EQ(std::stoi(f[8]), c.nharm);
    EXPECT_EQ(std::stoi(f[9]), c.dm_hits);
    EXPECT_NEAR(std::stod(f[10]), c.power, 5e-3);
    EXPECT_EQ(f[11], c.scan);
    EXPECT_EQ(std::stoi(f[12]), c.beam);
    const auto ra_h = parse_sexagesimal(f[13]);
    const auto dec = parse_sexagesimal(f[14]);
    ASSERT_TRUE(ra_h && dec) << f[13] << " " << f[14];
    EXPECT_NEAR(*ra_h * 15.0, c.ra_deg, 0.0051 * 15.0 / 3600.0) << f[13];
    EXPECT_NEAR(*dec, c.dec_deg, 0.051 / 3600.0) << f[14];
    EXPECT_EQ(f[15], c.file);
  }
  EXPECT_EQ(split_csv(lines[1])[13], "15:18:33.22");
  EXPECT_EQ(split_csv(lines[1])[14], "+02:04:57.7");
  EXPECT_EQ(split_csv(lines[2])[14], "-45:30:00.0");
}

TEST(CandidatesCsv, QuotesFieldsWithCommasAndQuotes) {
  auto cands = sample();
  cands[0].file = "/data/beam 7,part 2.fits";
  cands[0].scan = "scan \"A\"";
  const auto lines = lines_of(format_candidates_csv(cands));
  EXPECT_NE(lines[1].find("\"/data/beam 7,part 2.fits\""), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("\"scan \"\"A\"\"\""), std::string::npos) << lines[1];
  const auto f = split_csv(lines[1]);
  ASSERT_EQ(f.size(), 16u);
  EXPECT_EQ(f[11], cands[0].scan);
  EXPECT_EQ(f[15], cands[0].file);
  // Plain names stay unquoted.
  EXPECT_EQ(lines[2].find('"'), std::string::npos) << lines[2];
}

TEST(CandidatesJson, CarriesEveryCsvFieldAndDegrees) {
  const auto cands = sample();
  const nlohmann::json j = candidates_to_json(cands);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), cands.size());
  const auto header = split_csv(kHeader);
  for (const auto& name : header) EXPECT_TRUE(j[0].contains(name)) << name;
  EXPECT_EQ(j[1]["rank"], 2);
  EXPECT_DOUBLE_EQ(j[1]["freq_hz"].get<double>(), cands[1].freq_hz);
  EXPECT_DOUBLE_EQ(j[1]["period_s"].get<double>(), 1.23456789012345);
  EXPECT_DOUBLE_EQ(j[0]["ra_deg"].get<double>(), cands[0].ra_deg);
  EXPECT_DOUBLE_EQ(j[1]["dec_deg"].get<double>(), -45.5);
  EXPECT_EQ(j[1]["dec"], "-45:30:00.0");
  EXPECT_EQ(j[0]["file"], cands[0].file);
}

nlohmann::json provenance() {
  return {{"version", "tianyan 0.1.0 (test)"},
          {"config", {{"sift", {{"merge_bins", 1.1}, {"min_dm_hits", 2}}}}},
          {"inputs", {"a.fits", "b.fits"}}};
}

TEST(WriteCandidates, WritesBothFilesWithProvenanceAndNoTemporaries) {
  TempDir dir;
  const auto cands = sample();
  write_candidates(dir.path().string(), cands, provenance());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"candidates.csv", "candidates.json"}));

  EXPECT_EQ(read_text(dir.path() / "candidates.csv"), format_candidates_csv(cands));
  const auto doc = nlohmann::json::parse(read_text(dir.path() / "candidates.json"));
  ASSERT_TRUE(doc["candidates"].is_array());
  EXPECT_EQ(doc["candidates"].size(), cands.size());
  EXPECT_EQ(doc["candidates"], candidates_to_json(cands));
  EXPECT_EQ(doc["version"], "tianyan 0.1.0 (test)");
  EXPECT_EQ(doc["config"]["sift"]["min_dm_hits"], 2);
  EXPECT_EQ(doc["inputs"][1], "b.fits");

  // A second run replaces both files whole.
  write_candidates(dir.path().string(), {cands[1]}, nullptr);
  EXPECT_EQ(lines_of(read_text(dir.path() / "candidates.csv")).size(), 2u);
  const auto again = nlohmann::json::parse(read_text(dir.path() / "candidates.json"));
  EXPECT_EQ(again.size(), 1u);
  EXPECT_EQ(again["candidates"].size(), 1u);
}

void expect_environment_error(const std::string& dir) {
  try {
    write_candidates(dir, sample(), provenance());
    FAIL() << "writing into " << dir << " should fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Environment) << e.what();
    EXPECT_NE(std::string(e.what()).find("candidates."), std::string::npos) << e.what();
  }
}

TEST(WriteCandidates, UnusableDirectoryIsAnEnvironmentError) {
  TempDir dir;
  expect_environment_error(dir / "missing");
  write_bytes(dir.path() / "plain", "not a directory\n");
  expect_environment_error(dir / "plain");
  EXPECT_FALSE(fs::exists(dir.path() / "missing"));
}

TEST(WriteCandidates, ReadOnlyDirectoryIsAnEnvironmentErrorAndLeavesNothing) {
  TempDir dir;
  const fs::path ro = dir.path() / "ro";
  fs::create_directory(ro);
  ::chmod(ro.c_str(), 0555);
  if (::access(ro.c_str(), W_OK) == 0) {
    ::chmod(ro.c_str(), 0755);
    GTEST_SKIP() << "permissions do not bind this user (root)";
  }
  expect_environment_error(ro.string());
  ::chmod(ro.c_str(), 0755);
  EXPECT_TRUE(fs::is_empty(ro));
}

TEST(WriteCandidates, FailedRenameLeavesNoTemporaryFiles) {
  TempDir dir;
  // A directory in the way of candidates.json: written in full, it cannot be renamed there.
  fs::create_directories(dir.path() / "candidates.json" / "x");
  expect_environment_error(dir.path().string());
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(WriteCandidates, ProvenanceMustBeAnObject) {
  TempDir dir;
  EXPECT_THROW(write_candidates(dir.path().string(), sample(), nlohmann::json::array()), Error);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace tianyan::test
