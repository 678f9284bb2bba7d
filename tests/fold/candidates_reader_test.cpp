// io/candidates_reader.hpp: what io/candidates_writer.hpp writes reads back (to the printed
// precision), RFC 4180 quoting, and malformed files refused with their line.
#include "io/candidates_reader.hpp"

#include <gtest/gtest.h>

#include "io/candidates_writer.hpp"
#include "kernels/common/error.hpp"

namespace tianyan::test {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_candidates_csv(text, "c.csv");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    return e.what();
  }
  return "";
}

TEST(CandidatesReader, ReadsWhatTheWriterWrites) {
  std::vector<Candidate> in(2);
  in[0].freq_hz = 268.123456789012;
  in[0].dm = 71.25;
  in[0].accel_ms2 = -12.5;
  in[0].sigma = 14.2;
  in[0].snr = 20.5;
  in[0].nharm = 8;
  in[0].dm_hits = 12;
  in[0].epoch_mjd = 60000.123;
  in[0].scan = "odd, \"name\"";
  in[0].beam = 3;
  in[0].ra_deg = 83.6331;
  in[0].dec_deg = -22.0145;
  in[0].file = "/data/a,b.fits";
  in[1].freq_hz = 0.5;
  in[1].dm = 0;
  const auto out = parse_candidates_csv(format_candidates_csv(in), "c.csv");
  ASSERT_EQ(out.size(), 2u);
  const Candidate& c = out[0].candidate;
  EXPECT_EQ(out[0].rank, 1);
  EXPECT_EQ(out[0].line, 2);
  EXPECT_NEAR(c.freq_hz, in[0].freq_hz, 1e-9);
  EXPECT_DOUBLE_EQ(c.dm, 71.25);
  EXPECT_DOUBLE_EQ(c.accel_ms2, -12.5);
  EXPECT_NEAR(c.sigma, 14.2, 1e-9);
  EXPECT_EQ(c.nharm, 8);
  EXPECT_EQ(c.dm_hits, 12);
  EXPECT_NEAR(c.epoch_mjd, 60000.123, 1e-9);
  EXPECT_EQ(c.scan, in[0].scan);
  EXPECT_EQ(c.beam, 3);
  EXPECT_NEAR(c.ra_deg, 83.6331, 0.01 / 240.0 * 15);  // 0.01 s of time
  EXPECT_NEAR(c.dec_deg, -22.0145, 0.1 / 3600.0);
  EXPECT_EQ(c.file, in[0].file);
  EXPECT_EQ(out[1].rank, 2);
  EXPECT_DOUBLE_EQ(out[1].candidate.freq_hz, 0.5);
}

TEST(CandidatesReader, ColumnsByNameAndRowsByRank) {
  const auto out = parse_candidates_csv("dm,period_s,rank\r\n5,0.25,2\r\n\r\n6,0.5,1\r\n", "c");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rank, 1);
  EXPECT_EQ(out[0].line, 4);
  EXPECT_DOUBLE_EQ(out[0].candidate.freq_hz, 2.0);
  EXPECT_DOUBLE_EQ(out[1].candidate.dm, 5.0);
  EXPECT_EQ(out[1].candidate.nharm, 1);  // defaults for absent columns
}

TEST(CandidatesReader, RefusesMalformedFilesNamingTheLine) {
  EXPECT_NE(error_of("").find("c.csv: line 1: no header row"), std::string::npos);
  EXPECT_NE(error_of("freq_hz,dm\n1,2\n").find("line 1: no 'rank' column"), std::string::npos);
  EXPECT_NE(error_of("rank,rank,dm,freq_hz\n").find("column 'rank' appears twice"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n1,2,3\n2,x2,3\n").find("c.csv: line 3: freq_hz: 'x2'"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n1,2\n").find("line 2: 2 fields, the header has 3"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n0,2,3\n").find("line 2: rank: 0 is not an integer"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n1.5,2,3\n").find("rank: 1.5"), std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n1,-2,3\n").find("freq_hz: -2 is not positive"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n1,inf,3\n").find("not a finite number"), std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n1,,3\n").find("freq_hz and period_s: both empty"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm,ra\n1,2,3,25:00:00\n").find("ra: '25:00:00'"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm,scan\n1,2,3,a\"b\n").find("line 2: a quote inside"),
            std::string::npos);
  EXPECT_NE(error_of("rank,freq_hz,dm\n1,2,3\n1,2,3\n").find("line 3: rank 1 repeats line 2"),
            std::string::npos);
}

}  // namespace
}  // namespace tianyan::test
