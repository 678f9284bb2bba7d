// SIGPROC filterbank reader: real files written by other software, and bad inputs.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "io/sigproc/filterbank.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/sigproc_bytes.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;

std::string real(const std::string& rel) { return (test::real_data_dir() / rel).string(); }

std::vector<float> read_all(Reader& r) {
  std::vector<float> out(r.info().nsamples * r.info().nchan());
  EXPECT_EQ(r.read(0, r.info().nsamples, out.data()), r.info().nsamples);
  return out;
}

double sum(const float* p, size_t n) { return std::accumulate(p, p + n, 0.0); }

// File channel c of spectrum s (the MANIFEST's order: highest frequency first).
float file_chan(const std::vector<float>& d, size_t nchan, size_t s, size_t c) {
  return d[s * nchan + (nchan - 1 - c)];
}

void expect_first_spectrum(const std::vector<float>& d, size_t nchan,
                           const std::vector<float>& want) {
  for (size_t c = 0; c < want.size(); ++c) EXPECT_EQ(file_chan(d, nchan, 0, c), want[c]) << c;
}

double file_chan_mean(const std::vector<float>& d, size_t nchan, size_t c) {
  double s = 0;
  const size_t nsamp = d.size() / nchan;
  for (size_t t = 0; t < nsamp; ++t) s += file_chan(d, nchan, t, c);
  return s / static_cast<double>(nsamp);
}

TEST(FilterbankReal, Parkes8BitHeaderAndData) {
  TIANYAN_REQUIRE_REAL_DATA();
  const std::string path = real("sigpyproc3/parkes_8bit_1.fil");
  EXPECT_EQ(read_sigproc_header(path).header_bytes, 351u);
  auto r = open_filterbank({path});
  const ObservationInfo& info = r->info();
  EXPECT_EQ(info.format, "sigproc");
  EXPECT_EQ(info.telescope, "Parkes");
  EXPECT_EQ(info.source, "J0534+2200");
  ASSERT_EQ(info.nchan(), 832u);
  EXPECT_DOUBLE_EQ(info.tsamp_s, 5.12e-4);
  EXPECT_TRUE(info.file_descending);
  EXPECT_DOUBLE_EQ(info.freqs_mhz.back(), 4030.0);
  EXPECT_DOUBLE_EQ(info.freqs_mhz.front(), 4030.0 - 831 * 4.0);
  EXPECT_EQ(info.nsamples, 4096u);
  EXPECT_EQ(info.nsamples_stored, 4096u);
  EXPECT_DOUBLE_EQ(info.start_mjd, 58543.330387241345);
  EXPECT_EQ(info.nbits, 8);
  EXPECT_EQ(info.npol, 1);
  EXPECT_FALSE(std::isnan(info.ra_deg));
  const auto d = read_all(*r);
  expect_first_spectrum(d, 832, {113, 136, 142, 92, 146, 148, 129, 151});
  EXPECT_EQ(file_chan(d, 832, 0, 828), 126);
  EXPECT_EQ(file_chan(d, 832, 0, 829), 146);
  EXPECT_EQ(file_chan(d, 832, 0, 830), 135);
  EXPECT_EQ(file_chan(d, 832, 0, 831), 137);
  EXPECT_EQ(sum(d.data(), d.size()), 436194585.0);
  EXPECT_NEAR(file_chan_mean(d, 832, 0), 126.2266, 5e-5);
}

TEST(FilterbankReal, TwoParkesFilesAreOneStream) {
  TIANYAN_REQUIRE_REAL_DATA();
  auto r =
      open_filterbank({real("sigpyproc3/parkes_8bit_1.fil"), real("sigpyproc3/parkes_8bit_2.fil")});
  ASSERT_EQ(r->info().nsamples, 8192u);
  EXPECT_EQ(r->info().files.size(), 2u);
  const auto d = read_all(*r);
  const size_t half = 4096 * 832;
  EXPECT_EQ(sum(d.data(), half), 436194585.0);
  EXPECT_EQ(sum(d.data() + half, half), 436066490.0);
  const std::vector<float> second(d.begin() + static_cast<long>(half), d.end());
  expect_first_spectrum(second, 832, {125, 104, 130, 146, 110, 131, 127, 142});
  // A read straddling the file boundary gives the same samples as the full read.
  std::vector<float> part(300 * 832);
  ASSERT_EQ(r->read(4000, 300, part.data()), 300u);
  for (size_t i = 0; i < part.size(); ++i) ASSERT_EQ(part[i], d[4000 * 832 + i]) << i;
  // Reads are clipped at the end of the stream.
  ASSERT_EQ(r->read(8100, 300, part.data()), 92u);
  EXPECT_EQ(r->read(8192, 1, part.data()), 0u);
}

TEST(FilterbankReal, SubByteFilesUnpackLeastSignificantBitsFirst) {
  TIANYAN_REQUIRE_REAL_DATA();
  auto r4 = open_filterbank({real("sigpyproc3/parkes_4bit.fil")});
  const auto d4 = read_all(*r4);
  EXPECT_EQ(r4->info().nbits, 4);
  ASSERT_EQ(r4->info().nsamples, 4096u);
  expect_first_spectrum(d4, 832, {7, 8, 8, 5, 9, 9, 8, 9});
  EXPECT_EQ(file_chan(d4, 832, 0, 828), 7);
  EXPECT_EQ(file_chan(d4, 832, 0, 829), 9);
  EXPECT_EQ(file_chan(d4, 832, 0, 830), 8);
  EXPECT_EQ(file_chan(d4, 832, 0, 831), 8);
  EXPECT_EQ(sum(d4.data(), d4.size()), 25658391.0);
  EXPECT_NEAR(file_chan_mean(d4, 832, 0), 7.4233, 5e-5);

  auto r2 = open_filterbank({real("sigpyproc3/parkes_2bit.fil")});
  const auto d2 = read_all(*r2);
  expect_first_spectrum(d2, 832, {1, 2, 2, 0, 2, 2, 2, 3});
  EXPECT_EQ(sum(d2.data(), d2.size()), 5150964.0);

  auto r1 = open_filterbank({real("sigpyproc3/parkes_1bit.fil")});
  const auto d1 = read_all(*r1);
  expect_first_spectrum(d1, 832, {0, 1, 1, 0, 1, 1, 1, 1});
  EXPECT_EQ(sum(d1.data(), d1.size()), 1707422.0);
}

TEST(FilterbankReal, YourSmallFilWithUnusualKeys) {
  TIANYAN_REQUIRE_REAL_DATA();
  const std::string path = real("your/small.fil");
  const SigprocHeader h = read_sigproc_header(path);
  EXPECT_EQ(h.header_bytes, 389u);
  EXPECT_EQ(h.data_type, 0);
  EXPECT_EQ(h.nbeams, 1);
  auto r = open_filterbank({path});
  const ObservationInfo& info = r->info();
  ASSERT_EQ(info.nchan(), 336u);
  EXPECT_DOUBLE_EQ(info.tsamp_s, 1.26646875e-3);
  EXPECT_DOUBLE_EQ(info.freqs_mhz.back(), 1465.0);
  EXPECT_DOUBLE_EQ(info.freqs_mhz.front(), 1465.0 - 335);
  EXPECT_EQ(info.nsamples, 10u);
  EXPECT_EQ(info.source, "src1");
  const auto d = read_all(*r);
  expect_first_spectrum(d, 336, {165, 106, 109, 121, 180, 138, 125, 125});
  EXPECT_EQ(sum(d.data(), d.size()), 431861.0);
}

// ---- Synthetic bad inputs ----

using test::sigproc_num;
// Short names: these tests build many headers byte by byte.
std::string str(const std::string& s) { return test::sigproc_str(s); }
template <typename T>
std::string num(T v) { return sigproc_num(v); }

SigprocHeader small_header() {
  SigprocHeader h;
  h.telescope_id = 21;
  h.data_type = 1;
  h.nchans = 8;
  h.nbits = 8;
  h.nifs = 1;
  h.tsamp = 1e-3;
  h.tstart = 60000.0;
  h.fch1 = 1500.0;
  h.foff = -1.0;
  h.source_name = "test";
  return h;
}

std::string write_fil(const test::TempDir& dir, const std::string& name, const SigprocHeader& h,
                      size_t data_bytes) {
  const std::string path = dir / name;
  std::string data(data_bytes, '\0');
  for (size_t i = 0; i < data_bytes; ++i) data[i] = static_cast<char>(i % 251);
  test::write_bytes(path, serialise_sigproc_header(h) + data);
  return path;
}

void expect_bad(const std::vector<std::string>& files, const std::string& names,
                const std::string& needle) {
  try {
    open_filterbank(files);
    FAIL() << "no error; expected one containing '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << msg;
    EXPECT_EQ(msg.rfind(names + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(FilterbankBadInput, TruncatedHeader) {
  test::TempDir dir;
  const std::string full = serialise_sigproc_header(small_header());
  const std::string path = dir / "t.fil";
  test::write_bytes(path, full.substr(0, full.size() - 6));
  expect_bad({path}, path, "truncated header");
}

TEST(FilterbankBadInput, WrongMagic) {
  test::TempDir dir;
  const std::string path = dir / "m.fil";
  test::write_bytes(path, "SIMPLE  =                    T / FITS");
  expect_bad({path}, path, "not a SIGPROC file");
  test::write_bytes(path, "");
  expect_bad({path}, path, "not a SIGPROC file");
}

TEST(FilterbankBadInput, UnknownKeyAndBadStringLengths) {
  test::TempDir dir;
  const std::string path = dir / "k.fil";
  test::write_bytes(path, str("HEADER_START") + str("nchans") + num<int32_t>(8) + str("nchan") +
                              num<int32_t>(8) + str("HEADER_END"));
  expect_bad({path}, path, "unknown header key 'nchan'");
  test::write_bytes(path, str("HEADER_START") + num<int32_t>(-7) + "nchans");
  expect_bad({path}, path, "length -7");
  test::write_bytes(path, str("HEADER_START") + str("source_name") + num<int32_t>(1 << 30) + "x");
  expect_bad({path}, path, "out of range");
}

TEST(FilterbankBadInput, ChannelCounts) {
  test::TempDir dir;
  for (int32_t n : {0, -3}) {
    SigprocHeader h = small_header();
    h.nchans = n;
    const std::string path = write_fil(dir, "c.fil", h, 64);
    expect_bad({path}, path, fmt::format("nchans {} is out of range", n));
  }
  SigprocHeader h = small_header();
  h.nchans.reset();
  const std::string path = write_fil(dir, "c.fil", h, 64);
  expect_bad({path}, path, "nchans missing");
}

TEST(FilterbankBadInput, UnsupportedNbits) {
  test::TempDir dir;
  for (int32_t b : {0, 3, 12, 64}) {
    SigprocHeader h = small_header();
    h.nbits = b;
    const std::string path = write_fil(dir, "b.fil", h, 64);
    expect_bad({path}, path, fmt::format("nbits {} is not supported", b));
  }
}

TEST(FilterbankBadInput, BadTsamp) {
  test::TempDir dir;
  for (double t : {0.0, -1e-3, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity()}) {
    SigprocHeader h = small_header();
    h.tsamp = t;
    const std::string path = write_fil(dir, "t.fil", h, 64);
    expect_bad({path}, path, "tsamp");
  }
}

TEST(FilterbankBadInput, TimeSeriesIsPointedElsewhere) {
  test::TempDir dir;
  SigprocHeader h = small_header();
  h.data_type = 2;
  const std::string path = write_fil(dir, "ts.fil", h, 64);
  expect_bad({path}, path, "is a time series (data_type 2)");
}

TEST(FilterbankBadInput, MissingPathAndDirectory) {
  test::TempDir dir;
  const std::string missing = dir / "nope.fil";
  expect_bad({missing}, missing, "cannot open");
  expect_bad({dir.path().string()}, dir.path().string(), "is a directory");
}

TEST(FilterbankBadInput, ZeroSamplesIsAnEmptyObservation) {
  test::TempDir dir;
  const std::string path = write_fil(dir, "empty.fil", small_header(), 0);
  auto r = open_filterbank({path});
  EXPECT_EQ(r->info().nsamples, 0u);
  float x = -1;
  EXPECT_EQ(r->read(0, 10, &x), 0u);
  EXPECT_EQ(x, -1);
}

TEST(FilterbankBadInput, TrailingPartialSpectrumIsIgnored) {
  test::TempDir dir;
  const std::string path = write_fil(dir, "p.fil", small_header(), 8 * 5 + 3);
  auto r = open_filterbank({path});
  EXPECT_EQ(r->info().nsamples, 5u);
}

TEST(FilterbankBadInput, FilesNotContiguous) {
  test::TempDir dir;
  SigprocHeader h = small_header();
  const std::string a = write_fil(dir, "a.fil", h, 8 * 100);
  h.tstart = 60000.0 + 101 * 1e-3 / 86400.0;  // one sample late
  const std::string b = write_fil(dir, "b.fil", h, 8 * 100);
  expect_bad({a, b}, b, "not contiguous with " + a + ": expected tstart");
  h.tstart = 60000.0 + 100.4 * 1e-3 / 86400.0;  // within half a sample: accepted
  const std::string c = write_fil(dir, "c.fil", h, 8 * 100);
  EXPECT_EQ(open_filterbank({a, c})->info().nsamples, 200u);
  h.tstart = 60000.0 + 100 * 1e-3 / 86400.0;
  h.nchans = 16;
  const std::string d = write_fil(dir, "d.fil", h, 16 * 100);
  expect_bad({a, d}, d, "differ from");
  h.nchans = 8;
  h.foff = -2.0;
  const std::string e = write_fil(dir, "e.fil", h, 8 * 100);
  expect_bad({a, e}, e, "channel frequencies");
}

TEST(FilterbankBadInput, FileTruncatedAfterOpening) {
  test::TempDir dir;
  const std::string path = write_fil(dir, "shrink.fil", small_header(), 8 * 1000);
  auto r = open_filterbank({path});
  fs::resize_file(path, fs::file_size(path) - 8 * 500);
  std::vector<float> out(1000 * 8);
  EXPECT_EQ(r->read(0, 100, out.data()), 100u);
  try {
    r->read(0, 1000, out.data());
    FAIL() << "no error after truncation";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

TEST(FilterbankBadInput, MutatedFilesNeverCrash) {
  // Header values the parser accepts but the reader must vet (huge nchans, odd nbits, NaNs):
  // every mutation ends in BadInput or in a file that reads completely.
  test::TempDir dir;
  SigprocHeader h = small_header();
  h.nifs = 2;
  h.nbits = 4;
  const std::string good = serialise_sigproc_header(h) + std::string(8 * 64, '\x5a');
  const std::string path = dir / "f.fil";
  std::mt19937 rng(4242);
  std::vector<float> out;
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::err);  // mutations trigger expected warnings by the hundred
  for (int trial = 0; trial < 500; ++trial) {
    std::string b = good;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng() & 0xff);
    test::write_bytes(path, b);
    try {
      auto r = open_filterbank({path});
      out.resize(r->info().nsamples * r->info().nchan());
      ASSERT_EQ(r->read(0, r->info().nsamples, out.data()), r->info().nsamples);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
    }
  }
  spdlog::set_level(level);
}

}  // namespace
}  // namespace tianyan
