// The HDUs of a fold-mode archive other than SUBINT (psrfits_fold_writer.hpp lists them).
// Keyword and column sets follow PSRCHIVE's psrheader.fits (HDRVER 6.7); the columns
// PSRCHIVE's loaders read without a default (HISTORY: POL_TYPE, NPOL, NBIN, CTR_FREQ, NCHAN,
// CHAN_BW, REF_FREQ; POLYCO: NSPAN, NCOEF, NPBLK, NSITE, REF_FREQ, REF_MJD, REF_PHS, REF_F0,
// COEFF) are all written.
#include "io/psrfits/psrfits_fold_tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <vector>

#include "io/angles.hpp"
#include "io/psrfits/fits_check.hpp"
#include "io/psrfits/psrfits_fold_format.hpp"
#include "io/psrfits/psrfits_time.hpp"
#include "kernels/common/error.hpp"
#include "tianyan/version.hpp"

namespace tianyan::psrfits_fold {
namespace {


using psrfits::date_obs;
using psrfits::split_mjd;
using psrfits::StartTime;
using psrfits::utc_now;


double frac(double x) { return x - std::floor(x); }

// Creates an empty BINTABLE from parallel column lists.
void create_table(fitsfile* f, const char* extname, const std::vector<const char*>& ttype,
                  const std::vector<std::string>& tform, const std::vector<const char*>& tunit,
                  int* st) {
  std::vector<char*> type, form, unit;
  for (const char* s : ttype) type.push_back(const_cast<char*>(s));
  for (const std::string& s : tform) form.push_back(const_cast<char*>(s.c_str()));
  for (const char* s : tunit) unit.push_back(const_cast<char*>(s));
  fits_create_tbl(f, BINARY_TBL, 0, static_cast<int>(type.size()), type.data(), form.data(),
                  unit.data(), extname, st);
}

void col_str(fitsfile* f, int col, LONGLONG row, const std::string& v, int* st) {
  char* p = const_cast<char*>(v.c_str());
  fits_write_col_str(f, col, row, 1, 1, &p, st);
}

template <typename T>
void col_num(fitsfile* f, int type, int col, LONGLONG row, T v, int* st) {
  fits_write_col(f, type, col, row, 1, 1, &v, st);
}

// Where the telescope pointed; unknown coordinates are written as empty strings, never as a
// made-up 00:00 (and not as undefined values, which fitsverify warns about).
void write_position(fitsfile* f, const FoldMeta& m, int* status) {
  int& st = *status;
  key_str(f, "COORD_MD", "J2000", "Coordinate mode (J2000, GALACTIC, ECLIPTIC)", &st);
  key_num(f, TDOUBLE, "EQUINOX", 2000.0, "Equinox of coords (e.g. 2000.0)", &st);
  const bool have_pos = std::isfinite(m.ra_deg) && std::isfinite(m.dec_deg);
  for (const char* key : {"RA", "STT_CRD1", "STP_CRD1"}) {
    key_str(f, key, have_pos ? format_ra_hms(m.ra_deg, 4) : "", "Right ascension (hh:mm:ss.ssss)",
            &st);
  }
  for (const char* key : {"DEC", "STT_CRD2", "STP_CRD2"}) {
    key_str(f, key, have_pos ? format_dec_dms(m.dec_deg, 3, true) : "",
            "Declination (-dd:mm:ss.sss)", &st);
  }
  key_num(f, TDOUBLE, "BMAJ", 0.0, "[deg] Beam major axis length", &st);
  key_num(f, TDOUBLE, "BMIN", 0.0, "[deg] Beam minor axis length", &st);
  key_num(f, TDOUBLE, "BPA", 0.0, "[deg] Beam position angle", &st);
}

}  // namespace

void check_write(int status, const std::string& name, const char* what) {
  if (status == 0) return;
  const std::string detail = fits::write_error_detail(status, errno);
  throw environment_error("{}: cannot write the fold archive ({} failed, CFITSIO status {}: {})",
                          name, what, status, detail);
}

void key_str(fitsfile* f, const char* key, const std::string& value, const char* comment,
             int* status) {
  fits_update_key(f, TSTRING, key, const_cast<char*>(value.c_str()), comment, status);
}

Polyco polyco_for(const FoldModel& m, double start_mjd, double tobs_s) {
  Polyco p;
  const double ref_mjd = start_mjd + m.ref_s / kSecondsPerDay;
  const double day = std::floor(ref_mjd);
  p.ref_mjd = day + std::round((ref_mjd - day) * 1e10) * 1e-10;
  const double d = (p.ref_mjd - start_mjd) * kSecondsPerDay - m.ref_s;  // s after ref_s
  p.ref_phs = frac(d * (m.freq_hz + 0.5 * m.fdot_hz_s * d));
  p.ref_f0 = m.freq_hz + m.fdot_hz_s * d;
  p.coeff[2] = 0.5 * m.fdot_hz_s * 3600.0;  // (60 s/min)^2
  const double reach_s = std::max(std::abs(d + m.ref_s), std::abs(tobs_s - m.ref_s - d));
  p.nspan_min = static_cast<int>(std::ceil(2.0 * reach_s / 60.0)) + 2;
  p.pred_phs = frac(m.phase(0.0));
  return p;
}

void write_primary(const WriteContext& w) {
  fitsfile* f = w.fits;
  const FoldMeta& m = w.c->meta;
  const FoldCube& cube = w.c->cube;
  const StartTime t = split_mjd(m.start_mjd);
  const Site* site = find_site(m.telescope);
  int st = 0;
  fits_create_img(f, BYTE_IMG, 0, nullptr, &st);
  key_str(f, "HDRVER", kHdrVer, "Header version", &st);
  key_str(f, "FITSTYPE", "PSRFITS", "FITS definition for pulsar data files", &st);
  key_str(f, "DATE", utc_now(), "File creation date (YYYY-MM-DDThh:mm:ss UTC)", &st);
  key_str(f, "OBSERVER", "", "Observer name(s)", &st);
  key_str(f, "PROJID", "", "Project name", &st);
  key_str(f, "TELESCOP", m.telescope, "Telescope name", &st);
  if (site && site->have_itrf) {
    key_num(f, TDOUBLE, "ANT_X", site->itrf_m[0], "[m] Antenna ITRF X-coordinate (D)", &st);
    key_num(f, TDOUBLE, "ANT_Y", site->itrf_m[1], "[m] Antenna ITRF Y-coordinate (D)", &st);
    key_num(f, TDOUBLE, "ANT_Z", site->itrf_m[2], "[m] Antenna ITRF Z-coordinate (D)", &st);
  }
  key_str(f, "FRONTEND", "", "Receiver ID", &st);
  key_str(f, "IBEAM", m.beam > 0 ? std::to_string(m.beam) : "", "Beam ID for multibeam systems",
          &st);
  key_num(f, TINT, "NRCVR", 2, "Number of receiver polarisation channels", &st);
  key_str(f, "FD_POLN", "LIN", "LIN or CIRC", &st);
  key_num(f, TINT, "FD_HAND", 1, "+/- 1. +1 is LIN:A=X,B=Y, CIRC:A=L,B=R (I)", &st);
  key_num(f, TDOUBLE, "FD_SANG", 0.0, "[deg] FA of E vect for equal sig in A&B (E)", &st);
  key_num(f, TDOUBLE, "FD_XYPH", 0.0, "[deg] Phase of A^* B for injected cal (E)", &st);
  key_str(f, "BACKEND", "", "Backend ID", &st);
  key_str(f, "BECONFIG", "", "Backend configuration file name", &st);
  key_num(f, TINT, "BE_PHASE", 0, "0/+1/-1 BE cross-phase:0 unknown,+/-1 std/rev", &st);
  key_num(f, TINT, "BE_DCC", 0, "0/1 BE downconversion conjugation corrected", &st);
  key_num(f, TDOUBLE, "BE_DELAY", 0.0, "[s] Backend propn delay from digitiser input", &st);
  key_num(f, TDOUBLE, "TCYCLE", 0.0, "[s] On-line cycle time (D)", &st);
  key_str(f, "OBS_MODE", "PSR", "(PSR, CAL, SEARCH)", &st);
  key_str(f, "DATE-OBS", date_obs(t), "Date of observation (YYYY-MM-DDThh:mm:ss UTC)", &st);
  const double raw_bw = m.chan_bw_mhz > 0 ? m.chan_bw_mhz * double(m.nchan)
                                          : w.subband_bw_mhz * double(cube.nsubband);
  const double obsfreq =
      m.freq_hi_mhz > m.freq_lo_mhz ? 0.5 * (m.freq_lo_mhz + m.freq_hi_mhz) : w.centre_mhz;
  key_num(f, TDOUBLE, "OBSFREQ", obsfreq, "[MHz] Centre frequency for observation", &st);
  key_num(f, TDOUBLE, "OBSBW", raw_bw, "[MHz] Bandwidth for observation", &st);
  key_num(f, TINT, "OBSNCHAN", static_cast<int>(m.nchan > 0 ? m.nchan : cube.nsubband),
          "Number of frequency channels (original)", &st);
  key_num(f, TDOUBLE, "CHAN_DM", 0.0, "[cm-3 pc] DM used for on-line dedispersion", &st);
  key_str(f, "PNT_ID", m.scan, "Name or ID for pointing ctr (multibeam feeds)", &st);
  key_str(f, "SRC_NAME", m.source, "Source or scan ID", &st);
  write_position(f, m, &st);
  key_str(f, "TRK_MODE", "TRACK", "Track mode (TRACK, SCANGC, SCANLAT)", &st);
  key_num(f, TDOUBLE, "SCANLEN", cube.tobs_s, "[s] Requested scan length (E)", &st);
  key_str(f, "FD_MODE", "FA", "Feed track mode - FA, CPA, SPA, TPA", &st);
  key_num(f, TDOUBLE, "FA_REQ", 0.0, "[deg] Feed/Posn angle requested (E)", &st);
  key_str(f, "CAL_MODE", "OFF", "Cal mode (OFF, SYNC, EXT1, EXT2)", &st);
  key_num(f, TDOUBLE, "CAL_FREQ", 0.0, "[Hz] Cal modulation frequency (E)", &st);
  key_num(f, TDOUBLE, "CAL_DCYC", 0.0, "Cal duty cycle (E)", &st);
  key_num(f, TDOUBLE, "CAL_PHS", 0.0, "Cal phase (wrt start time) (E)", &st);
  key_num(f, TINT, "CAL_NPHS", 0, "Number of states in cal pulse (I)", &st);
  key_num(f, TLONG, "STT_IMJD", t.imjd, "Start MJD (UTC days) (J - long integer)", &st);
  key_num(f, TLONG, "STT_SMJD", t.smjd, "[s] Start time (sec past UTC 00h) (J)", &st);
  key_num(f, TDOUBLE, "STT_OFFS", t.offs, "[s] Start time offset (D)", &st);
  if (site && std::isfinite(m.ra_deg) && std::isfinite(m.dec_deg)) {  // else no LST at all
    const Pointing p = pointing_at(*site, m.start_mjd, m.ra_deg, m.dec_deg);
    key_num(f, TDOUBLE, "STT_LST", p.lst_s, "[s] Start LST (D)", &st);
  }
  const std::string history = fmt::format("Written by tianyan {}", kVersionFull);
  fits_write_history(f, history.c_str(), &st);
  check_write(st, w.name, "writing the primary header");
}

void write_history(const WriteContext& w) {
  const FoldCube& cube = w.c->cube;
  const std::vector<const char*> ttype = {
      "DATE_PRO", "PROC_CMD", "SCALE",    "POL_TYPE", "NSUB",     "NPOL",    "NBIN",     "NBIN_PRD",
      "TBIN",     "CTR_FREQ", "NCHAN",    "CHAN_BW",  "REF_FREQ", "DM",      "RM",       "PR_CORR",
      "FD_CORR",  "BE_CORR",  "RM_CORR",  "DEDISP",   "DDS_MTHD", "SC_MTHD", "CAL_MTHD", "CAL_FILE",
      "RFI_MTHD", "RM_MODEL", "AUX_RM_C", "DM_MODEL", "AUX_DM_C"};
  const std::vector<std::string> tform = {"24A", "256A", "8A", "8A",  "1J",  "1I",  "1I",  "1I",
                                          "1D",  "1D",   "1J", "1D",  "1D",  "1D",  "1D",  "1I",
                                          "1I",  "1I",   "1I", "1I",  "32A", "32A", "32A", "256A",
                                          "32A", "32A",  "1I", "32A", "1I"};
  const std::vector<const char*> tunit = {
      "", "", "", "", "", "", "", "", "s", "MHz", "", "MHz", "MHz", "CM-3 PC", "RAD M-2",
      "", "", "", "", "", "", "", "", "",  "",    "", "",    "",    ""};
  fitsfile* f = w.fits;
  int st = 0;
  create_table(f, "HISTORY", ttype, tform, tunit, &st);
  const int nbin = static_cast<int>(cube.nbin);
  const double tbin = cube.model.period_s() / double(cube.nbin);
  const std::string cmd = fmt::format("tianyan {} fold", kVersionFull);
  int c = 1;
  col_str(f, c++, 1, utc_now(), &st);
  col_str(f, c++, 1, cmd, &st);
  col_str(f, c++, 1, "FluxDen", &st);
  col_str(f, c++, 1, "AA+BB", &st);
  col_num(f, TINT, c++, 1, static_cast<int>(cube.nsubint), &st);
  col_num(f, TSHORT, c++, 1, short{1}, &st);
  col_num(f, TSHORT, c++, 1, static_cast<short>(nbin), &st);
  col_num(f, TSHORT, c++, 1, static_cast<short>(nbin), &st);
  col_num(f, TDOUBLE, c++, 1, tbin, &st);
  col_num(f, TDOUBLE, c++, 1, w.centre_mhz, &st);
  col_num(f, TINT, c++, 1, static_cast<int>(cube.nsubband), &st);
  col_num(f, TDOUBLE, c++, 1, w.subband_bw_mhz, &st);
  col_num(f, TDOUBLE, c++, 1, cube.ref_freq_mhz, &st);
  col_num(f, TDOUBLE, c++, 1, cube.model.dm, &st);
  col_num(f, TDOUBLE, c++, 1, 0.0, &st);
  for (int flag : {0, 0, 0, 0, 1}) col_num(f, TSHORT, c++, 1, static_cast<short>(flag), &st);
  col_str(f, c++, 1, "INCOHERENT", &st);  // subbands shifted by their dispersion delays
  col_str(f, c++, 1, "NONE", &st);
  col_str(f, c++, 1, "NONE", &st);
  col_str(f, c++, 1, "NONE", &st);
  col_str(f, c++, 1, "tianyan", &st);  // docs/rfi.md
  col_str(f, c++, 1, "NONE", &st);
  col_num(f, TSHORT, c++, 1, short{0}, &st);
  col_str(f, c++, 1, "NONE", &st);
  col_num(f, TSHORT, c++, 1, short{0}, &st);
  check_write(st, w.name, "writing the HISTORY table");
}

void write_psrparam(const WriteContext& w) {
  const FoldMeta& m = w.c->meta;
  const FoldModel& model = w.c->cube.model;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("PSRJ           {}", m.source.empty() ? "UNKNOWN" : m.source));
  if (std::isfinite(m.ra_deg) && std::isfinite(m.dec_deg)) {
    lines.push_back(fmt::format("RAJ            {}", format_ra_hms(m.ra_deg, 4)));
    lines.push_back(fmt::format("DECJ           {}", format_dec_dms(m.dec_deg, 3, true)));
  }
  lines.push_back(fmt::format("F0             {:.17g}", model.freq_hz));
  lines.push_back(fmt::format("F1             {:.17g}", model.fdot_hz_s));
  lines.push_back(
      fmt::format("PEPOCH         {:.12f}", m.start_mjd + model.ref_s / kSecondsPerDay));
  lines.push_back(fmt::format("DM             {:.10g}", model.dm));
  fitsfile* f = w.fits;
  int st = 0;
  create_table(f, "PSRPARAM", {"PARAM"}, {"128A"}, {""}, &st);
  for (size_t i = 0; i < lines.size(); ++i) col_str(f, 1, LONGLONG(i + 1), lines[i], &st);
  check_write(st, w.name, "writing the PSRPARAM table");
}

void write_polyco(const WriteContext& w) {
  const FoldMeta& m = w.c->meta;
  const FoldCube& cube = w.c->cube;
  const Polyco p = polyco_for(cube.model, m.start_mjd, cube.tobs_s);
  const Site* site = find_site(m.telescope);
  // NSITE: TEMPO's one-letter code where known (PSRCHIVE reads its first character).
  const std::string nsite = site ? std::string(1, site->tempo_code) : m.telescope.substr(0, 8);
  fitsfile* f = w.fits;
  int st = 0;
  create_table(f, "POLYCO",
               {"DATE_PRO", "POLYVER", "NSPAN", "NCOEF", "NPBLK", "NSITE", "REF_FREQ", "PRED_PHS",
                "REF_MJD", "REF_PHS", "REF_F0", "LGFITERR", "COEFF"},
               {"24A", "16A", "1I", "1I", "1I", "8A", "1D", "1D", "1D", "1D", "1D", "1D", "15D"},
               {"", "", "", "", "", "", "MHz", "", "", "", "Hz", "", ""}, &st);
  col_str(f, 1, 1, utc_now(), &st);
  col_str(f, 2, 1, fmt::format("tianyan {}", kVersion), &st);
  col_num(f, TSHORT, 3, 1, static_cast<short>(std::min(p.nspan_min, 32767)), &st);
  col_num(f, TSHORT, 4, 1, short{3}, &st);
  col_num(f, TSHORT, 5, 1, short{1}, &st);
  col_str(f, 6, 1, nsite, &st);
  col_num(f, TDOUBLE, 7, 1, cube.ref_freq_mhz, &st);
  col_num(f, TDOUBLE, 8, 1, p.pred_phs, &st);
  col_num(f, TDOUBLE, 9, 1, p.ref_mjd, &st);
  col_num(f, TDOUBLE, 10, 1, p.ref_phs, &st);
  col_num(f, TDOUBLE, 11, 1, p.ref_f0, &st);
  col_num(f, TDOUBLE, 12, 1, -12.0, &st);  // exact by construction
  double coeff[15] = {p.coeff[0], p.coeff[1], p.coeff[2]};
  fits_write_col(f, TDOUBLE, 13, 1, 1, 15, coeff, &st);
  check_write(st, w.name, "writing the POLYCO table");
}

void write_extension(const WriteContext& w) {
  // ensure_ascii: FITS character columns hold ASCII only; other text is escaped as \uXXXX.
  const std::string text = extension_json(*w.c).dump(-1, ' ', true);
  fitsfile* f = w.fits;
  int st = 0;
  create_table(f, kExtName, {"JSON"}, {fmt::format("{}A", text.size())}, {""}, &st);
  key_num(f, TINT, "TY_FMT", kFormatVersion, "tianyan fold archive format version", &st);
  col_str(f, 1, 1, text, &st);
  check_write(st, w.name, "writing the TIANYAN table");
}

}  // namespace tianyan::psrfits_fold
