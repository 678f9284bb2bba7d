// PSRFITS reader: multi-file streams (contiguity, gaps, compatibility, random access) and every
// kind of bad input, which must surface as one BadInput line naming the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <vector>

#include "io/psrfits/psrfits_reader.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"
#include "tests/io/fits_fixture.hpp"

namespace tianyan {
namespace {
using test::FitsSpec;

std::vector<float> read_all(Reader& r) {
  std::vector<float> out(r.info().nsamples * r.info().nchan());
  EXPECT_EQ(r.read(0, r.info().nsamples, out.data()), r.info().nsamples);
  return out;
}

// Writes the rows [first, first + nrows) of `base` as one file of a scan.
std::string write_part(const test::TempDir& dir, const std::string& name, FitsSpec base,
                       int64_t first, int64_t nrows) {
  base.nsuboffs = first;
  base.nrows = nrows;
  const std::string path = dir / name;
  test::write_psrfits(path, base);
  return path;
}

void expect_bad_input(const std::function<void()>& f, const std::string& file,
                      const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error for " << file;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << msg;
    EXPECT_EQ(msg.rfind(file + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

void open_and_read(const std::vector<std::string>& files, OpenOptions options = {}) {
  auto r = open_psrfits(files, options);
  read_all(*r);
}

FitsSpec scan_spec() {
  FitsSpec spec;
  spec.nsblk = 5;
  spec.nchan = 12;
  spec.npol = 2;
  spec.pol_type = "AABB";
  spec.scl = [](int64_t row, int p, int c) {
    return 1.0f + 0.25f * static_cast<float>(row + p + c);
  };
  return spec;
}

TEST(PsrfitsStream, ContiguousFilesEqualOneFile) {
  test::TempDir dir;
  const FitsSpec spec = scan_spec();
  const auto whole = write_part(dir, "whole.fits", spec, 0, 9);
  const std::vector<std::string> parts = {write_part(dir, "a.fits", spec, 0, 3),
                                          write_part(dir, "b.fits", spec, 3, 2),
                                          write_part(dir, "c.fits", spec, 5, 4)};
  auto one = open_psrfits({whole});
  auto many = open_psrfits(parts);
  EXPECT_EQ(many->info().files, parts);
  EXPECT_EQ(many->info().nsamples, 45u);
  EXPECT_EQ(many->info().nsamples_stored, 45u);
  EXPECT_TRUE(many->info().gaps.empty());
  EXPECT_EQ(read_all(*one), read_all(*many));
}

TEST(PsrfitsStream, UnadvancedNsuboffsIsPlacedFromOffsSub) {
  test::TempDir dir;
  const FitsSpec spec = scan_spec();
  const auto whole = write_part(dir, "whole.fits", spec, 0, 4);
  // Each file written as if it were rows 0.. with NSUBOFFS 0, then OFFS_SUB moved to its place.
  FitsSpec second = spec;
  second.raw = [raw = test::with_defaults(spec).raw](int64_t r, int64_t s, int p, int c) {
    return raw(r + 2, s, p, c);
  };
  second.scl = [scl = spec.scl](int64_t r, int p, int c) { return scl(r + 2, p, c); };
  second.offs_sub_shift = 2 * 5 * spec.tbin;
  const auto a = write_part(dir, "a.fits", spec, 0, 2);
  const auto b = write_part(dir, "b.fits", second, 0, 2);
  auto many = open_psrfits({a, b});
  EXPECT_EQ(read_all(*open_psrfits({whole})), read_all(*many));
}

TEST(PsrfitsStream, MissingFileIsPaddedWithNeighbourMeansAndReported) {
  test::TempDir dir;
  const FitsSpec spec = scan_spec();
  const auto a = write_part(dir, "a.fits", spec, 0, 2);
  const auto c = write_part(dir, "c.fits", spec, 4, 2);
  auto r = open_psrfits({a, c});
  const auto& info = r->info();
  ASSERT_EQ(info.gaps.size(), 1u);
  EXPECT_EQ(info.gaps[0].start_sample, 10u);
  EXPECT_EQ(info.gaps[0].nsamp, 10u);
  EXPECT_EQ(info.gaps[0].before_file, a);
  EXPECT_EQ(info.nsamples, 30u);
  EXPECT_EQ(info.nsamples_stored, 20u);
  const auto data = read_all(*r);
  const FitsSpec sp = test::with_defaults(spec);
  const size_t nchan = 12;
  for (size_t k = 0; k < nchan; ++k) {
    double before = 0, after = 0;  // means of row 1 (last before) and row 4 (first after)
    for (int64_t s = 0; s < 5; ++s) {
      before += test::expected_value(sp, 1, s, static_cast<int>(k)) / 5;
      after += test::expected_value(sp, 4, s, static_cast<int>(k)) / 5;
    }
    for (size_t t = 0; t < 30; ++t) {
      const double want = t < 10   ? test::expected_value(sp, t / 5, t % 5, static_cast<int>(k))
                          : t < 15 ? before
                          : t < 20 ? after
                                   : test::expected_value(sp, t / 5, t % 5, static_cast<int>(k));
      ASSERT_NEAR(data[t * nchan + k], want, 1e-4 * (1 + std::abs(want))) << t << " " << k;
    }
  }
  expect_bad_input([&] { open_psrfits({a, c}, OpenOptions{.strict = true}); }, c, "missing");
}

TEST(PsrfitsStream, RandomReadsEqualTheWholeRead) {
  test::TempDir dir;
  FitsSpec spec = scan_spec();
  spec.chan_bw = -1;
  const std::vector<std::string> files = {write_part(dir, "a.fits", spec, 0, 3),
                                          write_part(dir, "b.fits", spec, 3, 2),
                                          write_part(dir, "d.fits", spec, 7, 3)};  // gap of 2 rows
  auto r = open_psrfits(files);
  const auto whole = read_all(*r);
  const uint64_t n = r->info().nsamples;
  const size_t nchan = r->info().nchan();
  ASSERT_EQ(n, 50u);
  std::mt19937 rng(20240611);
  std::vector<float> buf;
  for (int trial = 0; trial < 300; ++trial) {
    const uint64_t start = std::uniform_int_distribution<uint64_t>(0, n + 2)(rng);
    const uint64_t len = std::uniform_int_distribution<uint64_t>(1, 23)(rng);
    buf.assign(len * nchan, -1.0f);
    const uint64_t got = r->read(start, len, buf.data());
    ASSERT_EQ(got, start >= n ? 0 : std::min(len, n - start));
    for (size_t i = 0; i < got * nchan; ++i)
      ASSERT_EQ(buf[i], whole[start * nchan + i]) << "start " << start << " len " << len;
  }
}

// Rows big enough that a read is split over chunks and threads (reader chunks are 256 KiB).
TEST(PsrfitsStream, ThreadsGiveBitIdenticalSamples) {
  test::TempDir dir;
  for (const int nbits : {4, 8, 16}) {
    SCOPED_TRACE(nbits);
    FitsSpec spec = scan_spec();
    spec.nbits = nbits;
    spec.nchan = 512;
    spec.nsblk = 1024;
    spec.chan_bw = -1;
    const std::string tag = std::to_string(nbits);
    const std::vector<std::string> files = {write_part(dir, "a" + tag + ".fits", spec, 0, 2),
                                            write_part(dir, "b" + tag + ".fits", spec, 3, 2)};
    auto one = open_psrfits(files, OpenOptions{.threads = 1});
    auto two = open_psrfits(files, OpenOptions{.threads = 2});
    ASSERT_EQ(one->info().nsamples, 5u * 1024);
    const auto whole = read_all(*one);
    EXPECT_EQ(read_all(*two), whole);
    // Reads starting and ending mid-row and mid-chunk, across the gap.
    const size_t nchan = 512;
    for (const auto& [start, len] : {std::pair<uint64_t, uint64_t>{300, 1500}, {1900, 2600}}) {
      std::vector<float> buf(len * nchan);
      ASSERT_EQ(two->read(start, len, buf.data()), len);
      EXPECT_TRUE(std::equal(buf.begin(), buf.end(), whole.begin() + start * nchan)) << start;
    }
  }
}

TEST(PsrfitsBadInput, FileTruncatedAfterOpeningIsBadInput) {
  test::TempDir dir;
  FitsSpec spec = scan_spec();
  spec.nchan = 512;
  spec.nsblk = 256;
  spec.nrows = 4;
  const std::string path = dir / "shrinks.fits";
  test::write_psrfits(path, spec);
  auto r = open_psrfits({path}, OpenOptions{.threads = 2});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  expect_bad_input([&] { read_all(*r); }, path, "row");
}

TEST(PsrfitsStream, IncompatibleOrOverlappingFilesAreRefused) {
  test::TempDir dir;
  const FitsSpec spec = scan_spec();
  const auto a = write_part(dir, "a.fits", spec, 0, 2);
  struct Case {
    const char* name;
    std::function<void(FitsSpec&)> change;
    const char* fragment;
  };
  const Case cases[] = {
      {"nchan.fits", [](FitsSpec& s) { s.nchan = 16; }, "NCHAN"},
      {"tbin.fits", [](FitsSpec& s) { s.tbin = 2e-3; }, "TBIN"},
      {"freq.fits", [](FitsSpec& s) { s.freq0 += 0.5; }, "MHz"},
      {"nbits.fits", [](FitsSpec& s) { s.nbits = 4; }, "NBITS"},
      {"npol.fits", [](FitsSpec& s) { s.npol = 1; }, "NPOL"},
      {"nsblk.fits", [](FitsSpec& s) { s.nsblk = 10; }, "NSBLK"},
      {"overlap.fits", [](FitsSpec& s) { s.nsuboffs = 1; }, "overlaps"},
  };
  for (const Case& c : cases) {
    FitsSpec other = spec;
    other.nsuboffs = 2;
    c.change(other);
    const std::string path = dir / c.name;
    test::write_psrfits(path, other);
    SCOPED_TRACE(c.name);
    expect_bad_input([&] { open_psrfits({a, path}); }, path, c.fragment);
  }
}

TEST(PsrfitsBadInput, EachDefectIsOneLineNamingTheFile) {
  test::TempDir dir;
  struct Case {
    const char* name;
    std::function<void(FitsSpec&)> change;
    const char* fragment;
  };
  const Case cases[] = {
      {"nosubint.fits", [](FitsSpec& s) { s.extname = "OTHER"; }, "SUBINT"},
      {"psr.fits", [](FitsSpec& s) { s.obs_mode = "PSR"; }, "OBS_MODE"},
      {"rowsize.fits", [](FitsSpec& s) { s.data_bytes_extra = 8; }, "row size"},
      {"nchan0.fits", [](FitsSpec& s) { s.nchan_key = 0; }, "NCHAN"},
      {"nan.fits",
       [](FitsSpec& s) {
         s.scl = [](int64_t row, int, int c) { return row == 1 && c == 2 ? NAN : 1.0f; };
       },
       "DAT_SCL"},
      {"fakez.fits", [](FitsSpec& s) { s.fake_ztable = true; }, "compressed"},
  };
  for (const Case& c : cases) {
    FitsSpec spec;
    c.change(spec);
    const std::string path = dir / c.name;
    test::write_psrfits(path, spec);
    SCOPED_TRACE(c.name);
    expect_bad_input([&] { open_and_read({path}); }, path, c.fragment);
  }
}

TEST(PsrfitsBadInput, TruncatedNotFitsAndUnreadablePaths) {
  test::TempDir dir;
  FitsSpec spec;
  spec.nrows = 40;
  spec.nchan = 64;
  const std::string cut = dir / "cut.fits";
  test::write_psrfits(cut, spec);
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) - 4000);
  expect_bad_input([&] { open_and_read({cut}); }, cut, "truncated");

  const std::string text = dir / "notes.fits";
  test::write_bytes(text, "this is not a FITS file\n");
  expect_bad_input([&] { open_and_read({text}); }, text, "FITS");

  const std::string missing = dir / "missing.fits";
  expect_bad_input([&] { open_and_read({missing}); }, missing, "no such file");
  expect_bad_input([&] { open_and_read({dir.path().string()}); }, dir.path().string(), "directory");
  EXPECT_THROW(open_psrfits({}), Error);
}

}  // namespace
}  // namespace tianyan
