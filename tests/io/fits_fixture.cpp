#include "tests/io/fits_fixture.hpp"

#include <fitsio.h>
#include <fmt/format.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace tianyan::test {
namespace {

void ok(int status, const char* what) {
  if (status == 0) return;
  char text[FLEN_STATUS] = {0};
  fits_get_errstatus(status, text);
  fits_clear_errmsg();
  throw std::runtime_error(fmt::format("fits_fixture: {}: {}", what, text));
}

int scale_pols(const FitsSpec& s) { return s.scales_nchan_only ? 1 : s.npol; }

// One row's DATA bytes: [NSBLK][NPOL][NCHAN], sub-byte samples packed high bits first,
// 16/32-bit big-endian.
std::vector<uint8_t> pack_row(const FitsSpec& sp, int64_t grow) {
  const int64_t nval = sp.nsblk * sp.npol * sp.nchan;
  std::vector<uint8_t> out(static_cast<size_t>(nval * sp.nbits / 8));
  int64_t i = 0;
  for (int64_t s = 0; s < sp.nsblk; ++s) {
    for (int p = 0; p < sp.npol; ++p) {
      for (int c = 0; c < sp.nchan; ++c, ++i) {
        const double v = sp.raw(grow, s, p, c);
        if (sp.nbits < 8) {
          const int per = 8 / sp.nbits;
          const int shift = 8 - sp.nbits * (static_cast<int>(i % per) + 1);
          out[i / per] |=
              static_cast<uint8_t>((static_cast<int>(v) & ((1 << sp.nbits) - 1)) << shift);
        } else if (sp.nbits == 8) {
          out[i] = static_cast<uint8_t>(static_cast<int>(v) & 0xff);
        } else if (sp.nbits == 16) {
          const auto u = static_cast<uint16_t>(static_cast<int16_t>(v));
          out[2 * i] = static_cast<uint8_t>(u >> 8);
          out[2 * i + 1] = static_cast<uint8_t>(u & 0xff);
        } else {
          const auto f = static_cast<float>(v);
          uint32_t u = 0;
          std::memcpy(&u, &f, 4);
          for (int b = 0; b < 4; ++b) out[4 * i + b] = static_cast<uint8_t>(u >> (24 - 8 * b));
        }
      }
    }
  }
  return out;
}

void write_primary(fitsfile* f, const FitsSpec& sp) {
  int st = 0;
  fits_create_img(f, BYTE_IMG, 0, nullptr, &st);
  auto str = [&](const char* k, const std::string& v) {
    fits_write_key_str(f, k, v.c_str(), nullptr, &st);
  };
  str("OBS_MODE", sp.obs_mode);
  str("TELESCOP", "FAST");
  str("SRC_NAME", "J0000+0000");
  str("RA", sp.ra);
  str("DEC", sp.dec);
  fits_write_key_lng(f, "STT_IMJD", sp.stt_imjd, nullptr, &st);
  fits_write_key_dbl(f, "STT_SMJD", sp.stt_smjd, 15, nullptr, &st);
  fits_write_key_dbl(f, "STT_OFFS", sp.stt_offs, 15, nullptr, &st);
  fits_write_key_dbl(f, "CHAN_DM", sp.chan_dm, 10, nullptr, &st);
  const double centre = sp.freq0 + 0.5 * (sp.nchan - 1) * sp.chan_bw;
  fits_write_key_dbl(f, "OBSFREQ", centre, 15, nullptr, &st);
  if (sp.ibeam >= 0) fits_write_key_lng(f, "IBEAM", sp.ibeam, nullptr, &st);
  if (sp.history_first) {
    char* tt[] = {const_cast<char*>("DATE_PRO")};
    char* tf[] = {const_cast<char*>("24A")};
    fits_create_tbl(f, BINARY_TBL, 1, 1, tt, tf, nullptr, "HISTORY", &st);
  }
  ok(st, "writing the primary header");
}

void write_subint_keys(fitsfile* f, const FitsSpec& sp, int data_col) {
  int st = 0;
  fits_write_key_lng(f, "NPOL", sp.npol, nullptr, &st);
  fits_write_key_str(f, "POL_TYPE", sp.pol_type.c_str(), nullptr, &st);
  fits_write_key_dbl(f, "TBIN", sp.tbin, 15, nullptr, &st);
  fits_write_key_lng(f, "NBITS", sp.nbits, nullptr, &st);
  if (sp.nsuboffs_as_float)
    fits_write_key_dbl(f, "NSUBOFFS", static_cast<double>(sp.nsuboffs), 3, nullptr, &st);
  else
    fits_write_key_lng(f, "NSUBOFFS", sp.nsuboffs, nullptr, &st);
  fits_write_key_lng(f, "NCHAN", sp.nchan_key.value_or(sp.nchan), nullptr, &st);
  fits_write_key_dbl(f, "CHAN_BW", sp.chan_bw, 15, nullptr, &st);
  if (sp.nchnoffs_star)
    fits_write_key_str(f, "NCHNOFFS", "*", nullptr, &st);
  else
    fits_write_key_lng(f, "NCHNOFFS", 0, nullptr, &st);
  fits_write_key_lng(f, "NSBLK", sp.nsblk, nullptr, &st);
  fits_write_key_dbl(f, "ZERO_OFF", sp.zero_off, 15, nullptr, &st);
  fits_write_key_lng(f, "SIGNINT", sp.signint, nullptr, &st);
  if (sp.nstot >= 0) fits_write_key_lng(f, "NSTOT", sp.nstot, nullptr, &st);
  if (sp.tzero_m128) {
    fits_write_key_lng(f, fmt::format("TZERO{}", data_col).c_str(), -128, nullptr, &st);
    fits_write_key_lng(f, fmt::format("TSCAL{}", data_col).c_str(), 1, nullptr, &st);
  }
  if (sp.fake_ztable) fits_write_key_log(f, "ZTABLE", 1, nullptr, &st);
  ok(st, "writing SUBINT keywords");
}

void write_rows(fitsfile* f, const FitsSpec& sp, int64_t data_offset) {
  int st = 0;
  const int64_t nscale = sp.nchan * scale_pols(sp);
  const double tsub = sp.tsubint > 0 ? sp.tsubint : static_cast<double>(sp.nsblk) * sp.tbin;
  std::vector<double> freq(sp.nchan);
  std::vector<float> wts(sp.nchan), scl(nscale), offs(nscale);
  for (int c = 0; c < sp.nchan; ++c) freq[c] = sp.freq0 + c * sp.chan_bw;
  for (int64_t r = 0; r < sp.nrows; ++r) {
    const int64_t g = sp.nsuboffs + r;
    for (int c = 0; c < sp.nchan; ++c) wts[c] = sp.wts(g, c);
    for (int p = 0; p < scale_pols(sp); ++p) {
      for (int c = 0; c < sp.nchan; ++c) {
        scl[p * sp.nchan + c] = sp.scl(g, p, c);
        offs[p * sp.nchan + c] = sp.offs(g, p, c);
      }
    }
    double tsubint = tsub, offs_sub = (static_cast<double>(g) + 0.5) * tsub + sp.offs_sub_shift;
    fits_write_col_dbl(f, 1, r + 1, 1, 1, &tsubint, &st);
    fits_write_col_dbl(f, 2, r + 1, 1, 1, &offs_sub, &st);
    fits_write_col_dbl(f, 3, r + 1, 1, sp.nchan, freq.data(), &st);
    fits_write_col_flt(f, 4, r + 1, 1, sp.nchan, wts.data(), &st);
    fits_write_col_flt(f, 5, r + 1, 1, nscale, offs.data(), &st);
    fits_write_col_flt(f, 6, r + 1, 1, nscale, scl.data(), &st);
    auto bytes = pack_row(sp, g);
    bytes.resize(bytes.size() + static_cast<size_t>(sp.data_bytes_extra));
    // Raw bytes, so that no TZERO scaling is applied on the way in.
    fits_write_tblbytes(f, r + 1, data_offset + 1, static_cast<LONGLONG>(bytes.size()),
                        bytes.data(), &st);
    ok(st, "writing a row");
  }
}

}  // namespace

FitsSpec with_defaults(FitsSpec sp) {
  if (!sp.raw) {
    const int nbits = sp.nbits;
    sp.raw = [nbits](int64_t r, int64_t s, int p, int c) {
      const int64_t v = r * 7 + s * 3 + p * 5 + c * 11 + (c * s) % 13;
      const int64_t mod = nbits >= 16 ? 30000 : (int64_t{1} << nbits);
      return static_cast<double>(v % mod);
    };
  }
  if (!sp.scl) sp.scl = [](int64_t, int, int) { return 1.0f; };
  if (!sp.offs) sp.offs = [](int64_t, int, int) { return 0.0f; };
  if (!sp.wts) sp.wts = [](int64_t, int) { return 1.0f; };
  return sp;
}

void write_psrfits(const std::string& path, FitsSpec sp) {
  sp = with_defaults(sp);
  fitsfile* f = nullptr;
  int st = 0;
  fits_create_file(&f, ("!" + path).c_str(), &st);
  ok(st, "creating the file");
  write_primary(f, sp);
  const int64_t nval = sp.nsblk * sp.npol * sp.nchan;
  const int64_t nscale = sp.nchan * scale_pols(sp);
  std::string data_form;
  int64_t data_bytes = nval * sp.nbits / 8 + sp.data_bytes_extra;
  if (sp.nbits <= 8) data_form = fmt::format("{}B", data_bytes);
  if (sp.nbits == 16) data_form = fmt::format("{}I", data_bytes / 2);
  if (sp.nbits == 32) data_form = fmt::format("{}E", data_bytes / 4);
  const std::string forms[] = {"1D",
                               "1D",
                               fmt::format("{}D", sp.nchan),
                               fmt::format("{}E", sp.nchan),
                               fmt::format("{}E", nscale),
                               fmt::format("{}E", nscale),
                               data_form};
  const char* names[] = {"TSUBINT",  "OFFS_SUB", "DAT_FREQ", "DAT_WTS",
                         "DAT_OFFS", "DAT_SCL",  "DATA"};
  char* tt[7];
  char* tf[7];
  for (int i = 0; i < 7; ++i) {
    tt[i] = const_cast<char*>(names[i]);
    tf[i] = const_cast<char*>(forms[i].c_str());
  }
  fits_create_tbl(f, BINARY_TBL, sp.nrows, 7, tt, tf, nullptr, sp.extname.c_str(), &st);
  ok(st, "creating the SUBINT table");
  write_subint_keys(f, sp, 7);
  const int64_t row_width = 2 * 8 + sp.nchan * 8 + sp.nchan * 4 + 2 * nscale * 4;
  write_rows(f, sp, row_width);
  fits_close_file(f, &st);
  ok(st, "closing the file");
}

void compress_psrfits(const std::string& in, const std::string& out) {
  fitsfile* fin = nullptr;
  fitsfile* fout = nullptr;
  int st = 0;
  fits_open_diskfile(&fin, in.c_str(), READONLY, &st);
  fits_create_file(&fout, ("!" + out).c_str(), &st);
  fits_copy_hdu(fin, fout, 0, &st);
  fits_movnam_hdu(fin, BINARY_TBL, const_cast<char*>("SUBINT"), 0, &st);
  fits_compress_table(fin, fout, &st);
  fits_close_file(fout, &st);
  fits_close_file(fin, &st);
  ok(st, "compressing the table");
}

double expected_value(const FitsSpec& sp, int64_t row, int64_t s, int out_chan) {
  const int c = sp.chan_bw < 0 ? sp.nchan - 1 - out_chan : out_chan;
  const bool sum_two = sp.npol == 2 || (sp.npol == 4 && sp.pol_type.rfind("IQUV", 0) != 0);
  double v = 0;
  for (int p = 0; p < (sum_two ? 2 : 1); ++p) {
    const int sp_pol = sp.scales_nchan_only ? 0 : p;
    v += (sp.raw(row, s, p, c) - sp.zero_off) * sp.scl(row, sp_pol, c) + sp.offs(row, sp_pol, c);
  }
  return v * sp.wts(row, c);
}

}  // namespace tianyan::test
