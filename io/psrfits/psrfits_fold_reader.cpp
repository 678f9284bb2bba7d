// Fold-mode archive reader (psrfits_fold_reader.hpp). HDUs are found by EXTNAME, never by
// position; every CFITSIO failure becomes BadInput naming the file (fits::check).
#include "io/psrfits/psrfits_fold_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <vector>

#include "io/psrfits/fits_check.hpp"
#include "io/psrfits/psrfits_fold_foreign.hpp"
#include "io/psrfits/psrfits_fold_format.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

using psrfits_fold::move_to_table;

using psrfits_fold::SubintTable;

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}


void check_obs_mode(const fits::Handle& h) {
  const auto mode = fits::key_string(h, "OBS_MODE");
  if (!mode) throw bad_input(h.name(), "not PSRFITS: the primary header has no OBS_MODE");
  const std::string m = upper(*mode);
  if (m == "SEARCH" || m == "SRCH") {
    throw bad_input(h.name(),
                    "a search-mode PSRFITS file (OBS_MODE '{}'), not a fold-mode "
                    "archive",
                    *mode);
  }
  if (m != "PSR" && m != "LEVPSR") {
    throw bad_input(h.name(), "OBS_MODE '{}' is not a pulsar fold-mode archive ('PSR')", *mode);
  }
}

size_t positive_key(const fits::Handle& h, const char* key) {
  const auto v = fits::key_double(h, key);
  if (!v) throw bad_input(h.name(), "SUBINT header lacks {}", key);
  if (!(*v >= 1) || *v > 1e9 || *v != std::floor(*v)) {
    throw bad_input(h.name(), "SUBINT {} = {} is not a positive integer", key, *v);
  }
  return static_cast<size_t>(*v);
}

// Column number of `name` with at least `min_repeat` elements per row.
int column(const fits::Handle& h, const char* name, long long min_repeat) {
  const int col = fits::find_column(h, name);
  if (col == 0) throw bad_input(h.name(), "SUBINT table has no {} column", name);
  int type = 0;
  long repeat = 0, width = 0;
  int st = 0;
  fits_get_coltype(h.get(), col, &type, &repeat, &width, &st);
  fits::check(st, h.name(), fmt::format("reading the type of column {}", name));
  if (type == TSTRING || repeat < min_repeat) {
    throw bad_input(h.name(), "SUBINT column {} holds {} values a row, expected {}", name, repeat,
                    min_repeat);
  }
  return col;
}

void read_dbl(const fits::Handle& h, int col, long long row, long long n, double* out,
              const char* what) {
  int st = 0, anynul = 0;
  fits_read_col(h.get(), TDOUBLE, col, row, 1, n, nullptr, out, &anynul, &st);
  fits::check(st, h.name(), fmt::format("reading {} of SUBINT row {}", what, row));
}

void read_flt(const fits::Handle& h, int col, long long row, long long n, float* out,
              const char* what) {
  int st = 0, anynul = 0;
  fits_read_col(h.get(), TFLOAT, col, row, 1, n, nullptr, out, &anynul, &st);
  fits::check(st, h.name(), fmt::format("reading {} of SUBINT row {}", what, row));
}

// Which stored polarisations make total intensity: AA and BB for the coherence products,
// else the first (AA+BB, INTEN, IQUV: I comes first).
int pols_to_sum(int npol, const std::string& pol_type) {
  const std::string p = upper(pol_type);
  const bool two = p == "AABB" || p == "AABBCRCI" || p == "XXYY" || p == "XXYYCRCI" ||
                   p == "LLRR" || p == "LLRRCRCI";
  return npol >= 2 && two ? 2 : 1;
}

SubintTable read_subint(const fits::Handle& h) {
  if (!move_to_table(h, "SUBINT")) {
    // A copy cut short loses its later HDUs: FITS files are whole 2880-byte blocks.
    std::error_code ec;
    const auto size = std::filesystem::file_size(h.name(), ec);
    if (!ec && size % 2880 != 0)
      throw bad_input(h.name(), "truncated: no SUBINT table, and its {} bytes are not whole "
                      "2880-byte FITS blocks", size);
    throw bad_input(h.name(), "no SUBINT table");
  }
  if (fits::key_bool(h, "ZTABLE").value_or(false)) {
    throw bad_input(h.name(), "the SUBINT table is tile-compressed; decompress it first (funpack)");
  }
  SubintTable t;
  t.nbin = positive_key(h, "NBIN");
  t.nchan = positive_key(h, "NCHAN");
  const size_t npol = positive_key(h, "NPOL");
  const int nsum =
      pols_to_sum(static_cast<int>(npol), fits::key_string(h, "POL_TYPE").value_or(""));
  long long nrows = 0;
  int st = 0;
  fits_get_num_rowsll(h.get(), &nrows, &st);
  fits::check(st, h.name(), "counting SUBINT rows");
  if (nrows <= 0) throw bad_input(h.name(), "the SUBINT table has no rows");
  t.nsub = static_cast<size_t>(nrows);
  t.chan_bw = fits::key_double(h, "CHAN_BW").value_or(0.0);
  t.reffreq = fits::key_double(h, "REFFREQ").value_or(0.0);
  t.dm = fits::key_double(h, "DM").value_or(0.0);
  const auto nc = static_cast<long long>(t.nchan), nb = static_cast<long long>(t.nbin);
  const auto ncp = nc * static_cast<long long>(npol);
  const int c_tsub = column(h, "TSUBINT", 1), c_offs = column(h, "OFFS_SUB", 1);
  const int c_freq = column(h, "DAT_FREQ", nc), c_wts = column(h, "DAT_WTS", nc);
  const int c_doff = column(h, "DAT_OFFS", nc), c_dscl = column(h, "DAT_SCL", nc);
  const int c_data = column(h, "DATA", ncp * nb);
  // DAT_OFFS/DAT_SCL hold NCHAN*NPOL values, or NCHAN broadcast over pols (FORMATS.md).
  int type = 0;
  long nscl = 0, width = 0;
  fits_get_coltype(h.get(), c_dscl, &type, &nscl, &width, &st);
  fits::check(st, h.name(), "reading the type of column DAT_SCL");
  const bool per_pol = nscl >= ncp;
  const int c_period = fits::find_column(h, "PERIOD");
  const int c_bvar = fits::find_column(h, psrfits_fold::kBinVarColumn);
  t.freqs.resize(t.nchan);
  t.tsubint.resize(t.nsub);
  t.offs.resize(t.nsub);
  if (c_period) t.period.resize(t.nsub);
  t.data.assign(t.nsub * t.nchan * t.nbin, 0.0f);
  t.wts.resize(t.nsub * t.nchan);
  if (c_bvar) t.bin_var.resize(t.nsub * t.nchan);
  std::vector<double> raw(static_cast<size_t>(ncp * nb)),
      offs(static_cast<size_t>(per_pol ? ncp : nc)), scl(offs.size());
  for (long long r = 1; r <= nrows; ++r) {
    const size_t s = static_cast<size_t>(r - 1);
    read_dbl(h, c_tsub, r, 1, &t.tsubint[s], "TSUBINT");
    read_dbl(h, c_offs, r, 1, &t.offs[s], "OFFS_SUB");
    if (c_period) read_dbl(h, c_period, r, 1, &t.period[s], "PERIOD");
    if (r == 1) read_dbl(h, c_freq, r, nc, t.freqs.data(), "DAT_FREQ");
    read_flt(h, c_wts, r, nc, t.wts.data() + s * t.nchan, "DAT_WTS");
    read_dbl(h, c_doff, r, static_cast<long long>(offs.size()), offs.data(), "DAT_OFFS");
    read_dbl(h, c_dscl, r, static_cast<long long>(scl.size()), scl.data(), "DAT_SCL");
    read_dbl(h, c_data, r, ncp * nb, raw.data(), "DATA");
    if (c_bvar) read_flt(h, c_bvar, r, nc, t.bin_var.data() + s * t.nchan, "TY_BVAR");
    for (int p = 0; p < nsum; ++p) {
      for (size_t c = 0; c < t.nchan; ++c) {
        const size_t k = per_pol ? static_cast<size_t>(p) * t.nchan + c : c;
        const double sc = scl[k] == 0.0 ? 1.0 : scl[k];  // as PSRCHIVE reads a zero scale
        const double* src = raw.data() + (static_cast<size_t>(p) * t.nchan + c) * t.nbin;
        float* dst = t.data.data() + (s * t.nchan + c) * t.nbin;
        for (size_t b = 0; b < t.nbin; ++b) dst[b] += static_cast<float>(src[b] * sc + offs[k]);
      }
    }
  }
  return t;
}

// Channels of `t` in ascending frequency (archives may store them descending).
void make_ascending(SubintTable& t) {
  if (t.nchan < 2 || t.freqs.front() < t.freqs.back()) return;
  std::reverse(t.freqs.begin(), t.freqs.end());
  for (size_t s = 0; s < t.nsub; ++s) {
    for (size_t c = 0; c < t.nchan / 2; ++c) {
      const size_t o = t.nchan - 1 - c;
      std::swap_ranges(t.data.begin() + long((s * t.nchan + c) * t.nbin),
                       t.data.begin() + long((s * t.nchan + c + 1) * t.nbin),
                       t.data.begin() + long((s * t.nchan + o) * t.nbin));
      std::swap(t.wts[s * t.nchan + c], t.wts[s * t.nchan + o]);
      if (!t.bin_var.empty()) std::swap(t.bin_var[s * t.nchan + c], t.bin_var[s * t.nchan + o]);
    }
  }
}

std::optional<nlohmann::json> read_extension(const fits::Handle& h) {
  if (!move_to_table(h, psrfits_fold::kExtName)) return std::nullopt;
  const int col = fits::find_column(h, "JSON");
  if (col == 0) throw bad_input(h.name(), "{} table has no JSON column", psrfits_fold::kExtName);
  int type = 0, st = 0;
  long repeat = 0, width = 0;
  fits_get_coltype(h.get(), col, &type, &repeat, &width, &st);
  fits::check(st, h.name(), "reading the TIANYAN table");
  std::string text(static_cast<size_t>(repeat) + 1, '\0');
  char* p = text.data();
  int anynul = 0;
  fits_read_col_str(h.get(), col, 1, 1, 1, nullptr, &p, &anynul, &st);
  fits::check(st, h.name(), "reading the TIANYAN table");
  text.resize(std::char_traits<char>::length(text.c_str()));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(h.name(), "{} table: invalid JSON: {}", psrfits_fold::kExtName, e.what());
  }
}

double start_mjd_of(const fits::Handle& h) {
  const auto imjd = fits::key_double(h, "STT_IMJD");
  if (!imjd) throw bad_input(h.name(), "the primary header lacks STT_IMJD");
  return *imjd + (fits::key_double(h, "STT_SMJD").value_or(0.0) +
                  fits::key_double(h, "STT_OFFS").value_or(0.0)) /
                     kSecondsPerDay;
}

// Cube of a foreign archive: weights decide what was folded, bin_var is estimated.
void foreign_cube(const fits::Handle& h, SubintTable& t, FoldedCandidate& c, double start_mjd) {
  FoldCube& k = c.cube;
  k.bin_var.assign(t.nsub * t.nchan, 0.0f);
  for (size_t i = 0; i < t.nsub * t.nchan; ++i) {
    float* prof = k.data.data() + i * t.nbin;
    if (t.wts[i] > 0) {
      k.bin_var[i] = static_cast<float>(psrfits_fold::robust_variance(prof, t.nbin));
    } else {
      std::fill(prof, prof + t.nbin, 0.0f);
    }
  }
  const double t0 = t.offs.front() - 0.5 * t.tsubint.front();
  const double t1 = t.offs.back() + 0.5 * t.tsubint.back();
  k.tobs_s = t1;  // the end of the last sub-integration, s from the start
  k.subint_s = t.tsubint.front();
  k.tsamp_s = 0;
  c.meta = psrfits_fold::primary_meta(h, start_mjd);
  const double obsfreq = fits::key_double(h, "OBSFREQ").value_or(0.0);
  k.ref_freq_mhz = t.reffreq > 0 ? t.reffreq : obsfreq > 0 ? obsfreq : t.freqs.back();
  k.model = psrfits_fold::foreign_model(h, t, start_mjd, 0.5 * (t0 + t1));
  k.model.dm = psrfits_fold::history_dedispersed(h) ? t.dm : 0.0;
  c.meta.search_dm = t.dm;
  c.meta.freq_lo_mhz = t.freqs.front();
  c.meta.freq_hi_mhz = t.freqs.back();
  if (!(c.meta.chan_bw_mhz > 0)) c.meta.chan_bw_mhz = std::abs(t.chan_bw);
  if (c.meta.nchan == 0) c.meta.nchan = t.nchan;
}

}  // namespace

FoldedCandidate read_fold_archive(const std::string& path) {
  fits::Handle h = fits::open_readonly(path);
  check_obs_mode(h);
  const double start_mjd = start_mjd_of(h);
  SubintTable t = read_subint(h);
  make_ascending(t);
  FoldedCandidate c;
  FoldCube& k = c.cube;
  k.nsubint = t.nsub;
  k.nsubband = t.nchan;
  k.nbin = t.nbin;
  k.freqs_mhz = t.freqs;
  k.subint_mid_s = t.offs;
  k.data = std::move(t.data);
  if (!t.bin_var.empty()) {  // written by tianyan: everything else is in the extension
    const auto j = read_extension(h);
    if (!j) {
      throw bad_input(path, "has a {} column but no {} table (a truncated tianyan archive?)",
                      psrfits_fold::kBinVarColumn, psrfits_fold::kExtName);
    }
    psrfits_fold::apply_extension_json(*j, path, c);
    k.bin_var = std::move(t.bin_var);
    return c;
  }
  int st = 0;
  fits_movabs_hdu(h.get(), 1, nullptr, &st);
  fits::check(st, path, "returning to the primary header");
  foreign_cube(h, t, c, start_mjd);
  return c;
}

}  // namespace tianyan
