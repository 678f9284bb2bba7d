// SIGPROC .tim round trips and the time-series dispatch by file name.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/sigproc/filterbank.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "io/timeseries_io.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;

TimeSeries sample_series(size_t n) {
  TimeSeries ts;
  std::mt19937 rng(99);
  std::normal_distribution<float> g(0.0f, 3.0f);
  ts.data.resize(n);
  for (auto& x : ts.data) x = g(rng);
  ts.tsamp_s = 4.9152e-5;
  ts.start_mjd = 60300.5;
  ts.dm = 71.02;
  ts.freq_lo_mhz = 1000.0;
  ts.bandwidth_mhz = 512.0;
  ts.nchan = 4096;
  ts.source = "J2000+3000";
  ts.telescope = "FAST";
  ts.ra_deg = 300.25;
  ts.dec_deg = -30.5;
  ts.origin_files = {"/data/scan-M01_0001.fits", "/data/scan-M01_0002.fits"};
  return ts;
}

void expect_bad(const std::string& path, const std::string& needle) {
  try {
    read_timeseries(path);
    FAIL() << "no error; expected '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << msg;
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

TEST(TimFile, RoundTrip) {
  test::TempDir dir;
  const std::string path = dir / "s.tim";
  const TimeSeries ts = sample_series(5001);
  write_sigproc_tim(path, ts);
  const TimeSeries r = read_sigproc_tim(path);
  EXPECT_EQ(r.data, ts.data);
  EXPECT_DOUBLE_EQ(r.tsamp_s, ts.tsamp_s);
  EXPECT_DOUBLE_EQ(r.start_mjd, ts.start_mjd);
  EXPECT_DOUBLE_EQ(r.dm, ts.dm);
  EXPECT_EQ(r.source, ts.source);
  EXPECT_EQ(r.telescope, "FAST");
  EXPECT_NEAR(r.ra_deg, ts.ra_deg, 1e-9);
  EXPECT_NEAR(r.dec_deg, ts.dec_deg, 1e-9);
  EXPECT_EQ(r.origin_files, std::vector<std::string>{"scan-M01_0001.fits"});
  // Documented convention: fch1 = centre of the top channel, read back as a single channel.
  const double chan_bw = 512.0 / 4096;
  EXPECT_DOUBLE_EQ(r.freq_lo_mhz, 1512.0 - chan_bw);
  EXPECT_DOUBLE_EQ(r.bandwidth_mhz, chan_bw);
  EXPECT_EQ(r.nchan, 1);
}

TEST(TimFile, HeaderIsSigprocTimeSeries) {
  test::TempDir dir;
  const std::string path = dir / "h.tim";
  write_sigproc_tim(path, sample_series(10));
  const SigprocHeader h = read_sigproc_header(path);
  EXPECT_EQ(h.data_type, 2);
  EXPECT_EQ(h.nchans, 1);
  EXPECT_EQ(h.nbits, 32);
  EXPECT_EQ(h.nifs, 1);
  EXPECT_DOUBLE_EQ(*h.refdm, 71.02);
  EXPECT_EQ(h.telescope_id, 21);
  EXPECT_EQ(fs::file_size(path), h.header_bytes + 10 * 4);
  // A filterbank reader refuses it, pointing to time-series reading.
  try {
    open_filterbank({path});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("time series"), std::string::npos) << e.what();
  }
}

TEST(TimFile, EmptySeries) {
  test::TempDir dir;
  TimeSeries ts = sample_series(0);
  write_sigproc_tim(dir / "e.tim", ts);
  EXPECT_TRUE(read_sigproc_tim(dir / "e.tim").data.empty());
}

TEST(TimFile, BadInputs) {
  test::TempDir dir;
  // A filterbank named .tim.
  ObservationInfo h;
  h.nbits = 8;
  h.tsamp_s = 1e-3;
  h.freqs_mhz = {1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007};
  make_filterbank_writer(dir / "fb.tim", h)->finish();
  expect_bad(dir / "fb.tim", "data_type 1 is not a time series");
  // A .tim with 8-bit samples.
  SigprocHeader s;
  s.data_type = 2;
  s.nbits = 8;
  s.nchans = 1;
  s.tsamp = 1e-3;
  test::write_bytes(dir / "b.tim", serialise_sigproc_header(s) + "abcd");
  expect_bad(dir / "b.tim", "nbits 8 is not supported");
  s.nbits = 32;
  s.tsamp = -1;
  test::write_bytes(dir / "t.tim", serialise_sigproc_header(s) + "abcd");
  expect_bad(dir / "t.tim", "tsamp");
  test::write_bytes(dir / "g.tim", "garbage");
  expect_bad(dir / "g.tim", "not a SIGPROC file");
  expect_bad(dir / "missing.tim", "cannot open");
  TimeSeries bad = sample_series(4);
  bad.tsamp_s = 0;
  EXPECT_THROW(write_sigproc_tim(dir / "z.tim", bad), Error);
  EXPECT_FALSE(fs::exists(dir / "z.tim"));
}

TEST(TimeSeriesIo, DispatchByExtension) {
  test::TempDir dir;
  const TimeSeries ts = sample_series(64);
  write_sigproc_tim(dir / "a.tim", ts);
  write_presto_timeseries(dir / "b.dat", ts);
  EXPECT_EQ(read_timeseries(dir / "a.tim").data, ts.data);
  EXPECT_EQ(read_timeseries(dir / "b.dat").data, ts.data);
  EXPECT_EQ(read_timeseries(dir / "b.inf").data, ts.data);
  EXPECT_DOUBLE_EQ(read_timeseries(dir / "b.inf").dm, ts.dm);
  expect_bad(dir / "b.fil", "not a time series");
}

TEST(TimeSeriesIo, LooksLikeTimeSeries) {
  EXPECT_TRUE(looks_like_timeseries("x/y/a.tim"));
  EXPECT_TRUE(looks_like_timeseries("a_DM10.00.dat"));
  EXPECT_TRUE(looks_like_timeseries("a.inf"));
  EXPECT_TRUE(looks_like_timeseries("A.TIM"));
  EXPECT_FALSE(looks_like_timeseries("a.fil"));
  EXPECT_FALSE(looks_like_timeseries("a.fits"));
  EXPECT_FALSE(looks_like_timeseries("tim"));
}

}  // namespace
}  // namespace tianyan
