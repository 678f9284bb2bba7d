// The fold-mode reader on inputs it did not write: archives of other software (simulated by
// stripping tianyan's additions from one of ours, with or without POLYCO, channels stored
// descending) and broken files, which must give BadInput naming the file.
#include <fitsio.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "io/psrfits/psrfits_fold_reader.hpp"
#include "io/psrfits/psrfits_fold_writer.hpp"
#include "io/psrfits/psrfits_writer.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"
#include "tests/fold_io/fold_io_test_util.hpp"

namespace tianyan {
namespace {
namespace fs = std::filesystem;
using test::FitsFile;
using test::TempDir;

void delete_hdu(FitsFile& f, const char* name) {
  ASSERT_TRUE(f.move(name)) << name;
  int st = 0;
  fits_delete_hdu(f.get(), nullptr, &st);
  ASSERT_EQ(st, 0);
}

void delete_column(FitsFile& f, const char* name) {
  ASSERT_TRUE(f.move("SUBINT"));
  int st = 0;
  fits_delete_col(f.get(), f.col(name), &st);
  ASSERT_EQ(st, 0) << name;
}

// Rewrites every SUBINT row with its channels in descending frequency, as many backends
// store them.
void store_descending(FitsFile& f, size_t nsub, size_t nchan, size_t nbin) {
  ASSERT_TRUE(f.move("SUBINT"));
  auto flip = [&](const char* col, long row, size_t block) {
    auto v = f.read(col, row, long(nchan * block));
    std::vector<double> out(v.size());
    for (size_t c = 0; c < nchan; ++c) {
      std::copy_n(v.begin() + long(c * block), block, out.begin() + long((nchan - 1 - c) * block));
    }
    int st = 0;
    fits_write_col(f.get(), TDOUBLE, f.col(col), row, 1, long(out.size()), out.data(), &st);
    ASSERT_EQ(st, 0) << col;
  };
  for (size_t s = 0; s < nsub; ++s) {
    for (const char* col : {"DAT_FREQ", "DAT_WTS", "DAT_OFFS", "DAT_SCL"})
      flip(col, long(s + 1), 1);
    flip("DATA", long(s + 1), nbin);
  }
  double bw = 0;
  int st = 0;
  fits_read_key(f.get(), TDOUBLE, "CHAN_BW", &bw, nullptr, &st);
  bw = -bw;
  fits_update_key(f.get(), TDOUBLE, "CHAN_BW", &bw, nullptr, &st);
  ASSERT_EQ(st, 0);
}

// One of our archives as other software would write it: no TIANYAN table, no TY_BVAR.
std::string foreign_archive(const TempDir& dir, const FoldedCandidate& c, bool keep_polyco,
                            bool descending) {
  const std::string path = dir / "foreign.ar";
  write_fold_archive(path, c);
  FitsFile f(path, READWRITE);
  delete_hdu(f, "TIANYAN");
  delete_column(f, "TY_BVAR");
  if (!keep_polyco) delete_hdu(f, "POLYCO");
  if (descending) store_descending(f, c.cube.nsubint, c.cube.nsubband, c.cube.nbin);
  return path;
}

void expect_same_data_and_estimated_var(const FoldedCandidate& ours, const FoldedCandidate& r) {
  const FoldCube &a = ours.cube, &b = r.cube;
  ASSERT_EQ(b.data.size(), a.data.size());
  EXPECT_EQ(b.freqs_mhz, a.freqs_mhz);
  double ratio_sum = 0;
  int n = 0;
  for (size_t i = 0; i < a.nsubint * a.nsubband; ++i) {
    for (size_t j = 0; j < a.nbin; ++j) {
      const double x = a.data[i * a.nbin + j], y = b.data[i * a.nbin + j];
      ASSERT_NEAR(y, x, 2e-3) << i << " " << j;  // DAT_SCL/2 is ~1e-3 for these profiles
    }
    if (a.bin_var[i] == 0) {
      EXPECT_EQ(b.bin_var[i], 0.0f) << i;
    } else {
      ratio_sum += b.bin_var[i] / a.bin_var[i];
      ++n;
    }
  }
  // The clipped variance of 64 bins scatters by ~20% per profile; over 120 profiles the mean
  // ratio is within a few percent of 1. (A pulse adds its own variance: bins within 3 sigma
  // are not clipped, so a pulse of 4 sigma per bin in every profile raises it by ~15%; these
  // tests use a weaker one, 0.8 sigma, as in the sub-integrations of a real candidate.)
  EXPECT_NEAR(ratio_sum / n, 1.0, 0.08);
}

TEST(FoldArchiveInput, ForeignArchiveWithPolyco) {
  TempDir dir;
  const auto c = test::make_candidate(11, {.pulse = 8.0f});
  const auto r = read_fold_archive(foreign_archive(dir, c, true, false));
  expect_same_data_and_estimated_var(c, r);
  const FoldModel &m = c.cube.model, &g = r.cube.model;
  EXPECT_NEAR(g.ref_s, m.ref_s, 1e-9);
  EXPECT_NEAR(g.freq_hz, m.freq_hz, 1e-9 * m.freq_hz);
  EXPECT_NEAR(g.fdot_hz_s, m.fdot_hz_s, 1e-6 * std::abs(m.fdot_hz_s));
  EXPECT_EQ(g.dm, m.dm) << "HISTORY says dedispersed";
  EXPECT_EQ(r.cube.ref_freq_mhz, c.cube.ref_freq_mhz);  // REFFREQ
  EXPECT_EQ(r.cube.subint_mid_s, c.cube.subint_mid_s);
  EXPECT_NEAR(r.cube.tobs_s, c.cube.tobs_s, 1e-9);
  EXPECT_EQ(r.meta.source, c.meta.source);
  EXPECT_EQ(r.meta.telescope, "FAST");
  EXPECT_EQ(r.meta.beam, 1);
  EXPECT_NEAR(r.meta.ra_deg, c.meta.ra_deg, 1e-5);
  EXPECT_NEAR(r.meta.dec_deg, c.meta.dec_deg, 1e-5);
  EXPECT_NEAR(r.meta.start_mjd, c.meta.start_mjd, 1e-10);
  EXPECT_EQ(r.meta.nchan, 4096u);
}

TEST(FoldArchiveInput, ForeignArchiveWithPeriodOnlyAndDescendingChannels) {
  TempDir dir;
  const auto c = test::make_candidate(12, {.pulse = 8.0f});
  const auto r = read_fold_archive(foreign_archive(dir, c, false, true));
  expect_same_data_and_estimated_var(c, r);
  // 1/PERIOD is linear in time for a constant fdot, so the fit recovers the model.
  const FoldModel &m = c.cube.model, &g = r.cube.model;
  EXPECT_NEAR(g.freq_hz, m.freq_hz, 1e-12 * m.freq_hz);
  EXPECT_NEAR(g.fdot_hz_s, m.fdot_hz_s, 1e-4 * std::abs(m.fdot_hz_s));
}

void expect_bad_input(const std::string& path, const std::string& what) {
  try {
    read_fold_archive(path);
    FAIL() << "no error for " << what;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(FoldArchiveInput, BrokenFilesAreBadInputNamingTheFile) {
  TempDir dir;
  const auto c = test::make_candidate(13);
  expect_bad_input(dir / "absent.ar", "no such file");
  const std::string text = dir / "text.ar";
  test::write_bytes(text, "not a FITS file at all\n");
  expect_bad_input(text, "not a FITS file");
  // Truncated in the SUBINT data, and inside the primary header.
  for (uintmax_t keep : {uintmax_t{0}, uintmax_t{100}}) {
    const std::string path = dir / ("trunc" + std::to_string(keep) + ".ar");
    write_fold_archive(path, c);
    fs::resize_file(path, keep ? keep : fs::file_size(path) * 2 / 3);
    expect_bad_input(path, "");  // CFITSIO's message varies with the cut
  }
  const std::string nodata = dir / "nodata.ar";
  write_fold_archive(nodata, c);
  {
    FitsFile f(nodata, READWRITE);
    delete_column(f, "DATA");
  }
  expect_bad_input(nodata, "no DATA column");
  const std::string noext = dir / "noext.ar";
  write_fold_archive(noext, c);
  {
    FitsFile f(noext, READWRITE);
    delete_hdu(f, "TIANYAN");
  }
  expect_bad_input(noext, "TIANYAN");
  const std::string noperiod = dir / "noperiod.ar";
  write_fold_archive(noperiod, c);
  {
    FitsFile f(noperiod, READWRITE);
    delete_hdu(f, "TIANYAN");
    delete_column(f, "TY_BVAR");
    delete_column(f, "PERIOD");
    delete_hdu(f, "POLYCO");
  }
  expect_bad_input(noperiod, "no folding period");
}

TEST(FoldArchiveInput, SearchModeFileIsRefused) {
  TempDir dir;
  ObservationInfo h;
  h.source = "J0000+0000";
  h.telescope = "FAST";
  h.start_mjd = 60000.5;
  h.tsamp_s = 49.152e-6;
  for (int ch = 0; ch < 16; ++ch) h.freqs_mhz.push_back(1000.0 + ch);
  h.nbits = 8;
  h.npol = 1;
  auto writer = make_psrfits_writer(dir / "scan", h, {.nsblk = 64, .rows_per_file = 4});
  std::vector<float> block(64 * 16, 7.0f);
  writer->write(block.data(), 64);
  writer->finish();
  expect_bad_input(writer->files().front(), "search-mode");
}

}  // namespace
}  // namespace tianyan
