// SIGPROC header parsing and serialisation: key table, round trip, malformed headers.
#include "io/sigproc/sigproc_header.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "kernels/common/error.hpp"
#include "tests/common/sigproc_bytes.hpp"

namespace tianyan {
namespace {

// Raw header building blocks, for headers our own serialiser would never write.
using test::sigproc_num;
// Short names: these tests build many headers byte by byte.
std::string str(const std::string& s) { return test::sigproc_str(s); }
template <typename T>
std::string num(T v) { return sigproc_num(v); }

SigprocHeader parse(const std::string& bytes) {
  return parse_sigproc_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                              "test.fil");
}

// Expects a BadInput whose one-line message names the file and contains `needle`.
void expect_bad(const std::string& bytes, const std::string& needle) {
  try {
    parse(bytes);
    FAIL() << "no error; expected one containing '" << needle << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << msg;
    EXPECT_EQ(msg.rfind("test.fil: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

SigprocHeader full_header() {
  SigprocHeader h;
  h.telescope_id = 21;
  h.machine_id = 3;
  h.data_type = 1;
  h.barycentric = 0;
  h.pulsarcentric = 1;
  h.nbits = 8;
  h.nsamples = 100;
  h.nchans = 4;
  h.nifs = 2;
  h.nbeams = 19;
  h.ibeam = 7;
  h.nbins = 64;
  h.az_start = 12.5;
  h.za_start = 20.25;
  h.src_raj = 53431.5;
  h.src_dej = -220052.1;
  h.tstart = 60000.123456789;
  h.tsamp = 4.9152e-5;
  h.fch1 = 1500.0;
  h.foff = -0.1220703125;
  h.refdm = 56.7;
  h.period = 0.0331;
  h.rawdatafile = "raw.fits";
  h.source_name = "J0534+2200";
  h.npuls = 1234567890123LL;
  h.is_signed = 1;
  h.fchannels = {1500.0, 1499.9, 1499.8, 1499.7};
  return h;
}

TEST(SigprocHeader, KeyTableTypes) {
  EXPECT_EQ(sigproc_key_type("nchans"), SigprocType::Int32);
  EXPECT_EQ(sigproc_key_type("ibeam"), SigprocType::Int32);
  EXPECT_EQ(sigproc_key_type("tsamp"), SigprocType::Double);
  EXPECT_EQ(sigproc_key_type("src_dej"), SigprocType::Double);
  EXPECT_EQ(sigproc_key_type("fchannel"), SigprocType::Double);
  EXPECT_EQ(sigproc_key_type("source_name"), SigprocType::String);
  EXPECT_EQ(sigproc_key_type("npuls"), SigprocType::Int64);
  EXPECT_EQ(sigproc_key_type("signed"), SigprocType::Byte);
  EXPECT_FALSE(sigproc_key_type("nchan").has_value());
  EXPECT_FALSE(sigproc_key_type("HEADER_END").has_value());
}

TEST(SigprocHeader, SerialiseParseRoundTripsEveryKey) {
  const SigprocHeader h = full_header();
  const std::string bytes = serialise_sigproc_header(h) + "DATA";
  const SigprocHeader r = parse(bytes);
  EXPECT_EQ(r.header_bytes, bytes.size() - 4);
  EXPECT_EQ(r.telescope_id, h.telescope_id);
  EXPECT_EQ(r.machine_id, h.machine_id);
  EXPECT_EQ(r.pulsarcentric, h.pulsarcentric);
  EXPECT_EQ(r.nsamples, h.nsamples);
  EXPECT_EQ(r.nbeams, h.nbeams);
  EXPECT_EQ(r.ibeam, h.ibeam);
  EXPECT_EQ(r.nbins, h.nbins);
  EXPECT_EQ(r.az_start, h.az_start);
  EXPECT_EQ(r.za_start, h.za_start);
  EXPECT_EQ(r.src_raj, h.src_raj);
  EXPECT_EQ(r.src_dej, h.src_dej);
  EXPECT_EQ(r.tstart, h.tstart);
  EXPECT_EQ(r.tsamp, h.tsamp);
  EXPECT_EQ(r.fch1, h.fch1);
  EXPECT_EQ(r.foff, h.foff);
  EXPECT_EQ(r.refdm, h.refdm);
  EXPECT_EQ(r.period, h.period);
  EXPECT_EQ(r.rawdatafile, h.rawdatafile);
  EXPECT_EQ(r.source_name, h.source_name);
  EXPECT_EQ(r.npuls, h.npuls);
  EXPECT_EQ(r.is_signed, h.is_signed);
  EXPECT_EQ(r.fchannels, h.fchannels);
  // Serialising the parsed header gives the same bytes.
  EXPECT_EQ(serialise_sigproc_header(r), bytes.substr(0, bytes.size() - 4));
}

TEST(SigprocHeader, AbsentKeysStayEmpty) {
  const SigprocHeader r =
      parse(str("HEADER_START") + str("nchans") + num<int32_t>(8) + str("HEADER_END"));
  EXPECT_EQ(r.nchans, 8);
  EXPECT_FALSE(r.nifs.has_value());
  EXPECT_FALSE(r.src_raj.has_value());
  EXPECT_FALSE(r.source_name.has_value());
}

TEST(SigprocHeader, WrongMagicIsRefused) {
  expect_bad("SIMPLE  =                    T", "not a SIGPROC file");
  expect_bad(str("HEADER_STARX") + str("HEADER_END"), "not a SIGPROC file");
  expect_bad("", "not a SIGPROC file");
  expect_bad(std::string("\x0c\x00", 2), "not a SIGPROC file");
}

TEST(SigprocHeader, TruncatedHeaderIsRefused) {
  const std::string good = serialise_sigproc_header(full_header());
  // Every proper prefix that still has the magic is a truncated header, never a crash.
  for (size_t n = 16; n < good.size(); ++n) expect_bad(good.substr(0, n), "truncated header");
}

TEST(SigprocHeader, UnknownKeyIsNamed) {
  expect_bad(str("HEADER_START") + str("nchans") + num<int32_t>(8) + str("frobnicate") +
                 num<int32_t>(1) + str("HEADER_END"),
             "unknown header key 'frobnicate'");
  expect_bad(str("HEADER_START") + str(std::string("a\x01", 2)) + str("HEADER_END"),
             "unknown header key 'a\\x01'");
}

TEST(SigprocHeader, BadStringLengthsAreRefused) {
  expect_bad(str("HEADER_START") + num<int32_t>(-5) + "xxxxxxxx", "length -5");
  expect_bad(str("HEADER_START") + num<int32_t>(2000000000) + "xxxx", "length 2000000000");
  expect_bad(str("HEADER_START") + str("source_name") + num<int32_t>(-1) + str("HEADER_END"),
             "string value length -1");
  expect_bad(str("HEADER_START") + str("source_name") + num<int32_t>(1 << 30) + "abc",
             "out of range");
}

TEST(SigprocHeader, FchannelOutsideTableIsRefused) {
  expect_bad(str("HEADER_START") + str("fchannel") + num<double>(1.0) + str("HEADER_END"),
             "outside FREQUENCY_START");
}

TEST(SigprocHeader, RandomBytesNeverCrash) {
  // A cheap stand-in for the fuzzer: mutated real headers must give BadInput or parse.
  std::mt19937 rng(12345);
  const std::string good = serialise_sigproc_header(full_header());
  for (int trial = 0; trial < 20000; ++trial) {
    std::string b = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<char>(rng() & 0xff);
    b.resize(rng() % (b.size() + 1));
    try {
      parse(b);
    } catch (const Error& e) {
      ASSERT_EQ(e.kind(), ErrorKind::BadInput);
    }
  }
}

TEST(SigprocHeader, SexagesimalConversions) {
  // 05:34:31.5, +22:00:52.1 (the Crab).
  EXPECT_NEAR(sigproc_ra_to_deg(53431.5), 15.0 * (5 + 34 / 60.0 + 31.5 / 3600.0), 1e-12);
  EXPECT_NEAR(sigproc_dec_to_deg(220052.1), 22 + 0 / 60.0 + 52.1 / 3600.0, 1e-12);
  EXPECT_NEAR(sigproc_dec_to_deg(-220052.1), -(22 + 52.1 / 3600.0), 1e-12);
  EXPECT_NEAR(sigproc_dec_to_deg(-3000.0), -0.5, 1e-12);  // -00:30:00
  for (double deg : {0.0, 83.63308, 359.9999999, 123.456789}) {
    EXPECT_NEAR(sigproc_ra_to_deg(deg_to_sigproc_ra(deg)), deg, 1e-9) << deg;
  }
  for (double deg : {0.0, 22.0144722, -0.5, -89.999999, 45.25}) {
    EXPECT_NEAR(sigproc_dec_to_deg(deg_to_sigproc_dec(deg)), deg, 1e-9) << deg;
  }
}

TEST(SigprocHeader, TelescopeNames) {
  EXPECT_EQ(sigproc_telescope_name(21), "FAST");
  EXPECT_EQ(sigproc_telescope_name(4), "Parkes");
  EXPECT_EQ(sigproc_telescope_name(6), "GBT");
  EXPECT_EQ(sigproc_telescope_name(0), "fake");
  EXPECT_EQ(sigproc_telescope_name(99), "id 99");
  EXPECT_EQ(sigproc_telescope_id("FAST"), 21);
  EXPECT_EQ(sigproc_telescope_id("fast"), 21);
  EXPECT_EQ(sigproc_telescope_id("Effelsberg"), 8);
  EXPECT_EQ(sigproc_telescope_id("id 99"), 99);
  EXPECT_EQ(sigproc_telescope_id("Nowhere"), -1);
}

}  // namespace
}  // namespace tianyan
