// PRESTO .inf parsing/writing and .dat + .inf time series.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/presto/inf.hpp"
#include "io/timeseries_io.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;

// Written by hand in PRESTO's layout (as prepdata writes it), with the older key spellings
// "(1=yes, 0=no)" and "(Mhz)" and a notes block.
const char* const kHandInf =
    " Data file name without suffix          =  J0534+2200_DM56.70\n"
    " Telescope used                         =  FAST\n"
    " Instrument used                        =  ROACH2\n"
    " Object being observed                  =  J0534+2200\n"
    " J2000 Right Ascension (hh:mm:ss.ssss)  =  05:34:31.9380\n"
    " J2000 Declination     (dd:mm:ss.ssss)  =  -22:00:52.1760\n"
    " Data observed by                       =  FAST\n"
    " Epoch of observation (MJD)             =  59000.123456789012345\n"
    " Barycentered?           (1=yes, 0=no)  =  1\n"
    " Number of bins in the time series      =  4096       \n"
    " Width of each time series bin (sec)    =  4.9152e-05\n"
    " Any breaks in the data? (1=yes, 0=no)  =  0\n"
    " Type of observation (EM band)          =  Radio\n"
    " Beam diameter (arcsec)                 =  180\n"
    " Dispersion measure (cm-3 pc)           =  56.7\n"
    " Central freq of low channel (Mhz)      =  1000.06103515625\n"
    " Total bandwidth (Mhz)                  =  500\n"
    " Number of channels                     =  4096\n"
    " Channel bandwidth (Mhz)                =  0.1220703125\n"
    " Data analyzed by                       =  someone\n"
    " Any additional notes:\n"
    "    Input filterbank samples have 8 bits.\n"
    "\n";

TEST(PrestoInf, HandWrittenInfParses) {
  const PrestoInf inf = parse_presto_inf(kHandInf, "hand.inf");
  EXPECT_EQ(inf.basename, "J0534+2200_DM56.70");
  EXPECT_EQ(inf.telescope, "FAST");
  EXPECT_EQ(inf.instrument, "ROACH2");
  EXPECT_EQ(inf.object, "J0534+2200");
  EXPECT_NEAR(inf.ra_deg, 15.0 * (5 + 34 / 60.0 + 31.938 / 3600.0), 1e-12);
  EXPECT_NEAR(inf.dec_deg, -(22 + 52.176 / 3600.0), 1e-12);
  EXPECT_DOUBLE_EQ(inf.mjd, 59000.123456789012345);
  EXPECT_EQ(inf.barycentred, 1);
  EXPECT_EQ(inf.nbins, 4096u);
  EXPECT_DOUBLE_EQ(inf.dt_s, 4.9152e-05);
  EXPECT_FALSE(inf.breaks);
  EXPECT_EQ(inf.band, "Radio");
  EXPECT_DOUBLE_EQ(inf.beam_arcsec, 180);
  EXPECT_DOUBLE_EQ(inf.dm, 56.7);
  EXPECT_DOUBLE_EQ(inf.freq_lo_mhz, 1000.06103515625);
  EXPECT_DOUBLE_EQ(inf.bandwidth_mhz, 500);
  EXPECT_EQ(inf.nchan, 4096);
  EXPECT_DOUBLE_EQ(inf.chan_bw_mhz, 0.1220703125);
  EXPECT_EQ(inf.analyzer, "someone");
  EXPECT_EQ(inf.notes, "Input filterbank samples have 8 bits.");
}

TEST(PrestoInf, LenientOnWhitespaceAndBreaks) {
  const std::string text =
      "Data file name without suffix = x\n"
      "\tTelescope used=Parkes\n"
      "Number of bins in the time series=100\n"
      "Width of each time series bin (sec)   =   1e-3   \n"
      "Any breaks in the data? (1 yes, 0 no) = 1\n"
      " On/Off bin pair #  1                   =  0          , 49         \n"
      " On/Off bin pair #  2                   =  60         , 99         \n";
  const PrestoInf inf = parse_presto_inf(text, "w.inf");
  EXPECT_EQ(inf.telescope, "Parkes");
  EXPECT_EQ(inf.nbins, 100u);
  EXPECT_DOUBLE_EQ(inf.dt_s, 1e-3);
  EXPECT_TRUE(inf.breaks);
  ASSERT_EQ(inf.onoff.size(), 2u);
  EXPECT_EQ(inf.onoff[1].first, 60);
  EXPECT_EQ(inf.onoff[1].second, 99);
}

void expect_bad_inf(const std::string& text, const std::string& needle) {
  try {
    parse_presto_inf(text, "bad.inf");
    FAIL() << "no error; expected '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << msg;
    EXPECT_EQ(msg.rfind("bad.inf: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(PrestoInf, StrictOnNumbers) {
  std::string text = kHandInf;
  const std::string good = "=  4.9152e-05";
  text.replace(text.find(good), good.size(), "=  fast");
  expect_bad_inf(text, "line 11: 'fast' is not a number");
  expect_bad_inf("Number of bins in the time series = 12abc\n", "line 1: '12abc'");
  expect_bad_inf("Number of bins in the time series = -4\n", "is not a count");
  expect_bad_inf(
      "Number of bins in the time series = 10\n"
      "Width of each time series bin (sec) = 0\n",
      "must be positive");
  expect_bad_inf("Number of bins in the time series = 10\n", "no 'Width of each time series bin");
  expect_bad_inf("Width of each time series bin (sec) = 1\n", "no 'Number of bins");
  expect_bad_inf("J2000 Right Ascension (hh:mm:ss.ssss) = 05:34\n", "not a sexagesimal");
  expect_bad_inf("just some text\n", "line 1 has no '='");
  expect_bad_inf("", "no 'Number of bins");
}

TEST(PrestoInf, RandomTextNeverCrashes) {
  std::mt19937 rng(777);
  const std::string good = kHandInf;
  for (int trial = 0; trial < 5000; ++trial) {
    std::string t = good;
    for (int k = 0; k < 3; ++k) t[rng() % t.size()] = static_cast<char>(rng() & 0xff);
    t.resize(rng() % (t.size() + 1));
    try {
      parse_presto_inf(t, "r.inf");
    } catch (const Error& e) {
      ASSERT_EQ(e.kind(), ErrorKind::BadInput);
    }
  }
}

TEST(PrestoInf, FormatUsesPrestoColumns) {
  const PrestoInf inf = parse_presto_inf(kHandInf, "hand.inf");
  const std::string text = format_presto_inf(inf);
  size_t start = 0;
  int lines = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    const std::string line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.find("notes") != std::string::npos) break;
    ASSERT_GT(line.size(), 43u) << line;
    EXPECT_EQ(line[0], ' ') << line;
    EXPECT_EQ(line[40], '=') << line;  // PRESTO's readinf looks for '=' at column 40
    EXPECT_EQ(line.substr(41, 2), "  ") << line;
    ++lines;
  }
  EXPECT_EQ(lines, 20);
  EXPECT_NE(text.find(" J2000 Declination     (dd:mm:ss.ssss)  =  -22:00:52.1760\n"),
            std::string::npos);
  EXPECT_NE(text.find(" J2000 Right Ascension (hh:mm:ss.ssss)  =  05:34:31.9380\n"),
            std::string::npos);
  EXPECT_NE(text.find(" Any additional notes:\n    Input filterbank"), std::string::npos);
  const PrestoInf back = parse_presto_inf(text, "again.inf");
  EXPECT_EQ(back.nbins, inf.nbins);
  EXPECT_DOUBLE_EQ(back.dt_s, inf.dt_s);
  EXPECT_NEAR(back.mjd, inf.mjd, 1e-11);
  EXPECT_NEAR(back.ra_deg, inf.ra_deg, 1e-8);
  EXPECT_NEAR(back.dec_deg, inf.dec_deg, 1e-8);
  EXPECT_DOUBLE_EQ(back.dm, inf.dm);
  EXPECT_DOUBLE_EQ(back.freq_lo_mhz, inf.freq_lo_mhz);
  EXPECT_EQ(back.notes, inf.notes);
}

TimeSeries sample_series(size_t n) {
  TimeSeries ts;
  std::mt19937 rng(42);
  std::normal_distribution<float> g(0.0f, 1.0f);
  ts.data.resize(n);
  for (auto& x : ts.data) x = g(rng);
  ts.tsamp_s = 9.8304e-5;
  ts.start_mjd = 60001.987654321;
  ts.dm = 123.45;
  ts.freq_lo_mhz = 1000.06103515625;
  ts.bandwidth_mhz = 500;
  ts.nchan = 4096;
  ts.source = "J1900+0100";
  ts.telescope = "FAST";
  ts.ra_deg = 285.125;
  ts.dec_deg = 1.0125;
  ts.origin_files = {"a.fits"};
  return ts;
}

TEST(PrestoTimeSeries, DatInfRoundTrip) {
  test::TempDir dir;
  const TimeSeries ts = sample_series(10007);
  write_presto_timeseries(dir / "series.dat", ts);
  EXPECT_TRUE(fs::exists(dir / "series.inf"));
  EXPECT_EQ(fs::file_size(dir / "series.dat"), 10007u * 4);
  for (const std::string name : {"series.dat", "series.inf"}) {
    const TimeSeries r = read_presto_timeseries(dir / name);
    EXPECT_EQ(r.data, ts.data);
    EXPECT_DOUBLE_EQ(r.tsamp_s, ts.tsamp_s);
    EXPECT_NEAR(r.start_mjd, ts.start_mjd, 1e-12);
    EXPECT_DOUBLE_EQ(r.dm, ts.dm);
    EXPECT_DOUBLE_EQ(r.freq_lo_mhz, ts.freq_lo_mhz);
    EXPECT_DOUBLE_EQ(r.bandwidth_mhz, ts.bandwidth_mhz);
    EXPECT_EQ(r.nchan, ts.nchan);
    EXPECT_EQ(r.source, ts.source);
    EXPECT_EQ(r.telescope, ts.telescope);
    EXPECT_NEAR(r.ra_deg, ts.ra_deg, 1e-6);
    EXPECT_NEAR(r.dec_deg, ts.dec_deg, 1e-6);
  }
  const PrestoInf inf = read_presto_inf(dir / "series.inf");
  EXPECT_EQ(inf.basename, "series");
  EXPECT_EQ(inf.analyzer, "tianyan");
}

TEST(PrestoTimeSeries, DatSizeMismatchUsesTheSmaller) {
  test::TempDir dir;
  write_presto_timeseries(dir / "s.dat", sample_series(100));
  fs::resize_file(dir / "s.dat", 60 * 4 + 2);  // cut short, mid-float
  EXPECT_EQ(read_presto_timeseries(dir / "s.dat").data.size(), 60u);
  fs::resize_file(dir / "s.dat", 150 * 4);  // longer than the .inf says
  EXPECT_EQ(read_presto_timeseries(dir / "s.dat").data.size(), 100u);
}

TEST(PrestoTimeSeries, MissingFilesAreBadInput) {
  test::TempDir dir;
  try {
    read_presto_timeseries(dir / "none.dat");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("none.inf"), std::string::npos) << e.what();
  }
  write_presto_timeseries(dir / "only.dat", sample_series(10));
  fs::remove(dir / "only.dat");
  try {
    read_presto_timeseries(dir / "only.inf");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("only.dat: cannot open"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tianyan
