// One PSRFITS file: header validation and raw row access. The TBIN sanity check (check_tbin)
// corrects only the known FAST factor-4 error and refuses any other TBIN/TSUBINT disagreement.
#include "io/psrfits/psrfits_file.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <limits>

#include "kernels/common/error.hpp"

namespace tianyan::psrfits {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A keyword that must hold a whole number (lenient about how it is written: 0.0, '16').
int64_t integer_key(const fits::Handle& f, const char* key, std::optional<int64_t> fallback) {
  const auto v = fits::key_double(f, key);
  if (!v) {
    if (fallback) return *fallback;
    throw bad_input(f.name(), "SUBINT keyword {} is missing or not a number", key);
  }
  if (!std::isfinite(*v) || *v != std::floor(*v) || std::abs(*v) > 9.0e15)
    throw bad_input(f.name(), "SUBINT keyword {} = {} is not a whole number", key, *v);
  return static_cast<int64_t>(*v);
}

// Bytes one column takes in a row, from its TFORM.
int64_t column_bytes(const fits::Handle& f, int col) {
  const auto tform = fits::key_string(f, fmt::format("TFORM{}", col).c_str());
  if (!tform) throw bad_input(f.name(), "column {} has no TFORM", col);
  int typecode = 0, status = 0;
  LONGLONG repeat = 0;
  long width = 0;
  fits_binary_tformll(const_cast<char*>(tform->c_str()), &typecode, &repeat, &width, &status);
  fits::check(status, f.name(), fmt::format("parsing TFORM{} = '{}'", col, *tform));
  if (typecode < 0) return upper(*tform).find('Q') != std::string::npos ? 16 : 8;
  if (typecode == TBIT) return (repeat + 7) / 8;
  if (typecode == TSTRING) return repeat;
  return repeat * width;
}

}  // namespace

int64_t Header::nsamples_valid() const {
  const int64_t stored = nsamples_stored();
  return nstot && *nstot > 0 ? std::min(*nstot, stored) : stored;
}

File::File(const std::string& path) {
  h_.path = path;
  open_table();
  read_subint_keys();
  locate_columns();
  read_first_row();
  check_tbin();
  if (h_.nrows > 0) {
    // Check the first row's scales now, so that commands reading no data (`info`) already
    // refuse NaN scales; later rows are checked as they are read.
    const auto nchan = static_cast<size_t>(h_.nchan);
    std::vector<float> scl(nchan * static_cast<size_t>(h_.scale_npol)), offs(scl.size()), wts(nchan);
    read_scales(0, scl.data(), offs.data(), wts.data());
  }
}

void File::open_table() {
  f_ = fits::open_readonly(h_.path);
  if (h_.nsblk == 0) read_primary();  // first open only; a re-open after release() skips it
  int status = 0;
  fits_movnam_hdu(f_.get(), BINARY_TBL, const_cast<char*>("SUBINT"), 0, &status);
  if (status == BAD_HDU_NUM) {
    fits_clear_errmsg();
    // A copy cut short loses its later HDUs: FITS files are whole 2880-byte blocks.
    std::error_code ec;
    const auto size = std::filesystem::file_size(h_.path, ec);
    if (!ec && size % 2880 != 0)
      throw bad_input(h_.path, "truncated: no SUBINT table, and its {} bytes are not whole "
                      "2880-byte FITS blocks", size);
    throw bad_input(h_.path, "no SUBINT binary table (EXTNAME = 'SUBINT')");
  }
  fits::check(status, h_.path, "moving to the SUBINT table");

  LONGLONG head = 0, data = 0, end = 0, naxis1 = 0, naxis2 = 0;
  fits_get_hduaddrll(f_.get(), &head, &data, &end, &status);
  fits::check(status, h_.path, "locating the SUBINT table");
  naxis1 = integer_key(f_, "NAXIS1", std::nullopt);
  naxis2 = integer_key(f_, "NAXIS2", std::nullopt);
  const int64_t pcount = integer_key(f_, "PCOUNT", 0);
  std::error_code ec;
  const auto size = std::filesystem::file_size(h_.path, ec);
  const int64_t need = data + naxis1 * naxis2 + pcount;
  table_start_ = data;
  row_stride_ = naxis1;
  if (!ec && static_cast<int64_t>(size) < need)
    throw bad_input(h_.path, "truncated: the SUBINT table needs {} bytes, the file has {}", need,
                    size);

  // CFITSIO does not decode tile-compressed tables on column reads (it returns the compressed
  // bytes), so such a table is decoded whole into memory before anything is read from it.
  h_.compressed = fits::key_bool(f_, "ZTABLE").value_or(false);
  if (!h_.compressed) return;
  fitsfile* mem = nullptr;
  fits_create_file(&mem, "mem://", &status);
  fits::check(status, h_.path, "creating a memory file to decode the compressed table");
  fits::Handle decoded(mem, h_.path);
  fits_uncompress_table(f_.get(), decoded.get(), &status);
  fits::check(status, h_.path, "decoding the tile-compressed SUBINT table");
  f_ = std::move(decoded);
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

void File::release() {
  if (h_.compressed) f_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void File::open_data() {
  if (!f_) open_table();
  if (h_.compressed || fd_ >= 0) return;
  fd_ = ::open(h_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw bad_input(h_.path, "cannot be opened again: {}", std::strerror(errno));
}

void File::read_primary() {
  const auto mode = fits::key_string(f_, "OBS_MODE");
  if (!mode) throw bad_input(h_.path, "no OBS_MODE in the primary header; SEARCH mode needed");
  if (upper(*mode) != "SEARCH")
    throw bad_input(h_.path, "OBS_MODE is '{}', only SEARCH mode data can be searched", *mode);
  h_.telescope = fits::key_string(f_, "TELESCOP").value_or("");
  h_.source = fits::key_string(f_, "SRC_NAME").value_or("");
  h_.ra = fits::key_string(f_, "RA").value_or("");
  h_.dec = fits::key_string(f_, "DEC").value_or("");
  h_.ibeam = static_cast<int>(fits::key_double(f_, "IBEAM").value_or(0));
  h_.stt_imjd = fits::key_double(f_, "STT_IMJD").value_or(0);
  h_.stt_smjd = fits::key_double(f_, "STT_SMJD").value_or(0);
  h_.stt_offs = fits::key_double(f_, "STT_OFFS").value_or(0);
  h_.chan_dm = fits::key_double(f_, "CHAN_DM").value_or(0);
  if (h_.stt_imjd <= 0) spdlog::warn("{}: no STT_IMJD; the start time is unknown", h_.path);
}

void File::read_subint_keys() {
  int status = 0;
  LONGLONG nrows = 0;
  fits_get_num_rowsll(f_.get(), &nrows, &status);
  fits::check(status, h_.path, "reading the SUBINT row count");
  h_.nrows = nrows;
  h_.nchan = static_cast<int>(integer_key(f_, "NCHAN", std::nullopt));
  h_.npol = static_cast<int>(integer_key(f_, "NPOL", std::nullopt));
  h_.nbits = static_cast<int>(integer_key(f_, "NBITS", std::nullopt));
  h_.nsblk = integer_key(f_, "NSBLK", std::nullopt);
  h_.nsuboffs = integer_key(f_, "NSUBOFFS", 0);
  const int64_t nstot = integer_key(f_, "NSTOT", -1);
  if (nstot >= 0) h_.nstot = nstot;
  h_.pol_type = upper(fits::key_string(f_, "POL_TYPE").value_or(""));
  h_.tbin = fits::key_double(f_, "TBIN").value_or(kNaN);
  h_.zero_off = fits::key_double(f_, "ZERO_OFF").value_or(0);
  const bool signint = fits::key_double(f_, "SIGNINT").value_or(0) == 1;

  if (h_.nchan <= 0) throw bad_input(h_.path, "NCHAN is {}; a search needs channels", h_.nchan);
  if (h_.npol != 1 && h_.npol != 2 && h_.npol != 4)
    throw bad_input(h_.path, "NPOL is {}; only 1, 2 or 4 are defined", h_.npol);
  static constexpr int kBits[] = {1, 2, 4, 8, 16, 32};
  if (std::find(std::begin(kBits), std::end(kBits), h_.nbits) == std::end(kBits))
    throw bad_input(h_.path, "NBITS is {}; 1, 2, 4, 8, 16 or 32 expected", h_.nbits);
  if (h_.nsblk <= 0) throw bad_input(h_.path, "NSBLK is {}", h_.nsblk);
  if (!std::isfinite(h_.tbin) || h_.tbin <= 0)
    throw bad_input(h_.path, "TBIN is missing or not positive ({})", h_.tbin);
  if (!std::isfinite(h_.zero_off)) throw bad_input(h_.path, "ZERO_OFF is not finite");
  h_.is_signed = signint;
}

void File::locate_columns() {
  struct Want {
    const char* name;
    int* col;
    bool required;
  };
  const Want wants[] = {{"TSUBINT", &col_tsubint_, false}, {"OFFS_SUB", &col_offs_sub_, false},
                        {"DAT_FREQ", &col_freq_, true},    {"DAT_WTS", &col_wts_, true},
                        {"DAT_OFFS", &col_offs_, true},    {"DAT_SCL", &col_scl_, true},
                        {"DATA", &col_data_, true}};
  for (const Want& w : wants) {
    *w.col = fits::find_column(f_, w.name);
    if (*w.col == 0 && w.required) throw bad_input(h_.path, "SUBINT has no {} column", w.name);
  }
  int ncols = 0, status = 0;
  fits_get_num_cols(f_.get(), &ncols, &status);
  fits::check(status, h_.path, "counting SUBINT columns");
  int64_t offset = 0, data_width = 0;
  for (int c = 1; c <= ncols; ++c) {
    const int64_t bytes = column_bytes(f_, c);
    if (c < col_data_) offset += bytes;
    if (c == col_data_) data_width = bytes;
  }
  h_.data_offset = offset;
  const auto dform = upper(fits::key_string(f_, fmt::format("TFORM{}", col_data_).c_str()).value());
  if (dform.find_first_of("PQ") != std::string::npos)
    throw bad_input(h_.path, "DATA is a variable-length column ('{}'), not search-mode rows",
                    dform);

  const int64_t bits = h_.nsblk * h_.npol * h_.nchan * static_cast<int64_t>(h_.nbits);
  if (bits % 8 != 0)
    throw bad_input(h_.path, "NSBLK*NPOL*NCHAN*NBITS = {} bits is not whole bytes", bits);
  h_.row_bytes = bits / 8;
  if (h_.row_bytes != data_width)
    throw bad_input(h_.path,
                    "row size mismatch: NSBLK {} * NPOL {} * NCHAN {} * NBITS {} / 8 = {} bytes, "
                    "but the DATA column holds {} bytes",
                    h_.nsblk, h_.npol, h_.nchan, h_.nbits, h_.row_bytes, data_width);

  const auto tzero = fits::key_double(f_, fmt::format("TZERO{}", col_data_).c_str());
  if (h_.nbits == 8 && tzero && *tzero == -128) h_.is_signed = true;
  if (h_.nbits == 16) h_.is_signed = !(tzero && *tzero == 32768);

  auto repeat = [&](int col) {
    int type = 0, st = 0;
    LONGLONG rep = 0, width = 0;
    fits_get_coltypell(f_.get(), col, &type, &rep, &width, &st);
    fits::check(st, h_.path, fmt::format("reading the type of column {}", col));
    return static_cast<int64_t>(rep);
  };
  const int64_t nchan = h_.nchan;
  if (repeat(col_freq_) < nchan || repeat(col_wts_) < nchan)
    throw bad_input(h_.path, "DAT_FREQ/DAT_WTS hold fewer than NCHAN = {} values", nchan);
  const int64_t nscale = std::min(repeat(col_scl_), repeat(col_offs_));
  if (nscale >= nchan * h_.npol)
    h_.scale_npol = h_.npol;
  else if (nscale >= nchan)
    h_.scale_npol = 1;  // one value per channel, shared by all pols (seen in real files)
  else
    throw bad_input(h_.path, "DAT_SCL/DAT_OFFS hold {} values, NCHAN*NPOL = {} expected", nscale,
                    nchan * h_.npol);
}

void File::read_first_row() {
  const auto nchan = static_cast<size_t>(h_.nchan);
  h_.freqs.assign(nchan, 0.0);
  h_.weights0.assign(nchan, 1.0f);
  h_.tsubint0 = h_.offs_sub0 = kNaN;
  if (h_.nrows == 0) {
    // No row holds DAT_FREQ: place the channels from OBSFREQ and CHAN_BW (an empty
    // observation only needs its metadata to be plausible).
    int status = 0;
    fits_movabs_hdu(f_.get(), 1, nullptr, &status);
    const double centre = fits::key_double(f_, "OBSFREQ").value_or(kNaN);
    fits_movnam_hdu(f_.get(), BINARY_TBL, const_cast<char*>("SUBINT"), 0, &status);
    fits::check(status, h_.path, "moving between HDUs");
    const double bw = fits::key_double(f_, "CHAN_BW").value_or(kNaN);
    if (!std::isfinite(centre) || !std::isfinite(bw) || bw == 0)
      throw bad_input(h_.path, "empty SUBINT table and no OBSFREQ/CHAN_BW to place channels");
    for (size_t c = 0; c < nchan; ++c)
      h_.freqs[c] = centre + (static_cast<double>(c) - 0.5 * static_cast<double>(nchan - 1)) * bw;
    return;
  }
  int status = 0;
  fits_read_col_dbl(f_.get(), col_freq_, 1, 1, nchan, 0.0, h_.freqs.data(), nullptr, &status);
  fits_read_col_flt(f_.get(), col_wts_, 1, 1, nchan, 0.0f, h_.weights0.data(), nullptr, &status);
  if (col_tsubint_ != 0)
    fits_read_col_dbl(f_.get(), col_tsubint_, 1, 1, 1, 0.0, &h_.tsubint0, nullptr, &status);
  if (col_offs_sub_ != 0)
    fits_read_col_dbl(f_.get(), col_offs_sub_, 1, 1, 1, 0.0, &h_.offs_sub0, nullptr, &status);
  fits::check(status, h_.path, "reading the first row");
  for (size_t c = 0; c < nchan; ++c) {
    if (!std::isfinite(h_.freqs[c])) throw bad_input(h_.path, "DAT_FREQ[{}] is not finite", c);
    if (c > 0 && (h_.freqs[c] - h_.freqs[c - 1]) * (h_.freqs[1] - h_.freqs[0]) <= 0)
      throw bad_input(h_.path, "DAT_FREQ is not strictly monotonic at channel {}", c);
  }
}

void File::check_tbin() {
  if (!std::isfinite(h_.tsubint0) || h_.tsubint0 <= 0) return;
  const double implied = h_.tsubint0 / static_cast<double>(h_.nsblk);
  const double ratio = h_.tbin / implied;
  if (std::abs(ratio - 1) < 1e-3) return;
  // Early FAST 19-beam files have TBIN (and OFFS_SUB) off by exactly 4 while TSUBINT is
  // right: correct that known case. Any other disagreement leaves no way to tell which
  // value is true, and a wrong sample time silently ruins every DM and period: refuse.
  if (std::abs(ratio - 4) < 4e-3 || std::abs(ratio - 0.25) < 2.5e-4) {
    spdlog::warn(
        "{}: TBIN {} s disagrees with TSUBINT/NSBLK = {} s by a factor {:.2f} (known FAST "
        "header bug); using {} s",
        h_.path, h_.tbin, implied, ratio, implied);
    h_.tbin = implied;
    if (std::isfinite(h_.offs_sub0)) h_.offs_sub0 /= ratio;
    return;
  }
  throw bad_input(h_.path, "TBIN {} s disagrees with TSUBINT/NSBLK = {} s (ratio {:.4f})", h_.tbin,
                  implied, ratio);
}

void File::read_data(int64_t row, int64_t offset, int64_t nbytes, uint8_t* dst) {
  open_data();
  if (!h_.compressed) {
    pread_exact(table_start_ + row * row_stride_ + h_.data_offset + offset, nbytes, dst, row);
    return;
  }
  int status = 0;
  fits_read_tblbytes(f_.get(), row + 1, h_.data_offset + offset + 1, nbytes, dst, &status);
  fits::check(status, h_.path, fmt::format("reading DATA of row {}", row));
}

void File::pread_exact(int64_t pos, int64_t nbytes, uint8_t* dst, int64_t row) const {
  for (int64_t done = 0; done < nbytes;) {
    const ssize_t got = ::pread(fd_, dst + done, static_cast<size_t>(nbytes - done),
                                static_cast<off_t>(pos + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw bad_input(h_.path, "reading DATA of row {}: {}", row, std::strerror(errno));
    if (got == 0)
      throw bad_input(h_.path, "truncated: DATA of row {} ends at byte {}, the file ends at {}",
                      row, pos + nbytes, pos + done);
    done += got;
  }
}

void File::read_scales(int64_t row, float* scl, float* offs, float* wts) {
  if (!f_) open_table();
  const auto nchan = static_cast<LONGLONG>(h_.nchan);
  const LONGLONG nscale = nchan * h_.scale_npol;
  int status = 0;
  fits_read_col_flt(f_.get(), col_scl_, row + 1, 1, nscale, 0.0f, scl, nullptr, &status);
  fits_read_col_flt(f_.get(), col_offs_, row + 1, 1, nscale, 0.0f, offs, nullptr, &status);
  fits_read_col_flt(f_.get(), col_wts_, row + 1, 1, nchan, 0.0f, wts, nullptr, &status);
  // CFITSIO says only "error reading from FITS file" when the file shrank after it was opened.
  if (status != 0 && !h_.compressed) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(h_.path, ec);
    const int64_t row_end = table_start_ + (row + 1) * row_stride_;
    if (!ec && static_cast<int64_t>(size) < row_end) {
      fits_clear_errmsg();
      throw bad_input(h_.path, "truncated while reading: row {} ends at byte {}, the file at {}",
                      row, row_end, size);
    }
  }
  fits::check(status, h_.path, fmt::format("reading DAT_SCL/DAT_OFFS/DAT_WTS of row {}", row));
  for (LONGLONG i = 0; i < nscale; ++i) {
    if (!std::isfinite(scl[i]))
      throw bad_input(h_.path, "row {}: DAT_SCL[{}] is {}", row, i, scl[i]);
    if (!std::isfinite(offs[i]))
      throw bad_input(h_.path, "row {}: DAT_OFFS[{}] is {}", row, i, offs[i]);
  }
  for (LONGLONG i = 0; i < nchan; ++i) {
    if (!std::isfinite(wts[i]))
      throw bad_input(h_.path, "row {}: DAT_WTS[{}] is {}", row, i, wts[i]);
  }
}

}  // namespace tianyan::psrfits
