#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "io/psrfits/psrfits_writer.hpp"
#include "io/sigproc/filterbank.hpp"
#include "tests/malformed/malformed_cases.hpp"

namespace tianyan::test::malformed {
namespace fs = std::filesystem;

ObservationInfo small_header(int npol, int nchan, double tsamp_s) {
  ObservationInfo h;
  h.source = "J0000+0000";
  h.telescope = "FAST";
  h.start_mjd = 60000.5;
  h.tsamp_s = tsamp_s;
  h.nbits = 8;
  h.npol = npol;
  for (int c = 0; c < nchan; ++c) h.freqs_mhz.push_back(1000.0 + 31.25 * c);
  h.flagged.assign(static_cast<size_t>(nchan), 0);
  return h;
}

std::string good_filterbank(const TempDir& dir, const std::string& name) {
  auto w = make_filterbank_writer(dir / name, small_header(1));
  std::vector<float> block(32 * 16, 3.0f);
  w->write(block.data(), 32);
  w->finish();
  return dir / name;
}

std::string data_file(const TempDir& dir) { return good_filterbank(dir, "data.fil"); }

std::vector<std::string> good_psrfits(const TempDir& dir, const std::string& stem, int rows,
                                      int rows_per_file, const ObservationInfo& header) {
  PsrfitsWriteOptions opt;
  opt.nsblk = 64;
  opt.rows_per_file = rows_per_file;
  auto w = make_psrfits_writer(dir / stem, header, opt);
  const size_t nsamp = static_cast<size_t>(rows) * 64;
  const size_t width = static_cast<size_t>(header.npol) * header.freqs_mhz.size();
  // A ramp rather than a constant, so that scales and offsets are not degenerate.
  std::vector<float> block(nsamp * width);
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<float>(i % 97);
  if (nsamp > 0) w->write(block.data(), nsamp);
  w->finish();
  return w->files();
}

namespace {

void finish_edit(fitsfile* f, int status, const std::string& path) {
  int close_status = 0;
  if (f != nullptr) fits_close_file(f, &close_status);
  if (status != 0 || close_status != 0) {
    char text[FLEN_STATUS] = {0};
    fits_get_errstatus(status != 0 ? status : close_status, text);
    throw PrepareError("could not prepare " + path + ": " + text);
  }
}

}  // namespace

void edit_fits(const std::string& path, int hdu, const std::function<void(fitsfile*, int*)>& edit) {
  int status = 0;
  fitsfile* f = nullptr;
  fits_open_file(&f, path.c_str(), READWRITE, &status);
  fits_movabs_hdu(f, hdu, nullptr, &status);
  if (status == 0) edit(f, &status);
  finish_edit(f, status, path);
}

void edit_fits(const std::string& path, const std::string& extname,
               const std::function<void(fitsfile*, int*)>& edit) {
  int status = 0;
  fitsfile* f = nullptr;
  fits_open_file(&f, path.c_str(), READWRITE, &status);
  fits_movnam_hdu(f, ANY_HDU, const_cast<char*>(extname.c_str()), 0, &status);
  if (status == 0) edit(f, &status);
  finish_edit(f, status, path);
}

void set_int_key(fitsfile* f, const char* key, long value, int* status) {
  fits_update_key(f, TLONG, key, &value, nullptr, status);
}

void set_double_key(fitsfile* f, const char* key, double value, int* status) {
  fits_update_key(f, TDOUBLE, key, &value, nullptr, status);
}

void set_raw_key(fitsfile* f, const char* key, const std::string& value, int* status) {
  char card[FLEN_CARD] = {0};
  std::snprintf(card, sizeof card, "%-8s= %20s", key, value.c_str());
  fits_update_card(f, key, card, status);
}

void delete_column(fitsfile* f, const char* name, int* status) {
  int col = 0;
  fits_get_colnum(f, CASEINSEN, const_cast<char*>(name), &col, status);
  fits_delete_col(f, col, status);
}

void write_doubles(fitsfile* f, const char* column, long row, const std::vector<double>& v,
                   int* status) {
  int col = 0;
  fits_get_colnum(f, CASEINSEN, const_cast<char*>(column), &col, status);
  fits_write_col(f, TDOUBLE, col, row, 1, static_cast<LONGLONG>(v.size()),
                 const_cast<double*>(v.data()), status);
}

}  // namespace tianyan::test::malformed
