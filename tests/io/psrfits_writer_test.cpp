// PSRFITS writer: headers read back with CFITSIO, samples read back with CFITSIO, astropy and
// tianyan's reader, fitsverify, atomic publication and errors.
#include <fitsio.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/psrfits/psrfits_reader.hpp"
#include "io/psrfits/psrfits_writer.hpp"
#include "io/psrfits/psrfits_writer_header.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"
#include "tianyan/version.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

constexpr double kStartMjd = 60123.456789012345;
constexpr double kTsamp = 49.152e-6;

ObservationInfo make_header(int nchan, int nbits, int npol) {
  ObservationInfo h;
  h.source = "J1234+5678";
  h.telescope = "FAST";
  h.ra_deg = 188.625;   // 12:34:30.0000
  h.dec_deg = -5.5125;  // -05:30:45.000
  h.start_mjd = kStartMjd;
  h.tsamp_s = kTsamp;
  for (int c = 0; c < nchan; ++c) h.freqs_mhz.push_back(1000.0 + 0.5 * c);
  h.nbits = nbits;
  h.npol = npol;
  return h;
}

// Integer values in the nbits range, [nsamp][npol][nchan], from a fixed seed.
std::vector<float> random_data(uint64_t nsamp, const ObservationInfo& h, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, (1 << h.nbits) - 1);
  std::vector<float> v(nsamp * h.npol * h.nchan());
  for (float& x : v) x = static_cast<float>(dist(rng));
  return v;
}

// Writes `data` in uneven chunks (so that rows span write calls) and finishes.
std::vector<std::string> write_scan(const std::string& prefix, const ObservationInfo& h,
                                    const PsrfitsWriteOptions& opt, const std::vector<float>& d) {
  auto writer = make_psrfits_writer(prefix, h, opt);
  const size_t spectrum = h.npol * h.nchan();
  const uint64_t nsamp = d.size() / spectrum;
  for (uint64_t s = 0; s < nsamp;) {
    const uint64_t n = std::min<uint64_t>(37, nsamp - s);
    writer->write(d.data() + s * spectrum, n);
    s += n;
  }
  writer->finish();
  return writer->files();
}

// Minimal CFITSIO reading, failing the test on any error.
class FitsIn {
 public:
  explicit FitsIn(const std::string& path) {
    int st = 0;
    fits_open_diskfile(&f_, path.c_str(), READONLY, &st);
    EXPECT_EQ(st, 0) << path;
  }
  ~FitsIn() {
    int st = 0;
    if (f_) fits_close_file(f_, &st);
  }
  void primary() { move(1); }
  void subint() {
    int st = 0;
    fits_movnam_hdu(f_, BINARY_TBL, const_cast<char*>("SUBINT"), 0, &st);
    ASSERT_EQ(st, 0);
  }
  std::string str(const char* key) {
    char v[FLEN_VALUE] = {};
    int st = 0;
    fits_read_key(f_, TSTRING, key, v, nullptr, &st);
    EXPECT_EQ(st, 0) << key;
    return v;
  }
  long long integer(const char* key) {
    long long v = 0;
    int st = 0;
    fits_read_key(f_, TLONGLONG, key, &v, nullptr, &st);
    EXPECT_EQ(st, 0) << key;
    return v;
  }
  double dbl(const char* key) {
    double v = 0;
    int st = 0;
    fits_read_key(f_, TDOUBLE, key, &v, nullptr, &st);
    EXPECT_EQ(st, 0) << key;
    return v;
  }
  bool has_card_containing(const std::string& text) {
    int nkeys = 0, st = 0;
    fits_get_hdrspace(f_, &nkeys, nullptr, &st);
    char card[FLEN_CARD];
    for (int k = 1; k <= nkeys; ++k) {
      fits_read_record(f_, k, card, &st);
      if (std::string(card).find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<double> col_dbl(int col, long long row, long long n) {
    std::vector<double> v(n);
    int st = 0;
    fits_read_col_dbl(f_, col, row, 1, n, 0, v.data(), nullptr, &st);
    EXPECT_EQ(st, 0);
    return v;
  }
  std::vector<uint8_t> col_bytes(int col, long long row, long long n) {
    std::vector<uint8_t> v(n);
    int st = 0;
    fits_read_col_byt(f_, col, row, 1, n, 0, v.data(), nullptr, &st);
    EXPECT_EQ(st, 0);
    return v;
  }

 private:
  void move(int hdu) {
    int st = 0;
    fits_movabs_hdu(f_, hdu, nullptr, &st);
    ASSERT_EQ(st, 0);
  }
  fitsfile* f_ = nullptr;
};

// What the files must hold, in FILE order: quantised, channels reversed when descending,
// zero padding to whole rows.
std::vector<int> expected_stored(const std::vector<float>& d, const ObservationInfo& h,
                                 bool descending, uint64_t nstored) {
  const int nchan = static_cast<int>(h.nchan());
  std::vector<int> out(nstored * h.npol * nchan, 0);
  for (size_t i = 0; i < d.size(); ++i) {
    const int c = static_cast<int>(i % nchan);
    const size_t base = i - c;
    const float maxv = static_cast<float>((1 << h.nbits) - 1);
    const float v = std::min(std::max(std::floor(d[i] + 0.5f), 0.0f), maxv);
    out[base + (descending ? nchan - 1 - c : c)] = std::isnan(d[i]) ? 0 : static_cast<int>(v);
  }
  return out;
}

// Every stored sample of a series, unpacked MSB first, in file order.
std::vector<int> read_stored(const std::vector<std::string>& files) {
  std::vector<int> out;
  for (const auto& path : files) {
    FitsIn in(path);
    in.subint();
    const long long nrows = in.integer("NAXIS2"), nbits = in.integer("NBITS");
    const long long bytes = in.integer("NSBLK") * in.integer("NPOL") * in.integer("NCHAN") *
                            nbits / 8;
    for (long long r = 1; r <= nrows; ++r) {
      for (uint8_t b : in.col_bytes(7, r, bytes)) {
        for (int shift = 8 - static_cast<int>(nbits); shift >= 0; shift -= nbits)
          out.push_back((b >> shift) & ((1 << nbits) - 1));
      }
    }
  }
  return out;
}

TEST(PsrfitsWriter, HeaderKeywordsFollowTheDefinitionInEveryFile) {
  TempDir dir;
  auto h = make_header(16, 8, 2);
  h.flagged.assign(16, 0);
  h.flagged[3] = 1;
  const PsrfitsWriteOptions opt{.nsblk = 64, .rows_per_file = 2, .beam = 3};
  const uint64_t nsamp = 64 * 5 + 10;  // 6 rows, the last partial: files of 2, 2, 2 rows
  const auto files = write_scan(dir / "scan_tracking", h, opt, random_data(nsamp, h, 1));
  ASSERT_EQ(files.size(), 3u);
  const std::vector<long long> nstot = {128, 128, 64 + 10};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fs::path(files[i]).filename(), fmt::format("scan_tracking-M03_{:04d}.fits", i + 1));
    FitsIn in(files[i]);
    in.primary();
    EXPECT_EQ(in.str("FITSTYPE"), "PSRFITS");
    EXPECT_EQ(in.str("HDRVER").substr(0, 2), "6.");
    EXPECT_FALSE(in.str("DATE").empty());
    in.str("OBSERVER");
    in.str("PROJID");
    EXPECT_EQ(in.str("TELESCOP"), "FAST");
    EXPECT_EQ(in.str("OBS_MODE"), "SEARCH");
    EXPECT_EQ(in.str("SRC_NAME"), "J1234+5678");
    EXPECT_EQ(in.str("RA"), "12:34:30.0000");
    EXPECT_EQ(in.str("DEC"), "-05:30:45.000");
    EXPECT_EQ(in.str("FD_POLN"), "LIN");
    EXPECT_EQ(in.str("IBEAM"), "3");
    EXPECT_DOUBLE_EQ(in.dbl("OBSFREQ"), 1003.75);
    EXPECT_DOUBLE_EQ(in.dbl("OBSBW"), 8.0);
    EXPECT_EQ(in.integer("OBSNCHAN"), 16);
    // The scan start in every file.
    EXPECT_EQ(in.integer("STT_IMJD"), 60123);
    const double secs = in.integer("STT_SMJD") + in.dbl("STT_OFFS");
    EXPECT_NEAR(secs, (kStartMjd - 60123) * 86400.0, 1e-5);
    EXPECT_TRUE(in.has_card_containing(kVersionFull));
    in.subint();
    EXPECT_EQ(in.integer("NSBLK"), 64);
    EXPECT_EQ(in.integer("NBITS"), 8);
    EXPECT_EQ(in.integer("NPOL"), 2);
    EXPECT_EQ(in.str("POL_TYPE"), "AABB");
    EXPECT_EQ(in.integer("NCHAN"), 16);
    EXPECT_DOUBLE_EQ(in.dbl("TBIN"), kTsamp);
    EXPECT_DOUBLE_EQ(in.dbl("CHAN_BW"), 0.5);
    EXPECT_EQ(in.dbl("ZERO_OFF"), 0.0);
    EXPECT_EQ(in.integer("SIGNINT"), 0);
    EXPECT_EQ(in.integer("NSUBOFFS"), 2 * i);
    EXPECT_EQ(in.integer("NCHNOFFS"), 0);
    EXPECT_EQ(in.integer("NSTOT"), nstot[i]);
    EXPECT_EQ(in.integer("NAXIS2"), 2);
    EXPECT_EQ(in.str("TDIM7"), "(16,2,64)");
    for (long long r = 1; r <= 2; ++r) {
      const double row = 2 * i + r - 1;  // row of the scan, from 0
      EXPECT_NEAR(in.col_dbl(1, r, 1)[0], 64 * kTsamp, 1e-12);
      EXPECT_NEAR(in.col_dbl(2, r, 1)[0], (row + 0.5) * 64 * kTsamp, 1e-12);
      EXPECT_EQ(in.col_dbl(3, r, 16), std::vector<double>(h.freqs_mhz));
      const auto wts = in.col_dbl(4, r, 16);
      for (int c = 0; c < 16; ++c) EXPECT_EQ(wts[c], c == 3 ? 0.0 : 1.0) << c;
      EXPECT_EQ(in.col_dbl(5, r, 32), std::vector<double>(32, 0.0));
      EXPECT_EQ(in.col_dbl(6, r, 32), std::vector<double>(32, 1.0));
    }
  }
}

TEST(PsrfitsWriter, DescendingStoresHighestFrequencyFirst) {
  TempDir dir;
  auto h = make_header(8, 4, 1);
  h.flagged = {1, 0, 0, 0, 0, 0, 0, 0};
  const PsrfitsWriteOptions opt{.nsblk = 16, .rows_per_file = 4, .descending = true};
  const auto data = random_data(40, h, 2);
  const auto files = write_scan(dir / "desc", h, opt, data);
  ASSERT_EQ(files.size(), 1u);
  FitsIn in(files[0]);
  in.subint();
  EXPECT_DOUBLE_EQ(in.dbl("CHAN_BW"), -0.5);
  EXPECT_EQ(in.str("POL_TYPE"), "AA+BB");
  EXPECT_EQ(in.str("TDIM7"), "(8,1,8)");  // NSBLK*NBITS/8 bytes on the last axis
  EXPECT_EQ(in.col_dbl(3, 1, 8), (std::vector<double>{1003.5, 1003, 1002.5, 1002, 1001.5,
                                                       1001, 1000.5, 1000}));
  EXPECT_EQ(in.col_dbl(4, 1, 8), (std::vector<double>{1, 1, 1, 1, 1, 1, 1, 0}));
  EXPECT_EQ(read_stored(files), expected_stored(data, h, true, 48));
}

TEST(PsrfitsWriter, RoundsAndClampsToTheBitRange) {
  TempDir dir;
  auto h = make_header(8, 8, 1);
  const std::vector<float> in = {-3.0f, 0.49f, 0.5f, 2.5f, 254.6f, 300.0f, NAN, 17.0f};
  auto first8 = [](const std::vector<std::string>& files) {
    const auto all = read_stored(files);
    return std::vector<int>(all.begin(), all.begin() + 8);
  };
  EXPECT_EQ(first8(write_scan(dir / "q8", h, {.nsblk = 8}, in)),
            (std::vector<int>{0, 0, 1, 3, 255, 255, 0, 17}));
  h.nbits = 4;
  EXPECT_EQ(first8(write_scan(dir / "q4", h, {.nsblk = 8}, in)),
            (std::vector<int>{0, 0, 1, 3, 15, 15, 0, 15}));
}

TEST(PsrfitsWriter, PacksEveryFormatMostSignificantBitsFirst) {
  for (int nbits : {1, 2, 4, 8}) {
    for (int npol : {1, 2, 4}) {
      for (bool descending : {false, true}) {
        SCOPED_TRACE(fmt::format("nbits {} npol {} descending {}", nbits, npol, descending));
        TempDir dir;
        const auto h = make_header(16, nbits, npol);
        const PsrfitsWriteOptions opt{.nsblk = 32, .rows_per_file = 3, .descending = descending};
        const auto data = random_data(32 * 7 + 5, h, 100 + nbits * 10 + npol);
        const auto files = write_scan(dir / "fmt", h, opt, data);
        EXPECT_EQ(files.size(), 3u);
        EXPECT_EQ(read_stored(files), expected_stored(data, h, descending, 32 * 8));
      }
    }
  }
}

TEST(PsrfitsWriter, UnfinishedWriterLeavesNoFile) {
  TempDir dir;
  const auto h = make_header(16, 8, 1);
  {
    auto writer = make_psrfits_writer(dir / "scan", h, {.nsblk = 16, .rows_per_file = 1});
    const auto data = random_data(16 * 3 + 4, h, 3);
    writer->write(data.data(), 16 * 3 + 4);
    EXPECT_EQ(writer->files().size(), 3u);
    for (const auto& f : writer->files()) EXPECT_FALSE(fs::exists(f)) << f;  // not yet
  }
  EXPECT_TRUE(fs::is_empty(dir.path())) << "temporary or final files left behind";
}

TEST(PsrfitsWriter, EmptyScanIsOneFileWithoutRows) {
  TempDir dir;
  auto writer = make_psrfits_writer(dir / "empty", make_header(4, 8, 2), {.nsblk = 8});
  writer->finish();
  ASSERT_EQ(writer->files().size(), 1u);
  FitsIn in(writer->files()[0]);
  in.subint();
  EXPECT_EQ(in.integer("NAXIS2"), 0);
  EXPECT_EQ(in.integer("NSTOT"), 0);
}

TEST(PsrfitsWriter, UnwritableOutputIsAnEnvironmentError) {
  TempDir dir;
  test::write_bytes(dir.path() / "plain_file", "x");
  try {
    make_psrfits_writer(dir / "plain_file/scan", make_header(4, 8, 1));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Environment);
    EXPECT_NE(std::string(e.what()).find("plain_file"), std::string::npos) << e.what();
  }
}

TEST(PsrfitsWriter, CfitsioFailureIsAnEnvironmentErrorWithItsMessage) {
  TempDir dir;
  // A non-empty directory where the first temporary file must go: CFITSIO cannot create it.
  const fs::path blocker = dir.path() / fmt::format(".cf-M01_0001.fits.tmp.{}", ::getpid());
  fs::create_directories(blocker / "inside");
  try {
    make_psrfits_writer(dir / "cf", make_header(8, 8, 1));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Environment);
    const std::string what = e.what();
    EXPECT_NE(what.find(blocker.string()), std::string::npos) << what;
    EXPECT_EQ(what.rfind(dir / "cf-M01_0001.fits", 0), 0u) << what;
    EXPECT_NE(what.find("CFITSIO status"), std::string::npos) << what;
  }
}

TEST(PsrfitsWriter, UnsupportedHeaderIsBadInput) {
  TempDir dir;
  auto expect_bad = [&](ObservationInfo h, PsrfitsWriteOptions opt, const char* what) {
    try {
      make_psrfits_writer(dir / "bad", h, opt);
      ADD_FAILURE() << "no error for " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadInput) << what;
      EXPECT_EQ(std::string(e.what()).rfind("output header: ", 0), 0u) << e.what();
    }
  };
  expect_bad(make_header(4, 3, 1), {}, "nbits 3");
  expect_bad(make_header(4, 16, 1), {}, "nbits 16");
  expect_bad(make_header(4, 8, 3), {}, "npol 3");
  expect_bad(make_header(0, 8, 1), {}, "no channels");
  expect_bad(make_header(8, 1, 1), {.nsblk = 12}, "nsblk not a multiple of 8 for 1 bit");
  expect_bad(make_header(4, 1, 1), {}, "4 one-bit channels are half a byte");
  expect_bad(make_header(4, 8, 1), {.rows_per_file = 0}, "no rows per file");
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(PsrfitsWriter, FormatsCoordinates) {
  EXPECT_EQ(psrfits_write::format_ra(0.0), "00:00:00.0000");
  EXPECT_EQ(psrfits_write::format_ra(359.9999999999), "00:00:00.0000");  // rounds, wraps
  EXPECT_EQ(psrfits_write::format_ra(83.63308333), "05:34:31.9400");
  EXPECT_EQ(psrfits_write::format_dec(22.01447222), "+22:00:52.100");
  EXPECT_EQ(psrfits_write::format_dec(-0.5), "-00:30:00.000");
  EXPECT_EQ(psrfits_write::format_dec(-89.99999999999), "-90:00:00.000");
}

// fitsverify's one-line verdict: "verification OK: FILE" or "... N warnings and M errors".
TEST(PsrfitsWriter, FitsverifyFindsNoErrors) {
  const std::string fitsverify = TIANYAN_FITSVERIFY;
  if (fitsverify.empty() || !fs::exists(fitsverify)) GTEST_SKIP() << "fitsverify not installed";
  for (int nbits : {8, 2}) {
    TempDir dir;
    const auto h = make_header(64, nbits, 4);
    const auto files = write_scan(dir / "fv", h, {.nsblk = 64, .rows_per_file = 2},
                                  random_data(64 * 3 + 7, h, 4));
    for (const auto& f : files) {
      const auto r = test::run_shell(fitsverify + " '" + f + "'");
      EXPECT_NE(r.out.find("0 error"), std::string::npos) << r.out << r.err;
      EXPECT_NE(r.out.find("Verification found 0 warning"), std::string::npos)
          << "warnings:\n" << r.out;
    }
  }
}

TEST(PsrfitsWriter, AstropyReadsTheSameSamples) {
  const std::string python = TIANYAN_PYTHON3;
  if (python.empty() || !fs::exists(python)) GTEST_SKIP() << "no system python3";
  if (test::run_shell(python + " -c 'import astropy, numpy'").exit_code != 0)
    GTEST_SKIP() << python << " lacks astropy or numpy";
  const std::string script =
      std::string(TIANYAN_SOURCE_DIR) + "/tests/scripts/read_psrfits_astropy.py";
  for (int nbits : {8, 2}) {  // byte-wide and packed (MSB first)
    SCOPED_TRACE(fmt::format("nbits {}", nbits));
    TempDir dir;
    const auto h = make_header(24, nbits, 2);
    const auto data = random_data(64 * 5 + 9, h, 5);
    const auto files = write_scan(dir / "ap", h, {.nsblk = 64, .rows_per_file = 2}, data);
    std::string cmd = python + " '" + script + "'";
    for (const auto& f : files) cmd += " '" + f + "'";
    const auto r = test::run_shell(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    const auto expect = expected_stored(data, h, false, 64 * 6);
    long long sum = 0, checksum = 0;
    for (size_t i = 0; i < expect.size(); ++i) {
      sum += expect[i];
      checksum += static_cast<long long>(i % 1009 + 1) * expect[i];
    }
    EXPECT_EQ(j["shape"], (std::vector<int>{64 * 6, 2, 24}));
    EXPECT_EQ(j["sum"].get<long long>(), sum);
    EXPECT_EQ(j["checksum"].get<long long>(), checksum);
    EXPECT_EQ(j["first"].get<std::vector<int>>(), std::vector<int>(expect.begin(),
                                                                   expect.begin() + 64));
    ASSERT_EQ(j["files"].size(), 3u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(j["files"][i]["nsuboffs"], 2 * i);
      EXPECT_EQ(j["files"][i]["stt_imjd"], 60123);
    }
    EXPECT_EQ(j["files"][2]["nstot"], 64 + 9);
  }
}

// What tianyan's reader must deliver: total intensity (pol 0, or AA + BB), channel 0 lowest,
// zero for flagged channels (weight 0).
std::vector<float> expected_intensity(const std::vector<float>& d, const ObservationInfo& h) {
  const size_t nchan = h.nchan(), npol = h.npol;
  const uint64_t nsamp = d.size() / (npol * nchan);
  std::vector<float> out(nsamp * nchan);
  for (uint64_t s = 0; s < nsamp; ++s) {
    for (size_t c = 0; c < nchan; ++c) {
      const float* spec = d.data() + s * npol * nchan;
      float v = npol == 1 ? spec[c] : spec[c] + spec[nchan + c];
      if (!h.flagged.empty() && h.flagged[c]) v = 0.0f;
      out[s * nchan + c] = v;
    }
  }
  return out;
}

std::vector<float> read_all(Reader& reader) {
  const auto& info = reader.info();
  std::vector<float> out(info.nsamples * info.nchan());
  EXPECT_EQ(reader.read(0, info.nsamples, out.data()), info.nsamples);
  return out;
}

TEST(PsrfitsWriter, RoundTripsThroughTheReaderForEveryFormat) {
  for (int nbits : {1, 2, 4, 8}) {
    for (int npol : {1, 2, 4}) {
      for (bool descending : {false, true}) {
        SCOPED_TRACE(fmt::format("nbits {} npol {} descending {}", nbits, npol, descending));
        TempDir dir;
        auto h = make_header(24, nbits, npol);
        h.flagged.assign(24, 0);
        h.flagged[7] = h.flagged[23] = 1;
        const uint64_t nsamp = 64 * 7 + 13;  // 8 rows, the last partial; files of 3, 3, 2
        const auto data = random_data(nsamp, h, 1000 + nbits * 10 + npol);
        const PsrfitsWriteOptions opt{.nsblk = 64, .rows_per_file = 3, .beam = 7,
                                      .descending = descending};
        const auto files = write_scan(dir / "rt", h, opt, data);
        ASSERT_EQ(files.size(), 3u);
        auto reader = open_psrfits(files);
        const auto& info = reader->info();
        EXPECT_EQ(info.nsamples, nsamp);
        EXPECT_EQ(info.nsamples_stored, 64u * 8);
        EXPECT_TRUE(info.gaps.empty());
        EXPECT_EQ(info.freqs_mhz, h.freqs_mhz);
        EXPECT_EQ(info.file_descending, descending);
        EXPECT_EQ(info.flagged, h.flagged);
        EXPECT_EQ(info.nbits, nbits);
        EXPECT_EQ(info.npol, npol);
        EXPECT_EQ(info.beam, 7);
        EXPECT_EQ(info.source, "J1234+5678");
        EXPECT_EQ(info.telescope, "FAST");
        EXPECT_DOUBLE_EQ(info.tsamp_s, kTsamp);
        EXPECT_NEAR(info.start_mjd, kStartMjd, 1e-6 / 86400);
        EXPECT_NEAR(info.ra_deg, h.ra_deg, 1e-6);
        EXPECT_NEAR(info.dec_deg, h.dec_deg, 1e-6);
        EXPECT_EQ(read_all(*reader), expected_intensity(data, h));
      }
    }
  }
}

TEST(PsrfitsWriter, SplitScanReadsLikeOneFile) {
  TempDir dir;
  const auto h = make_header(32, 8, 4);
  const auto data = random_data(128 * 9 + 50, h, 7);
  const auto split = write_scan(dir / "split", h, {.nsblk = 128, .rows_per_file = 2}, data);
  const auto whole = write_scan(dir / "whole", h, {.nsblk = 128, .rows_per_file = 1 << 30}, data);
  ASSERT_EQ(split.size(), 5u);
  ASSERT_EQ(whole.size(), 1u);
  auto a = open_psrfits(split);
  auto b = open_psrfits(whole);
  EXPECT_EQ(a->info().nsamples, b->info().nsamples);
  EXPECT_EQ(a->info().nsamples, 128u * 9 + 50);
  EXPECT_TRUE(a->info().gaps.empty());
  EXPECT_DOUBLE_EQ(a->info().start_mjd, b->info().start_mjd);
  const auto va = read_all(*a);
  EXPECT_EQ(va, read_all(*b));
  EXPECT_EQ(va, expected_intensity(data, h));
  // A read across a file boundary (rows 1..2 of file 1 and file 2).
  std::vector<float> part(300 * 32);
  EXPECT_EQ(a->read(200, 300, part.data()), 300u);
  EXPECT_TRUE(std::equal(part.begin(), part.end(), va.begin() + 200 * 32));
}

}  // namespace
}  // namespace tianyan
