// Fold-mode archive writer: checks the cube, then writes the HDUs of psrfits_fold_writer.hpp
// under an AtomicFile temporary name and publishes it.
//
// Decisions:
// * PERIOD column and POLYCO both: PSRCHIVE uses the polyco when present (phase of every
//   sub-integration, EPOCHS = 'MIDTIME'), readers without polyco support use PERIOD (PSRCHIVE
//   itself falls back to it, load_Integration.C "METHOD 3").
// * REFFREQ (SUBINT) and the polyco's REF_FREQ are the cube's reference frequency (the highest
//   channel): the subbands are aligned at the model DM relative to it (HISTORY DEDISP = 1), and
//   PSRCHIVE (HDRVER >= 6) takes REFFREQ as the frequency its dedispersion refers to.
// * Pointing columns: RA_SUB/DEC_SUB from the meta, GLON/GLAT computed; LST_SUB, TEL_AZ,
//   TEL_ZEN, PAR_ANG for the telescopes psrfits_fold_format.cpp knows, NaN (FITS undefined)
//   otherwise; FD_ANG and POS_ANG NaN (the feed angle is not known here).
#include "io/psrfits/psrfits_fold_writer.hpp"

#include <fitsio.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/psrfits/psrfits_fold_format.hpp"
#include "io/psrfits/psrfits_fold_tables.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

using psrfits_fold::check_write;
using psrfits_fold::key_num;
using psrfits_fold::key_str;
using psrfits_fold::WriteContext;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Inconsistent cubes are bugs of the caller (the folder builds them), hence Internal.
void check_cube(const std::string& path, const FoldedCandidate& c) {
  const FoldCube& k = c.cube;
  auto fail = [&](const std::string& what) {
    throw internal_error("{}: cannot write a fold archive: {}", path, what);
  };
  if (k.nsubint == 0 || k.nsubband == 0 || k.nbin == 0) {
    fail(fmt::format("empty cube ({} x {} x {})", k.nsubint, k.nsubband, k.nbin));
  }
  if (k.nbin > 32767 || k.nsubband > 1000000) fail(fmt::format("{} bins", k.nbin));
  if (k.data.size() != k.nsubint * k.nsubband * k.nbin) {
    fail(fmt::format("data holds {} values, the shape {} x {} x {}", k.data.size(), k.nsubint,
                     k.nsubband, k.nbin));
  }
  if (k.bin_var.size() != k.nsubint * k.nsubband) {
    fail(fmt::format("bin_var holds {} values, expected {}", k.bin_var.size(),
                     k.nsubint * k.nsubband));
  }
  if (k.freqs_mhz.size() != k.nsubband) fail("freqs_mhz does not match nsubband");
  if (k.subint_mid_s.size() != k.nsubint) fail("subint_mid_s does not match nsubint");
  for (size_t i = 1; i < k.freqs_mhz.size(); ++i) {
    if (!(k.freqs_mhz[i] > k.freqs_mhz[i - 1])) fail("subband frequencies do not ascend");
  }
  if (!(k.model.freq_hz > 0) || !std::isfinite(k.model.fdot_hz_s) || !std::isfinite(k.model.dm)) {
    fail(fmt::format("no folding model (freq {} Hz)", k.model.freq_hz));
  }
  for (size_t i = 0; i < k.data.size(); ++i) {
    if (!std::isfinite(k.data[i])) {
      fail(fmt::format("non-finite value in sub-integration {} subband {}",
                       i / (k.nsubband * k.nbin), (i / k.nbin) % k.nsubband));
    }
  }
}

double subband_width(const FoldedCandidate& c) {
  const FoldCube& k = c.cube;
  if (k.nsubband > 1) return (k.freqs_mhz.back() - k.freqs_mhz.front()) / double(k.nsubband - 1);
  const FoldMeta& m = c.meta;
  if (m.chan_bw_mhz > 0 && m.nchan > 0) return m.chan_bw_mhz * double(m.nchan);
  return m.freq_hi_mhz - m.freq_lo_mhz;
}

void create_subint(const WriteContext& w) {
  const FoldCube& k = w.c->cube;
  const std::string nd = fmt::format("{}D", k.nsubband), ne = fmt::format("{}E", k.nsubband);
  const std::string ni = fmt::format("{}I", k.nsubband * k.nbin);
  const char* ttype[] = {"INDEXVAL", "TSUBINT",
                         "OFFS_SUB", "PERIOD",
                         "LST_SUB",  "RA_SUB",
                         "DEC_SUB",  "GLON_SUB",
                         "GLAT_SUB", "FD_ANG",
                         "POS_ANG",  "PAR_ANG",
                         "TEL_AZ",   "TEL_ZEN",
                         "AUX_DM",   "AUX_RM",
                         "DAT_FREQ", "DAT_WTS",
                         "DAT_OFFS", "DAT_SCL",
                         "DATA",     psrfits_fold::kBinVarColumn};
  const char* tform[] = {"1D",       "1D",       "1D",       "1D",      "1D",       "1D",
                         "1D",       "1D",       "1D",       "1E",      "1E",       "1E",
                         "1E",       "1E",       "1D",       "1D",      nd.c_str(), ne.c_str(),
                         ne.c_str(), ne.c_str(), ni.c_str(), ne.c_str()};
  const char* tunit[] = {"",    "s",   "s",   "s",   "s",   "deg", "deg",     "deg",
                         "deg", "deg", "deg", "deg", "deg", "deg", "CM-3 PC", "RAD M-2",
                         "MHz", "",    "",    "",    "Jy",  ""};
  constexpr int ncol = sizeof ttype / sizeof ttype[0];
  fitsfile* f = w.fits;
  int st = 0;
  fits_create_tbl(f, BINARY_TBL, 0, ncol, const_cast<char**>(ttype), const_cast<char**>(tform),
                  const_cast<char**>(tunit), "SUBINT", &st);
  long tdim[3] = {static_cast<long>(k.nbin), static_cast<long>(k.nsubband), 1};
  fits_write_tdim(f, 21, 3, tdim, &st);
  key_str(f, "EPOCHS", "MIDTIME", "Epoch convention (VALID, MIDTIME, STT_MJD)", &st);
  key_str(f, "INT_TYPE", "TIME", "Time axis (TIME, BINPHSPERI, BINLNGASC, etc)", &st);
  key_str(f, "INT_UNIT", "SEC", "Unit of time axis (SEC, PHS (0-1), DEG)", &st);
  key_str(f, "SCALE", "FluxDen", "Intensity units (FluxDen/RefFlux/Jansky)", &st);
  key_str(f, "POL_TYPE", "AA+BB", "Polarisation identifier (e.g., AABBCRCI, AA+BB)", &st);
  key_num(f, TINT, "NPOL", 1, "Nr of polarisations", &st);
  key_num(f, TDOUBLE, "TBIN", k.model.period_s() / double(k.nbin), "[s] Time per bin or sample",
          &st);
  key_num(f, TINT, "NBIN", static_cast<int>(k.nbin), "Nr of bins (PSR/CAL mode; else 1)", &st);
  key_num(f, TINT, "NBIN_PRD", static_cast<int>(k.nbin), "Nr of bins/pulse period (for gated data)",
          &st);
  key_num(f, TDOUBLE, "PHS_OFFS", 0.0, "Phase offset of bin 0 for gated data", &st);
  key_num(f, TINT, "NBITS", 1, "Nr of bits/datum (SEARCH mode data, else 1)", &st);
  key_num(f, TDOUBLE, "ZERO_OFF", 0.0, "Zero offset for SEARCH-mode data", &st);
  key_num(f, TINT, "SIGNINT", 0, "1 for signed ints in SEARCH-mode data, else 0", &st);
  key_num(f, TINT, "NSUBOFFS", 0, "Subint offset (Contiguous SEARCH-mode files)", &st);
  key_num(f, TINT, "NCHAN", static_cast<int>(k.nsubband),
          "Number of channels/sub-bands in this file", &st);
  key_num(f, TDOUBLE, "CHAN_BW", w.subband_bw_mhz, "[MHz] Channel/sub-band width", &st);
  key_num(f, TDOUBLE, "REFFREQ", k.ref_freq_mhz, "[MHz] Reference frequency", &st);
  key_num(f, TDOUBLE, "DM", k.model.dm, "[cm-3 pc] DM for post-detection dedisperion", &st);
  key_num(f, TDOUBLE, "RM", 0.0, "[rad m-2] RM for post-detection deFaraday", &st);
  key_num(f, TINT, "NCHNOFFS", 0, "Channel/sub-band offset for split files", &st);
  key_num(f, TINT, "NSBLK", 1, "Samples/row (SEARCH mode, else 1)", &st);
  key_num(f, TINT, "NSTOT", 1, "Total number of samples (SEARCH mode, else 1)", &st);
  check_write(st, w.name, "creating the SUBINT table");
}

void write_subint_rows(const WriteContext& w) {
  const FoldCube& k = w.c->cube;
  const FoldMeta& m = w.c->meta;
  const psrfits_fold::Site* site = psrfits_fold::find_site(m.telescope);
  const bool have_pos = std::isfinite(m.ra_deg) && std::isfinite(m.dec_deg);
  double glon = kNaN, glat = kNaN;
  if (have_pos) psrfits_fold::galactic_from_j2000(m.ra_deg, m.dec_deg, &glon, &glat);
  const size_t nchan = k.nsubband, nbin = k.nbin;
  std::vector<int16_t> q(nchan * nbin);
  std::vector<float> offs(nchan), scl(nchan), wts(nchan);
  fitsfile* f = w.fits;
  int st = 0;
  for (size_t s = 0; s < k.nsubint; ++s) {
    const LONGLONG row = static_cast<LONGLONG>(s + 1);
    const double mid = k.subint_mid_s[s];
    psrfits_fold::Pointing p{kNaN, kNaN, kNaN, kNaN};
    if (site && have_pos)
      p = psrfits_fold::pointing_at(*site, m.start_mjd + mid / kSecondsPerDay, m.ra_deg, m.dec_deg);
    // The model's period at the middle of the sub-integration (its frequency is f + fdot dt).
    const double period = 1.0 / (k.model.freq_hz + k.model.fdot_hz_s * (mid - k.model.ref_s));
    const double dcols[] = {double(s), k.subint_s, mid,  period, p.lst_s,
                            m.ra_deg,  m.dec_deg,  glon, glat};
    for (int c = 0; c < 9; ++c)
      fits_write_col_dbl(f, c + 1, row, 1, 1, const_cast<double*>(&dcols[c]), &st);
    const float fcols[] = {float(kNaN), float(kNaN), float(p.par_ang_deg), float(p.az_deg),
                           float(p.zen_deg)};
    for (int c = 0; c < 5; ++c)
      fits_write_col_flt(f, c + 10, row, 1, 1, const_cast<float*>(&fcols[c]), &st);
    double zero = 0.0;
    fits_write_col_dbl(f, 15, row, 1, 1, &zero, &st);
    fits_write_col_dbl(f, 16, row, 1, 1, &zero, &st);
    for (size_t c = 0; c < nchan; ++c) {
      const auto sc = psrfits_fold::quantise_int16(k.profile(s, c), nbin, q.data() + c * nbin);
      offs[c] = sc.offset;
      scl[c] = sc.scale;
      wts[c] = k.bin_var[s * nchan + c] > 0 ? 1.0f : 0.0f;
    }
    const auto n = static_cast<LONGLONG>(nchan);
    fits_write_col_dbl(f, 17, row, 1, n, const_cast<double*>(k.freqs_mhz.data()), &st);
    fits_write_col_flt(f, 18, row, 1, n, wts.data(), &st);
    fits_write_col_flt(f, 19, row, 1, n, offs.data(), &st);
    fits_write_col_flt(f, 20, row, 1, n, scl.data(), &st);
    fits_write_col_sht(f, 21, row, 1, n * static_cast<LONGLONG>(nbin), q.data(), &st);
    fits_write_col_flt(f, 22, row, 1, n, const_cast<float*>(k.bin_var.data() + s * nchan), &st);
    check_write(st, w.name, "writing a SUBINT row");
  }
}

}  // namespace

void write_fold_archive(const std::string& path, const FoldedCandidate& c) {
  check_cube(path, c);
  const std::filesystem::path p(path);
  ensure_output_dir(p.has_parent_path() ? p.parent_path().string() : std::string("."));
  AtomicFile file(path);
  WriteContext w;
  w.name = fmt::format("{} (written as {})", path, file.temp_path());
  w.c = &c;
  w.subband_bw_mhz = subband_width(c);
  w.centre_mhz = 0.5 * (c.cube.freqs_mhz.front() + c.cube.freqs_mhz.back());
  std::remove(file.temp_path().c_str());  // a stale temporary of an earlier run with this pid
  int st = 0;
  fits_create_diskfile(&w.fits, file.temp_path().c_str(), &st);
  check_write(st, w.name, "fits_create_diskfile");
  try {
    psrfits_fold::write_primary(w);
    psrfits_fold::write_history(w);
    psrfits_fold::write_psrparam(w);
    psrfits_fold::write_polyco(w);
    create_subint(w);
    write_subint_rows(w);
    psrfits_fold::write_extension(w);
  } catch (...) {
    int ignore = 0;
    fits_close_file(w.fits, &ignore);
    fits_clear_errmsg();
    throw;
  }
  fits_close_file(w.fits, &st);
  check_write(st, w.name, "fits_close_file");
  file.commit();
}

}  // namespace tianyan
