// Reader::read_packed: the bytes and scales of 8-bit data, unpacked on the host
// (unpack_packed), must give exactly what read() gives (compared bit for bit with memcmp), for
// every layout the readers handle (one, two and four pols, reversed channels, signed samples,
// ZERO_OFF, per-row scales, offsets and weights, compressed tables, multi-file scans, the
// stream's end) and for the real 8-bit files; other sample sizes and spans over gaps have no
// packed form (false).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "io/packed_samples.hpp"
#include "io/psrfits/psrfits_reader.hpp"
#include "io/reader.hpp"
#include "io/sigproc/filterbank.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "tests/common/test_util.hpp"
#include "tests/io/fits_fixture.hpp"

namespace tianyan {
namespace {
using test::FitsSpec;

// read() and read_packed() of [start, start + nsamp): same count, same bits.
void expect_packed_matches(Reader& r, uint64_t start, uint64_t nsamp) {
  SCOPED_TRACE(testing::Message() << "span [" << start << ", +" << nsamp << ") of "
                                  << r.info().nsamples);
  const size_t nchan = r.info().nchan();
  std::vector<float> want(nsamp * nchan, -1.0f);
  const uint64_t n = r.read(start, nsamp, want.data());
  PackedSamples p;
  ASSERT_TRUE(r.read_packed(start, nsamp, p));
  ASSERT_EQ(p.nsamp, n);
  ASSERT_EQ(p.nchan, nchan);
  p.check();
  std::vector<float> got(nsamp * nchan, -1.0f);
  unpack_packed(p, got.data());
  // The CUDA kernel's thread (s, j), run here: each value finds its segment on its own.
  std::vector<float> thread(nsamp * nchan, -1.0f);
  const packed::PackedView v = p.view();
  for (uint64_t s = 0; s < n; ++s) {
    for (size_t j = 0; j < nchan; ++j)
      thread[s * nchan + j] = packed::packed_value(v, s, packed::segment_of(v, s), j);
  }
  for (size_t i = 0; i < n * nchan; ++i) {
    if (std::memcmp(&want[i], &got[i], sizeof(float)) != 0 ||
        std::memcmp(&want[i], &thread[i], sizeof(float)) != 0) {
      FAIL() << "sample " << start + i / nchan << " channel " << i % nchan << ": read " << want[i]
             << ", packed " << got[i] << ", per thread " << thread[i];
    }
  }
}

// Segment k holds [seg_end[k - 1], seg_end[k]), in the numbering first_sample shifts.
TEST(PackedElement, SegmentOfFindsTheRow) {
  const uint64_t ends[] = {3, 5, 9};
  packed::PackedView v;
  v.seg_end = ends;
  v.nseg = 3;
  const uint64_t want[] = {0, 0, 0, 1, 1, 2, 2, 2, 2};
  for (uint64_t s = 0; s < 9; ++s) EXPECT_EQ(packed::segment_of(v, s), want[s]) << s;
  v.first_sample = 4;  // sample 0 of the view is sample 4 of the segments
  for (uint64_t s = 0; s < 5; ++s) EXPECT_EQ(packed::segment_of(v, s), want[s + 4]) << s;
}

// Whole stream, single samples at both ends, row-crossing spans, and past the end.
void expect_spans_match(Reader& r, uint64_t nsblk) {
  const uint64_t total = r.info().nsamples;
  ASSERT_GT(total, 2 * nsblk);
  expect_packed_matches(r, 0, total);
  expect_packed_matches(r, 0, 1);
  expect_packed_matches(r, total - 1, 1);
  expect_packed_matches(r, nsblk - 3, nsblk + 7);  // across two row boundaries
  expect_packed_matches(r, total - 5, 50);         // clipped at the end
  PackedSamples p;
  for (uint64_t start : {total, total + 10}) {
    ASSERT_TRUE(r.read_packed(start, 10, p));
    EXPECT_EQ(p.nsamp, 0u);
  }
}

// Scales, offsets and weights that change with the row, pol and channel and are not powers
// of two, so that every product and sum rounds (and one weight is zero).
FitsSpec varied_spec(int npol, const std::string& pol_type) {
  FitsSpec sp;
  sp.nchan = 37;
  sp.nsblk = 16;
  sp.nrows = 5;
  sp.npol = npol;
  sp.pol_type = pol_type;
  sp.zero_off = 7.25;
  sp.scl = [](int64_t row, int pol, int c) {
    return 0.3f + 0.0137f * static_cast<float>(row) + 0.11f * static_cast<float>(pol) +
           0.00731f * static_cast<float>(c);
  };
  sp.offs = [](int64_t row, int pol, int c) {
    return -2.3f + 0.71f * static_cast<float>(row) - 1.3f * static_cast<float>(pol) +
           0.173f * static_cast<float>(c % 5);
  };
  sp.wts = [](int64_t row, int c) {
    return c == 4 ? 0.0f : 0.9f + 0.033f * static_cast<float>((row + c) % 4);
  };
  return sp;
}

struct Case {
  const char* name;
  FitsSpec spec;
};

std::vector<Case> psrfits_cases() {
  std::vector<Case> cases;
  cases.push_back({"OnePol", varied_spec(1, "AA+BB")});
  cases.push_back({"TwoPolsSummed", varied_spec(2, "AABB")});
  cases.push_back({"FourPolsAaBbOnly", varied_spec(4, "AABBCRCI")});
  cases.push_back({"IquvPolZero", varied_spec(4, "IQUV")});
  FitsSpec rev = varied_spec(2, "AABB");
  rev.chan_bw = -0.5;
  cases.push_back({"ReversedTwoPols", rev});
  FitsSpec rev1 = varied_spec(1, "AA+BB");
  rev1.chan_bw = -1;
  cases.push_back({"ReversedOnePol", rev1});
  FitsSpec sgn = varied_spec(2, "AABB");
  sgn.signint = 1;
  sgn.raw = [](int64_t r, int64_t s, int p, int c) {
    return static_cast<double>((r * 7 + s * 3 + p * 5 + c * 11) % 256 - 128);
  };
  cases.push_back({"Signed", sgn});
  FitsSpec bcast = varied_spec(2, "AABB");
  bcast.scales_nchan_only = true;
  cases.push_back({"ScalesBroadcastOverPols", bcast});
  return cases;
}

TEST(PackedReadPsrfits, EqualsReadForEveryLayout) {
  test::TempDir dir;
  for (const Case& c : psrfits_cases()) {
    SCOPED_TRACE(c.name);
    const std::string path = dir / (std::string(c.name) + ".fits");
    test::write_psrfits(path, c.spec);
    auto r = open_psrfits({path});
    expect_spans_match(*r, static_cast<uint64_t>(c.spec.nsblk));
  }
}

TEST(PackedReadPsrfits, CompressedTableEqualsRead) {
  test::TempDir dir;
  const std::string plain = dir / "plain.fits", packed = dir / "packed.fits.fz";
  FitsSpec sp = varied_spec(4, "AABBCRCI");
  sp.chan_bw = -1;
  test::write_psrfits(plain, sp);
  test::compress_psrfits(plain, packed);
  auto r = open_psrfits({packed});
  expect_spans_match(*r, static_cast<uint64_t>(sp.nsblk));
}

// Three files of one scan, the last with NSTOT padding: spans across the files.
TEST(PackedReadPsrfits, MultiFileScanEqualsRead) {
  test::TempDir dir;
  std::vector<std::string> files;
  FitsSpec sp = varied_spec(2, "AABB");
  for (int k = 0; k < 3; ++k) {
    sp.nsuboffs = k * sp.nrows;
    if (k == 2) sp.nstot = sp.nrows * sp.nsblk - 9;
    files.push_back(dir / ("scan_" + std::to_string(k) + ".fits"));
    test::write_psrfits(files.back(), sp);
  }
  auto r = open_psrfits(files);
  const auto file_len = static_cast<uint64_t>(sp.nrows * sp.nsblk);
  ASSERT_EQ(r->info().nsamples, 3 * file_len - 9);
  expect_spans_match(*r, static_cast<uint64_t>(sp.nsblk));
  expect_packed_matches(*r, file_len - 5, file_len + 10);  // across both file boundaries
}

// Spans touching a gap between files have no packed form; spans beside it do.
TEST(PackedReadPsrfits, SpansOverAGapAreRefused) {
  test::TempDir dir;
  FitsSpec sp = varied_spec(1, "AA+BB");
  const std::string a = dir / "a.fits", b = dir / "b.fits";
  test::write_psrfits(a, sp);
  sp.nsuboffs = sp.nrows + 2;  // two rows missing
  test::write_psrfits(b, sp);
  auto r = open_psrfits({a, b});
  ASSERT_EQ(r->info().gaps.size(), 1u);
  const Gap gap = r->info().gaps.front();
  PackedSamples p;
  EXPECT_FALSE(r->read_packed(gap.start_sample - 3, 5, p));
  EXPECT_FALSE(r->read_packed(gap.start_sample + 1, 3, p));
  EXPECT_FALSE(r->read_packed(0, r->info().nsamples, p));
  expect_packed_matches(*r, 0, gap.start_sample);
  expect_packed_matches(*r, gap.start_sample + gap.nsamp, 40);
}

TEST(PackedReadPsrfits, OtherSampleSizesHaveNoPackedForm) {
  test::TempDir dir;
  for (int nbits : {1, 2, 4, 16, 32}) {
    SCOPED_TRACE(nbits);
    FitsSpec sp;
    sp.nchan = 16;
    sp.nbits = nbits;
    const std::string path = dir / ("b" + std::to_string(nbits) + ".fits");
    test::write_psrfits(path, sp);
    auto r = open_psrfits({path});
    PackedSamples p;
    EXPECT_FALSE(r->read_packed(0, 4, p));
  }
}

// A filterbank written byte by byte: `nifs` IFs, spectra of `nchans` values (i * 37 + 11) % 256.
std::string write_fil(const test::TempDir& dir, const std::string& name, int nifs, bool descending,
                      bool is_signed, int nbits, uint64_t nspectra, double tstart = 60000.0) {
  SigprocHeader h;
  h.telescope_id = 21;
  h.data_type = 1;
  h.nchans = 29;
  h.nbits = nbits;
  h.nifs = nifs;
  h.tsamp = 1e-3;
  h.tstart = tstart;
  h.fch1 = descending ? 1500.0 : 1472.0;
  h.foff = descending ? -1.0 : 1.0;
  h.source_name = "packed";
  if (is_signed) h.is_signed = 1;
  const size_t bytes = static_cast<size_t>(nspectra * 29 * nifs * nbits / 8);
  std::string data(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) data[i] = static_cast<char>((i * 37 + 11) % 256);
  const std::string path = dir / name;
  test::write_bytes(path, serialise_sigproc_header(h) + data);
  return path;
}

TEST(PackedReadFilterbank, EqualsReadForEveryLayout) {
  test::TempDir dir;
  for (int nifs : {1, 2, 4}) {
    for (bool descending : {false, true}) {
      for (bool is_signed : {false, true}) {
        SCOPED_TRACE(testing::Message()
                     << nifs << " IFs, descending " << descending << ", signed " << is_signed);
        const std::string path = write_fil(dir, "f.fil", nifs, descending, is_signed, 8, 100);
        auto r = open_filterbank({path});
        expect_spans_match(*r, 20);
      }
    }
  }
}

TEST(PackedReadFilterbank, TwoFilesAreOneStream) {
  test::TempDir dir;
  const std::string a = write_fil(dir, "a.fil", 2, true, false, 8, 60);
  const std::string b = write_fil(dir, "b.fil", 2, true, false, 8, 50, 60000.0 + 60e-3 / 86400);
  auto r = open_filterbank({a, b});
  ASSERT_EQ(r->info().nsamples, 110u);
  expect_spans_match(*r, 20);
  expect_packed_matches(*r, 55, 10);
}

TEST(PackedReadFilterbank, OtherSampleSizesHaveNoPackedForm) {
  test::TempDir dir;
  for (int nbits : {1, 2, 4, 32}) {
    SCOPED_TRACE(nbits);
    // 29 channels x 4 IFs of 1 to 4 bits is not whole bytes; 8 spectra of 2 IFs are.
    const std::string path = write_fil(dir, "o.fil", nbits < 8 ? 8 : 1, false, false, nbits, 8);
    auto r = open_filterbank({path});
    PackedSamples p;
    EXPECT_FALSE(r->read_packed(0, 4, p));
  }
}

// Every file of ../shared/data/real through open_beam (the reader the pipeline gets): 8-bit
// ones have a packed form equal to read(), the others none.
TEST(PackedReadReal, EveryRealFile) {
  TIANYAN_REQUIRE_REAL_DATA();
  int eight_bit = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(test::real_data_dir())) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".fil" && ext != ".fits")) continue;
    SCOPED_TRACE(e.path().string());
    auto r = open_beam(BeamFiles{"", 0, {e.path().string()}});
    const uint64_t total = r->info().nsamples;
    PackedSamples p;
    if (r->info().nbits != 8) {
      EXPECT_FALSE(r->read_packed(0, total, p));
      continue;
    }
    ++eight_bit;
    expect_packed_matches(*r, 0, total);
    if (total > 7) expect_packed_matches(*r, 3, total);  // clipped at the end
  }
  EXPECT_GE(eight_bit, 5);  // parkes_8bit_1/2, small.fil, small.fits, test_4pol.fits
}

TEST(PackedReadReal, ParkesFilesAreOneStream) {
  TIANYAN_REQUIRE_REAL_DATA();
  const auto dir = test::real_data_dir() / "sigpyproc3";
  auto r =
      open_filterbank({(dir / "parkes_8bit_1.fil").string(), (dir / "parkes_8bit_2.fil").string()});
  expect_packed_matches(*r, 4000, 200);  // across the files
  expect_packed_matches(*r, 0, r->info().nsamples);
}

}  // namespace
}  // namespace tianyan
