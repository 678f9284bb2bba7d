// SIGPROC filterbank writer -> reader round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io/sigproc/filterbank.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "kernels/common/constants.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;

ObservationInfo make_header(size_t nchan, int nbits, int npol) {
  ObservationInfo h;
  h.source = "J1234+5678";
  h.telescope = "FAST";
  h.ra_deg = 188.6234567;
  h.dec_deg = -56.789012;
  h.start_mjd = 60123.456789012345;
  h.tsamp_s = 4.9152e-5;
  h.beam = 7;
  h.nbits = nbits;
  h.npol = npol;
  for (size_t c = 0; c < nchan; ++c) h.freqs_mhz.push_back(1000.0 + 0.5 * static_cast<double>(c));
  return h;
}

// Random data in each format's range, laid out [nsamp][npol][nchan].
std::vector<float> random_block(size_t n, int nbits, bool is_signed, std::mt19937& rng) {
  std::vector<float> v(n);
  if (nbits == 32) {
    std::normal_distribution<float> g(0.0f, 10.0f);
    for (auto& x : v) x = g(rng);
  } else {
    const int lo = is_signed ? -128 : 0;
    const int hi = is_signed ? 127 : (1 << nbits) - 1;
    std::uniform_int_distribution<int> u(lo, hi);
    for (auto& x : v) x = static_cast<float>(u(rng));
  }
  return v;
}

struct Case {
  int nbits;
  int npol;
  bool descending;
  bool is_signed;
  size_t nchan = 64;
};

void round_trip(const Case& k) {
  SCOPED_TRACE(fmt::format("nbits {} npol {} descending {} signed {} nchan {}", k.nbits, k.npol,
                           k.descending, k.is_signed, k.nchan));
  test::TempDir dir;
  const std::string path = dir / "rt.fil";
  const size_t nchan = k.nchan;
  const ObservationInfo h = make_header(nchan, k.nbits, k.npol);
  std::mt19937 rng(20240601);
  const size_t nsamp = 1000;
  const size_t stride = nchan * static_cast<size_t>(k.npol);
  const std::vector<float> data = random_block(nsamp * stride, k.nbits, k.is_signed, rng);
  FilterbankWriteOptions opt;
  opt.descending = k.descending;
  opt.signed_8bit = k.is_signed;
  auto w = make_filterbank_writer(path, h, opt);
  // Uneven blocks, so that streaming and block boundaries are exercised.
  size_t done = 0;
  for (size_t n : {1u, 333u, 666u}) {
    w->write(data.data() + done * stride, n);
    done += n;
  }
  EXPECT_FALSE(fs::exists(path)) << "visible before finish()";
  w->finish();
  ASSERT_EQ(w->files(), std::vector<std::string>{path});

  auto r = open_filterbank({path});
  const ObservationInfo& info = r->info();
  ASSERT_EQ(info.nsamples, nsamp);
  ASSERT_EQ(info.nchan(), nchan);
  EXPECT_EQ(info.nbits, k.nbits);
  EXPECT_EQ(info.npol, k.npol);
  EXPECT_EQ(info.file_descending, k.descending);
  std::vector<float> out(nsamp * nchan);
  ASSERT_EQ(r->read(0, nsamp, out.data()), nsamp);
  for (size_t s = 0; s < nsamp; ++s) {
    for (size_t c = 0; c < nchan; ++c) {
      float want = data[s * stride + c];
      if (k.npol >= 2) want += data[s * stride + nchan + c];  // IF0 + IF1
      ASSERT_EQ(out[s * nchan + c], want) << "sample " << s << " channel " << c;
    }
  }
}

TEST(FilterbankRoundTrip, AllFormats) {
  for (int nbits : {1, 2, 4, 8, 16, 32}) {
    for (int npol : {1, 2}) {
      for (bool desc : {false, true}) round_trip({nbits, npol, desc, false});
    }
  }
}

TEST(FilterbankRoundTrip, SecondIfStartsInsideAByte) {
  // 4 one-bit channels x 2 IFs: IF 1 sits in the high half of each byte.
  round_trip({1, 2, true, false, 4});
  round_trip({1, 2, false, false, 4});
  round_trip({2, 2, true, false, 2});
}

TEST(FilterbankRoundTrip, Signed8Bit) {
  round_trip({8, 1, true, true});
  round_trip({8, 2, false, true});
}

TEST(FilterbankRoundTrip, HeaderFields) {
  test::TempDir dir;
  const std::string path = dir / "h.fil";
  ObservationInfo h = make_header(16, 8, 1);
  h.files = {"/data/orig/scan-M07_0001.fits"};
  auto w = make_filterbank_writer(path, h);
  w->write(nullptr, 0);
  w->finish();
  const SigprocHeader s = read_sigproc_header(path);
  EXPECT_EQ(s.telescope_id, kSigprocTelescopeFast);
  EXPECT_EQ(s.data_type, 1);
  EXPECT_EQ(s.rawdatafile, "scan-M07_0001.fits");
  EXPECT_EQ(s.nifs, 1);
  EXPECT_FALSE(s.is_signed.has_value());
  EXPECT_DOUBLE_EQ(*s.fch1, 1007.5);  // descending by default
  EXPECT_DOUBLE_EQ(*s.foff, -0.5);
  EXPECT_TRUE(s.fchannels.empty());

  auto r = open_filterbank({path});
  const ObservationInfo& info = r->info();
  EXPECT_EQ(info.source, h.source);
  EXPECT_EQ(info.telescope, "FAST");
  EXPECT_EQ(info.beam, 7);
  EXPECT_NEAR(info.ra_deg, h.ra_deg, 1e-9);
  EXPECT_NEAR(info.dec_deg, h.dec_deg, 1e-9);
  EXPECT_DOUBLE_EQ(info.start_mjd, h.start_mjd);
  EXPECT_DOUBLE_EQ(info.tsamp_s, h.tsamp_s);
  ASSERT_EQ(info.freqs_mhz.size(), h.freqs_mhz.size());
  for (size_t c = 0; c < h.freqs_mhz.size(); ++c) {
    EXPECT_DOUBLE_EQ(info.freqs_mhz[c], h.freqs_mhz[c]) << c;
  }
  EXPECT_EQ(info.nsamples, 0u);
}

TEST(FilterbankRoundTrip, TelescopeOptionsAndUnevenChannels) {
  test::TempDir dir;
  ObservationInfo h = make_header(4, 32, 1);
  h.telescope = "Parkes";
  h.freqs_mhz = {1000.0, 1001.0, 1003.0, 1004.0};
  h.ra_deg = std::numeric_limits<double>::quiet_NaN();
  make_filterbank_writer(dir / "p.fil", h)->finish();
  const SigprocHeader s = read_sigproc_header(dir / "p.fil");
  EXPECT_EQ(s.telescope_id, 4);
  EXPECT_FALSE(s.src_raj.has_value());
  ASSERT_EQ(s.fchannels.size(), 4u);  // uneven: the table is written
  auto r = open_filterbank({dir / "p.fil"});
  EXPECT_EQ(r->info().freqs_mhz, h.freqs_mhz);
  EXPECT_TRUE(std::isnan(r->info().ra_deg));

  FilterbankWriteOptions opt;
  opt.telescope_id = 64;
  opt.machine_id = 9;
  make_filterbank_writer(dir / "m.fil", h, opt)->finish();
  const SigprocHeader m = read_sigproc_header(dir / "m.fil");
  EXPECT_EQ(m.telescope_id, 64);
  EXPECT_EQ(m.machine_id, 9);
}

TEST(FilterbankRoundTrip, QuantisationRoundsAndClamps) {
  test::TempDir dir;
  const ObservationInfo h = make_header(8, 8, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> in = {3.6f, 3.4f, -5.0f, 300.0f, nan, 254.5f, 0.49f, 127.0f};
  const std::vector<float> want = {4, 3, 0, 255, 0, 255, 0, 127};
  FilterbankWriteOptions opt;
  opt.descending = false;
  auto w = make_filterbank_writer(dir / "q.fil", h, opt);
  w->write(in.data(), 1);
  w->finish();
  std::vector<float> out(8);
  open_filterbank({dir / "q.fil"})->read(0, 1, out.data());
  EXPECT_EQ(out, want);

  opt.signed_8bit = true;
  auto ws = make_filterbank_writer(dir / "s.fil", h, opt);
  const std::vector<float> sin = {-200.0f, -128.0f, -0.6f, 127.4f, 1000.0f, nan, -1.0f, 5.0f};
  ws->write(sin.data(), 1);
  ws->finish();
  open_filterbank({dir / "s.fil"})->read(0, 1, out.data());
  EXPECT_EQ(out, (std::vector<float>{-128, -128, -1, 127, 127, -128, -1, 5}));
}

TEST(FilterbankRoundTrip, UnfinishedWriterLeavesNothing) {
  test::TempDir dir;
  const ObservationInfo h = make_header(8, 8, 1);
  {
    auto w = make_filterbank_writer(dir / "x.fil", h);
    std::vector<float> block(8 * 10, 1.0f);
    w->write(block.data(), 10);
    EXPECT_TRUE(w->files().empty());
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(FilterbankRoundTrip, BadWriterHeadersAreRefused) {
  test::TempDir dir;
  ObservationInfo h = make_header(8, 3, 1);
  EXPECT_THROW(make_filterbank_writer(dir / "a.fil", h), Error);
  h = make_header(8, 8, 1);
  h.freqs_mhz = {1000, 999, 998, 997, 996, 995, 994, 993};
  EXPECT_THROW(make_filterbank_writer(dir / "b.fil", h), Error);
  h = make_header(8, 4, 1);
  FilterbankWriteOptions opt;
  opt.signed_8bit = true;
  EXPECT_THROW(make_filterbank_writer(dir / "c.fil", h, opt), Error);
  h = make_header(3, 1, 1);  // 3 one-bit channels: not whole bytes
  EXPECT_THROW(make_filterbank_writer(dir / "d.fil", h), Error);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace tianyan
