// PSRFITS search-mode reader: real files written by other software, then synthetic files that
// vary one rule at a time (fits_fixture), then every kind of bad input.
#include "io/psrfits/psrfits_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <vector>

#include "io/psrfits/psrfits_file.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"
#include "tests/io/fits_fixture.hpp"

namespace tianyan {
namespace {
using test::FitsSpec;

std::string your_file(const char* name) { return (test::real_data_dir() / "your" / name).string(); }

std::vector<float> read_all(Reader& r) {
  std::vector<float> out(r.info().nsamples * r.info().nchan());
  EXPECT_EQ(r.read(0, r.info().nsamples, out.data()), r.info().nsamples);
  return out;
}

// Sum of every stored DATA byte of a file (all pols, padding included): the raw-read hook.
uint64_t raw_byte_sum(const std::string& path) {
  psrfits::File f(path);
  std::vector<uint8_t> row(static_cast<size_t>(f.header().row_bytes));
  uint64_t sum = 0;
  for (int64_t r = 0; r < f.header().nrows; ++r) {
    f.read_data(r, row.data());
    sum = std::accumulate(row.begin(), row.end(), sum);
  }
  return sum;
}

// Checks every sample of a reader against the fixture's model; `first_row` is the global row
// of stream sample 0.
void expect_matches(Reader& r, const FitsSpec& spec, int64_t first_row = 0) {
  const FitsSpec sp = test::with_defaults(spec);
  const auto data = read_all(r);
  const size_t nchan = r.info().nchan();
  for (uint64_t t = 0; t < r.info().nsamples; ++t) {
    const auto row = first_row + static_cast<int64_t>(t) / sp.nsblk;
    const auto s = static_cast<int64_t>(t) % sp.nsblk;
    for (size_t k = 0; k < nchan; ++k) {
      const double want = test::expected_value(sp, row, s, static_cast<int>(k));
      ASSERT_NEAR(data[t * nchan + k], want, 1e-4 * (1 + std::abs(want)))
          << "sample " << t << " channel " << k;
    }
  }
}

TEST(PsrfitsReal, SmallFitsMatchesManifest) {
  TIANYAN_REQUIRE_REAL_DATA();
  const auto path = your_file("small.fits");
  auto r = open_psrfits({path});
  const auto& info = r->info();
  EXPECT_EQ(info.format, "psrfits");
  ASSERT_EQ(info.nchan(), 336u);
  EXPECT_DOUBLE_EQ(info.tsamp_s, 1.26646875e-3);
  EXPECT_DOUBLE_EQ(info.freq_lo_mhz(), 1130.0);
  EXPECT_DOUBLE_EQ(info.freq_hi_mhz(), 1465.0);
  EXPECT_TRUE(info.file_descending);
  // No NSTOT: the 779 zero-padded samples cannot be told from data, so all 789 are delivered.
  EXPECT_EQ(info.nsamples, 789u);
  EXPECT_EQ(info.nsamples_stored, 789u);
  EXPECT_EQ(info.npol, 1);
  EXPECT_EQ(info.nbits, 8);
  EXPECT_EQ(info.telescope, "VLA");
  EXPECT_EQ(info.source, "src1");
  EXPECT_NEAR(info.ra_deg, 15 * (12 + 26 / 60.0 + 37.6361 / 3600), 1e-9);
  EXPECT_NEAR(info.dec_deg, 13 + 57 / 60.0 + 52.112 / 3600, 1e-9);
  EXPECT_NEAR(info.start_mjd, 58682 + (53595 + 0.3637763159349561) / 86400, 1e-10);

  psrfits::File f(path);
  std::vector<uint8_t> row(static_cast<size_t>(f.header().row_bytes));
  f.read_data(0, row.data());
  const uint8_t manifest[8] = {165, 106, 109, 121, 180, 138, 125, 125};
  std::vector<float> scl(336), offs(336), wts(336);
  f.read_scales(0, scl.data(), offs.data(), wts.data());
  std::vector<float> first(336);
  r->read(0, 1, first.data());
  for (int c = 0; c < 8; ++c) {
    EXPECT_EQ(row[c], manifest[c]) << "file channel " << c;
    // MANIFEST's channel 0 is the file's first (1465 MHz), the reader's last.
    EXPECT_FLOAT_EQ(first[335 - c], (manifest[c] * scl[c] + offs[c]) * wts[c]);
  }
  EXPECT_EQ(raw_byte_sum(path), 431861u);
}

TEST(PsrfitsReal, FourPolIquvTakesPolZero) {
  TIANYAN_REQUIRE_REAL_DATA();
  const auto path = your_file("test_4pol.fits");
  psrfits::File f(path);
  EXPECT_EQ(f.header().scale_npol, 1);  // DAT_SCL/DAT_OFFS hold NCHAN values only
  EXPECT_EQ(raw_byte_sum(path), 39206193u);
  std::vector<uint8_t> row(static_cast<size_t>(f.header().row_bytes));
  f.read_data(0, row.data());
  const uint8_t manifest[8] = {0, 2, 2, 1, 2, 1, 2, 2};
  for (int c = 0; c < 8; ++c) EXPECT_EQ(row[c], manifest[c]);

  auto r = open_psrfits({path});
  const auto& info = r->info();
  ASSERT_EQ(info.nchan(), 512u);
  EXPECT_EQ(info.npol, 4);
  EXPECT_EQ(info.pol_type, "IQUV");
  EXPECT_EQ(info.nsamples, 200u);
  EXPECT_DOUBLE_EQ(info.freq_hi_mhz(), 1780.0);
  EXPECT_DOUBLE_EQ(info.freq_lo_mhz(), 981.5625);
  std::vector<float> scl(512), offs(512), wts(512);
  f.read_scales(0, scl.data(), offs.data(), wts.data());
  const auto data = read_all(*r);
  int dead = 0;
  for (size_t k = 0; k < 512; ++k) {
    const size_t c = 511 - k;  // file channel
    bool all_zero = true;
    for (size_t t = 0; t < 200; ++t) {
      const uint8_t raw = row[t * 4 * 512 + c];  // pol 0 = I
      ASSERT_FLOAT_EQ(data[t * 512 + k], (raw * scl[c] + offs[c]) * wts[c]);
      all_zero = all_zero && raw == 0;
    }
    dead += all_zero ? 1 : 0;
  }
  EXPECT_EQ(dead, 30);
}

TEST(PsrfitsReal, EmptyTableIsAnEmptyObservation) {
  TIANYAN_REQUIRE_REAL_DATA();
  auto r = open_psrfits({your_file("empty.fits")});
  const auto& info = r->info();
  EXPECT_EQ(info.nsamples, 0u);
  EXPECT_EQ(info.nsamples_stored, 0u);
  EXPECT_EQ(info.nchan(), 4096u);
  EXPECT_EQ(info.npol, 4);
  EXPECT_EQ(info.pol_type, "AABBCRCI");
  EXPECT_DOUBLE_EQ(info.tsamp_s, 8.192e-5);
  EXPECT_DOUBLE_EQ(info.chan_dm, 330.0);
  EXPECT_EQ(info.telescope, "GBT");
  EXPECT_LT(info.freq_lo_mhz(), info.freq_hi_mhz());
  // NSUBOFFS 16250 rows of 4032 samples precede this file.
  EXPECT_NEAR(info.start_mjd,
              59261 + (60229 + 0.00131072013891753 + 16250 * 4032 * 8.192e-5) / 86400, 1e-10);
  std::vector<float> none(4096);
  EXPECT_EQ(r->read(0, 1, none.data()), 0u);
}

TEST(PsrfitsSynthetic, SubBytePackingIsMsbFirst) {
  for (int nbits : {1, 2, 4, 8, 16, 32}) {
    test::TempDir dir;
    FitsSpec spec;
    spec.nbits = nbits;
    spec.nchan = 16;
    write_psrfits(dir / "a.fits", spec);
    auto r = open_psrfits({dir / "a.fits"});
    EXPECT_EQ(r->info().nbits, nbits);
    SCOPED_TRACE(nbits);
    expect_matches(*r, spec);
  }
  // One hand-made byte: 0b1000'0000 at 1 bit is channel 0 = 1, channels 1..7 = 0.
  test::TempDir dir;
  FitsSpec spec;
  spec.nbits = 1;
  spec.nrows = 1;
  spec.nsblk = 1;
  spec.raw = [](int64_t, int64_t, int, int c) { return c == 0 ? 1.0 : 0.0; };
  write_psrfits(dir / "b.fits", spec);
  psrfits::File f(dir / "b.fits");
  uint8_t byte = 0;
  f.read_data(0, &byte);
  EXPECT_EQ(byte, 0x80);
  auto r = open_psrfits({dir / "b.fits"});
  std::vector<float> out(8);
  r->read(0, 1, out.data());
  EXPECT_EQ(out, (std::vector<float>{1, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(PsrfitsSynthetic, PolarisationProductsGiveTotalIntensity) {
  struct Case {
    int npol;
    const char* pol_type;
    bool nchan_only;
  };
  for (const Case& c : {Case{1, "AA+BB", false}, Case{1, "AABB", false}, Case{2, "AABB", false},
                        Case{2, "AABB", true}, Case{4, "AABBCRCI", false}, Case{4, "IQUV", true},
                        Case{2, "IQUV", false}}) {
    test::TempDir dir;
    FitsSpec spec;
    spec.npol = c.npol;
    spec.pol_type = c.pol_type;
    spec.scales_nchan_only = c.nchan_only;
    spec.zero_off = 1.5;
    // Different scales per pol and channel make AA and BB distinguishable.
    spec.scl = [](int64_t, int p, int ch) {
      return 0.5f + static_cast<float>(p) + 0.1f * static_cast<float>(ch);
    };
    spec.offs = [](int64_t, int p, int ch) {
      return 10.0f * static_cast<float>(p + 1) - static_cast<float>(ch);
    };
    write_psrfits(dir / "p.fits", spec);
    auto r = open_psrfits({dir / "p.fits"});
    SCOPED_TRACE(fmt::format("npol {} {}", c.npol, c.pol_type));
    expect_matches(*r, spec);
  }
}

TEST(PsrfitsSynthetic, ScalesChangeEveryRow) {
  test::TempDir dir;
  FitsSpec spec;
  spec.npol = 2;
  spec.pol_type = "AABB";
  spec.nrows = 5;
  spec.scl = [](int64_t row, int p, int c) { return 1.0f + static_cast<float>(row * 3 + p + c); };
  spec.offs = [](int64_t row, int p, int) { return static_cast<float>(row - p); };
  spec.wts = [](int64_t row, int c) { return c == 3 && row == 2 ? 0.0f : 1.0f; };
  write_psrfits(dir / "s.fits", spec);
  auto r = open_psrfits({dir / "s.fits"});
  expect_matches(*r, spec);
}

TEST(PsrfitsSynthetic, SignedSamples) {
  for (bool via_tzero : {false, true}) {
    test::TempDir dir;
    FitsSpec spec;
    spec.signint = via_tzero ? 0 : 1;
    spec.tzero_m128 = via_tzero;
    spec.raw = [](int64_t r, int64_t s, int, int c) {
      return static_cast<double>((r * 37 + s * 11 + c * 29) % 256 - 128);
    };
    write_psrfits(dir / "i.fits", spec);
    auto r = open_psrfits({dir / "i.fits"});
    SCOPED_TRACE(via_tzero ? "TZERO" : "SIGNINT");
    expect_matches(*r, spec);
  }
}

TEST(PsrfitsSynthetic, AscendingAndDescendingGiveTheSameStream) {
  test::TempDir dir;
  FitsSpec up;
  up.nchan = 6;
  up.freq0 = 1000;
  up.chan_bw = 0.5;
  up.wts = [](int64_t, int c) { return c == 1 ? 0.0f : 1.0f; };  // 1000.5 MHz flagged
  FitsSpec down = up;
  down.freq0 = 1002.5;
  down.chan_bw = -0.5;
  down.wts = [](int64_t, int c) { return c == 4 ? 0.0f : 1.0f; };
  // The same sky: the descending file's channel c is the ascending file's channel 5 - c.
  auto pattern = test::with_defaults(up).raw;
  down.raw = [pattern](int64_t r, int64_t s, int p, int c) { return pattern(r, s, p, 5 - c); };
  write_psrfits(dir / "up.fits", up);
  write_psrfits(dir / "down.fits", down);
  auto a = open_psrfits({dir / "up.fits"});
  auto b = open_psrfits({dir / "down.fits"});
  EXPECT_FALSE(a->info().file_descending);
  EXPECT_TRUE(b->info().file_descending);
  EXPECT_EQ(a->info().freqs_mhz, b->info().freqs_mhz);
  EXPECT_EQ(a->info().freqs_mhz.front(), 1000.0);
  const std::vector<uint8_t> flagged{0, 1, 0, 0, 0, 0};
  EXPECT_EQ(a->info().flagged, flagged);
  EXPECT_EQ(b->info().flagged, flagged);
  EXPECT_EQ(read_all(*a), read_all(*b));
  expect_matches(*b, down);
}

TEST(PsrfitsSynthetic, NstotExcludesPadding) {
  test::TempDir dir;
  FitsSpec spec;
  spec.nstot = 10;  // 3 rows of 4: the last 2 samples are padding
  write_psrfits(dir / "n.fits", spec);
  auto r = open_psrfits({dir / "n.fits"});
  EXPECT_EQ(r->info().nsamples, 10u);
  EXPECT_EQ(r->info().nsamples_stored, 12u);
  expect_matches(*r, spec);
}

TEST(PsrfitsSynthetic, LenientKeywordsAndHistoryFirst) {
  test::TempDir dir;
  FitsSpec spec;
  spec.nsuboffs_as_float = true;
  spec.nchnoffs_star = true;
  spec.history_first = true;
  spec.ibeam = 7;
  write_psrfits(dir / "l.fits", spec);
  auto r = open_psrfits({dir / "l.fits"});
  EXPECT_EQ(r->info().beam, 7);
  EXPECT_NEAR(r->info().dec_deg, -45.5, 1e-12);
  EXPECT_NEAR(r->info().ra_deg, 187.5, 1e-12);
  expect_matches(*r, spec);
}

TEST(PsrfitsSynthetic, StartTimeAndTbinSanity) {
  test::TempDir dir;
  FitsSpec spec;
  spec.nsuboffs = 10;
  write_psrfits(dir / "t.fits", spec);
  auto r = open_psrfits({dir / "t.fits"});
  EXPECT_NEAR(r->info().start_mjd, 60000 + (3600.25 + 10 * 4 * 1e-3) / 86400, 1e-11);

  // The FAST factor-4 header bug: TBIN a quarter of TSUBINT/NSBLK is corrected.
  spec.tsubint = 4.0 * static_cast<double>(spec.nsblk) * spec.tbin;
  write_psrfits(dir / "f4.fits", spec);
  EXPECT_DOUBLE_EQ(open_psrfits({dir / "f4.fits"})->info().tsamp_s, 4e-3);
  // Any other disagreement is refused.
  spec.tsubint = 1.7 * static_cast<double>(spec.nsblk) * spec.tbin;
  write_psrfits(dir / "bad.fits", spec);
  EXPECT_THROW(open_psrfits({dir / "bad.fits"}), Error);
}

TEST(PsrfitsSynthetic, CompressedTableDecodesToTheSameSamples) {
  test::TempDir dir;
  FitsSpec spec;
  spec.npol = 2;
  spec.pol_type = "AABB";
  spec.nrows = 6;
  spec.nchan = 32;
  spec.nsblk = 16;
  write_psrfits(dir / "plain.fits", spec);
  test::compress_psrfits(dir / "plain.fits", dir / "packed.fits.fz");
  psrfits::File packed(dir / "packed.fits.fz");
  EXPECT_TRUE(packed.header().compressed);
  auto a = open_psrfits({dir / "plain.fits"});
  auto b = open_psrfits({dir / "packed.fits.fz"});
  EXPECT_EQ(b->info().nsamples, a->info().nsamples);
  EXPECT_EQ(b->info().freqs_mhz, a->info().freqs_mhz);
  const auto whole = read_all(*a);
  EXPECT_EQ(whole, read_all(*b));

  // A compressed series: only the file being read keeps its decoded copy, so reading across
  // files decodes them again on the way back.
  std::vector<std::string> parts;
  for (int k = 0; k < 3; ++k) {
    FitsSpec part = spec;
    part.nsuboffs = 2 * k;
    part.nrows = 2;
    const std::string plain = dir / fmt::format("p{}.fits", k);
    test::write_psrfits(plain, part);
    parts.push_back(dir / fmt::format("p{}.fits.fz", k));
    test::compress_psrfits(plain, parts.back());
  }
  auto series = open_psrfits(parts);
  EXPECT_EQ(read_all(*series), whole);
  const size_t nchan = 32;
  std::vector<float> back(40 * nchan);
  ASSERT_EQ(series->read(10, 40, back.data()), 40u);
  EXPECT_TRUE(std::equal(back.begin(), back.end(), whole.begin() + 10 * nchan));
}

}  // namespace
}  // namespace tianyan
