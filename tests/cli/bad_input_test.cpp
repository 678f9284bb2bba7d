// Every kind of bad input named by the foundation issue: exit code 3 and one line on stderr that
// names the file and the problem. Never a crash.
#include <fitsio.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "io/psrfits/psrfits_writer.hpp"
#include "io/sigproc/filterbank.hpp"
#include "tests/common/sigproc_bytes.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

ObservationInfo small_header(int npol) {
  ObservationInfo h;
  h.source = "J0000+0000";
  h.telescope = "FAST";
  h.start_mjd = 60000.5;
  h.tsamp_s = 98.304e-6;
  h.nbits = 8;
  h.npol = npol;
  for (int c = 0; c < 16; ++c) h.freqs_mhz.push_back(1000.0 + 31.25 * c);
  h.flagged.assign(16, 0);
  return h;
}

// A valid two-row PSRFITS file (NSBLK 64) to break in different ways.
std::string good_psrfits(const TempDir& dir, const std::string& stem) {
  PsrfitsWriteOptions opt;
  opt.nsblk = 64;
  opt.rows_per_file = 2;
  auto w = make_psrfits_writer(dir / stem, small_header(2), opt);
  std::vector<float> block(128 * 2 * 16, 7.0f);
  w->write(block.data(), 128);
  w->finish();
  return w->files().front();
}

std::string good_filterbank(const TempDir& dir, const std::string& name) {
  auto w = make_filterbank_writer(dir / name, small_header(1));
  std::vector<float> block(32 * 16, 3.0f);
  w->write(block.data(), 32);
  w->finish();
  return dir / name;
}

// Edits a FITS file in place through CFITSIO (HDU 2 is SUBINT in our writer's files).
template <typename Edit>
void edit_fits(const std::string& path, int hdu, Edit edit) {
  int status = 0;
  fitsfile* f = nullptr;
  fits_open_file(&f, path.c_str(), READWRITE, &status);
  fits_movabs_hdu(f, hdu, nullptr, &status);
  edit(f, &status);
  fits_close_file(f, &status);
  ASSERT_EQ(status, 0) << "could not prepare " << path;
}


void expect_bad_input(const std::string& path, const std::string& problem_hint) {
  const auto r = run_tianyan({"info", path});
  EXPECT_EQ(r.exit_code, 3) << path << "\nstdout: " << r.out << "\nstderr: " << r.err;
  std::string err = r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  EXPECT_EQ(err.find('\n'), std::string::npos) << "more than one line:\n" << r.err;
  EXPECT_NE(err.find(fs::path(path).filename().string()), std::string::npos)
      << "the message does not name the file: " << r.err;
  if (!problem_hint.empty()) {
    std::string lower = err;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(lower.find(problem_hint), std::string::npos) << "expected '" << problem_hint
                                                           << "' in: " << r.err;
  }
}

TEST(BadInput, TruncatedPsrfits) {
  TempDir dir;
  const auto path = good_psrfits(dir, "trunc");
  fs::resize_file(path, fs::file_size(path) - 3000);
  expect_bad_input(path, "");
}

TEST(BadInput, TruncatedFilterbankHeader) {
  TempDir dir;
  const auto path = good_filterbank(dir, "trunc.fil");
  fs::resize_file(path, 60);
  expect_bad_input(path, "");
}

TEST(BadInput, WrongMagic) {
  TempDir dir;
  write_bytes(dir / "noise.fits", std::string(4096, 'x'));
  expect_bad_input(dir / "noise.fits", "");
}

TEST(BadInput, EmptyFile) {
  TempDir dir;
  write_bytes(dir / "empty.fil", "");
  expect_bad_input(dir / "empty.fil", "empty");
}

TEST(BadInput, PsrfitsNotSearchMode) {
  TempDir dir;
  const auto path = good_psrfits(dir, "fold");
  edit_fits(path, 1, [](fitsfile* f, int* s) {
    char mode[] = "PSR";
    fits_update_key(f, TSTRING, "OBS_MODE", mode, nullptr, s);
  });
  expect_bad_input(path, "search");
}

TEST(BadInput, RowSizeDisagreesWithHeader) {
  TempDir dir;
  const auto path = good_psrfits(dir, "rowsize");
  edit_fits(path, 2, [](fitsfile* f, int* s) {
    int nbits = 4;
    fits_update_key(f, TINT, "NBITS", &nbits, nullptr, s);
  });
  expect_bad_input(path, "");
}

TEST(BadInput, PsrfitsZeroChannels) {
  TempDir dir;
  const auto path = good_psrfits(dir, "nchan0");
  edit_fits(path, 2, [](fitsfile* f, int* s) {
    int nchan = 0;
    fits_update_key(f, TINT, "NCHAN", &nchan, nullptr, s);
  });
  expect_bad_input(path, "nchan");
}

TEST(BadInput, PsrfitsNanScale) {
  TempDir dir;
  const auto path = good_psrfits(dir, "nanscale");
  edit_fits(path, 2, [](fitsfile* f, int* s) {
    int col = 0;
    char name[] = "DAT_SCL";
    fits_get_colnum(f, CASEINSEN, name, &col, s);
    float nan = std::nanf("");
    fits_write_col(f, TFLOAT, col, 1, 3, 1, &nan, s);
  });
  expect_bad_input(path, "nan");
}

TEST(BadInput, CompressedTableThatCannotBeDecoded) {
  TempDir dir;
  const auto path = good_psrfits(dir, "ztable");
  edit_fits(path, 2, [](fitsfile* f, int* s) {
    int yes = 1;
    fits_update_key(f, TLOGICAL, "ZTABLE", &yes, "claims tile compression", s);
  });
  expect_bad_input(path, "compress");
}

TEST(BadInput, FilterbankUnknownKey) {
  TempDir dir;
  std::string h = sigproc_str("HEADER_START") + sigproc_key("nchans", int32_t{16}) +
                  sigproc_key("nbits", int32_t{8}) + sigproc_key("tsamp", 1e-3) +
                  sigproc_key("fch1", 1500.0) + sigproc_key("foff", -1.0) +
                  sigproc_key("telescope_foo", int32_t{3}) + sigproc_str("HEADER_END") +
                  std::string(16 * 10, '\x10');
  write_bytes(dir / "unknown_key.fil", h);
  expect_bad_input(dir / "unknown_key.fil", "telescope_foo");
}

TEST(BadInput, FilterbankZeroChannels) {
  TempDir dir;
  std::string h = sigproc_str("HEADER_START") + sigproc_key("nchans", int32_t{0}) +
                  sigproc_key("nbits", int32_t{8}) + sigproc_key("tsamp", 1e-3) +
                  sigproc_key("fch1", 1500.0) + sigproc_key("foff", -1.0) +
                  sigproc_str("HEADER_END") + std::string(100, '\x10');
  write_bytes(dir / "nchan0.fil", h);
  expect_bad_input(dir / "nchan0.fil", "nchan");
}

TEST(BadInput, UnreadablePath) {
  TempDir dir;
  expect_bad_input(dir / "does_not_exist.fits", "");
  // A path that runs through a regular file cannot be opened, even by root.
  write_bytes(dir / "plain", "x");
  expect_bad_input((dir.path() / "plain" / "obs.fil").string(), "");
}

}  // namespace
}  // namespace tianyan::test
