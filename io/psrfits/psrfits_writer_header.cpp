#include "io/psrfits/psrfits_writer_header.hpp"

#include "io/angles.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "io/psrfits/fits_check.hpp"
#include "io/psrfits/psrfits_time.hpp"
#include "kernels/common/error.hpp"
#include "tianyan/version.hpp"

namespace tianyan::psrfits_write {
namespace {

constexpr const char* kHeader = "output header";

const char* pol_type_for(int npol) {
  switch (npol) {
    case 1: return "AA+BB";
    case 2: return "AABB";
    case 4: return "AABBCRCI";
    default: return nullptr;
  }
}

using psrfits::date_obs;
using psrfits::split_mjd;
using psrfits::StartTime;
using psrfits::utc_now;


void key_str(fitsfile* f, const char* key, const std::string& value, const char* comment,
             int* status) {
  fits_update_key(f, TSTRING, key, const_cast<char*>(value.c_str()), comment, status);
}

template <typename T>
void key_num(fitsfile* f, int type, const char* key, T value, const char* comment, int* status) {
  fits_update_key(f, type, key, &value, comment, status);
}

void check_channels(const ObservationInfo& header) {
  if (header.freqs_mhz.empty()) throw bad_input(kHeader, "no channels (empty frequency table)");
  for (size_t c = 1; c < header.freqs_mhz.size(); ++c) {
    if (!(header.freqs_mhz[c] > header.freqs_mhz[c - 1])) {
      throw bad_input(kHeader, "channel frequencies must ascend strictly (channel {}: {} MHz "
                      "after {} MHz)", c, header.freqs_mhz[c], header.freqs_mhz[c - 1]);
    }
  }
  if (!header.flagged.empty() && header.flagged.size() != header.freqs_mhz.size()) {
    throw bad_input(kHeader, "{} channel flags for {} channels", header.flagged.size(),
                    header.freqs_mhz.size());
  }
}

}  // namespace

SubintLayout make_layout(const ObservationInfo& header, const PsrfitsWriteOptions& options) {
  check_channels(header);
  const int nbits = header.nbits;
  if (nbits != 1 && nbits != 2 && nbits != 4 && nbits != 8) {
    throw bad_input(kHeader, "PSRFITS output supports nbits 1, 2, 4 or 8, not {}", nbits);
  }
  const char* pol_type = pol_type_for(header.npol);
  if (!pol_type) throw bad_input(kHeader, "PSRFITS output supports npol 1, 2 or 4, not {}",
                                 header.npol);
  if (!(header.tsamp_s > 0)) throw bad_input(kHeader, "sampling time {} s", header.tsamp_s);
  // Readers (PRESTO, dspsr, tianyan's) unpack whole bytes per spectrum, so refuse what they
  // could not read: NCHAN*NBITS must be a multiple of 8.
  if ((header.freqs_mhz.size() * nbits) % 8 != 0) {
    throw bad_input(kHeader, "{} channels of {} bits do not fill whole bytes",
                    header.freqs_mhz.size(), nbits);
  }
  // TDIM of DATA is (NCHAN, NPOL, NSBLK*NBITS/8), so NSBLK*NBITS must be whole bytes too.
  if (options.nsblk <= 0 || (options.nsblk * nbits) % 8 != 0) {
    throw bad_input(kHeader, "NSBLK {} must be positive and a multiple of {} for {}-bit data",
                    options.nsblk, 8 / nbits, nbits);
  }
  if (options.rows_per_file <= 0) {
    throw bad_input(kHeader, "rows per file must be positive, not {}", options.rows_per_file);
  }
  if (options.beam < 0 || options.beam > 99) {
    throw bad_input(kHeader, "beam {} does not fit the -Mnn file name", options.beam);
  }
  SubintLayout l;
  l.nchan = static_cast<int>(header.freqs_mhz.size());
  l.npol = header.npol;
  l.nbits = nbits;
  l.nsblk = options.nsblk;
  l.descending = options.descending;
  l.pol_type = pol_type;
  l.tbin_s = header.tsamp_s;
  l.chan_bw_mhz = options.descending ? -header.chan_bw_mhz() : header.chan_bw_mhz();
  l.freqs = header.freqs_mhz;
  l.weights.assign(l.freqs.size(), 1.0f);
  for (size_t c = 0; c < header.flagged.size(); ++c) {
    if (header.flagged[c]) l.weights[c] = 0.0f;
  }
  if (l.descending) {
    std::reverse(l.freqs.begin(), l.freqs.end());
    std::reverse(l.weights.begin(), l.weights.end());
  }
  l.row_bytes = int64_t{l.nsblk} * l.npol * l.nchan * l.nbits / 8;
  return l;
}

void check_fits(int status, const std::string& path, const char* call) {
  if (status == 0) return;
  const std::string detail = fits::write_error_detail(status, errno);
  throw environment_error("{}: cannot write PSRFITS ({} failed, CFITSIO status {}: {})", path,
                          call, status, detail);
}

std::string format_ra(double ra_deg) { return format_ra_hms(ra_deg, 4); }

std::string format_dec(double dec_deg) { return format_dec_dms(dec_deg, 3, true); }

void write_primary_header(fitsfile* f, const std::string& path, const ObservationInfo& h,
                          const SubintLayout& l, int beam) {
  int st = 0;
  const StartTime t = split_mjd(h.start_mjd);
  const double obsbw = l.chan_bw_mhz * l.nchan;
  const double obsfreq = 0.5 * (h.freqs_mhz.front() + h.freqs_mhz.back());
  fits_create_img(f, BYTE_IMG, 0, nullptr, &st);
  key_str(f, "HDRVER", "6.1", "Header version", &st);
  key_str(f, "FITSTYPE", "PSRFITS", "FITS definition for pulsar data files", &st);
  key_str(f, "DATE", utc_now(), "File creation UTC date (YYYY-MM-DDThh:mm:ss)", &st);
  key_str(f, "OBSERVER", "", "Observer name(s)", &st);
  key_str(f, "PROJID", "", "Project name", &st);
  key_str(f, "TELESCOP", h.telescope.empty() ? "FAST" : h.telescope, "Telescope name", &st);
  key_str(f, "IBEAM", std::to_string(beam), "Beam ID for multibeam systems", &st);
  key_num(f, TINT, "NRCVR", 2, "Number of receiver polarisation channels", &st);
  key_str(f, "FD_POLN", "LIN", "LIN or CIRC", &st);
  key_str(f, "OBS_MODE", "SEARCH", "(PSR, CAL, SEARCH)", &st);
  key_str(f, "DATE-OBS", date_obs(t), "UTC date of observation (YYYY-MM-DDThh:mm:ss)", &st);
  key_num(f, TDOUBLE, "OBSFREQ", obsfreq, "[MHz] Centre frequency for observation", &st);
  key_num(f, TDOUBLE, "OBSBW", obsbw, "[MHz] Bandwidth for observation", &st);
  key_num(f, TINT, "OBSNCHAN", l.nchan, "Number of frequency channels (original)", &st);
  key_num(f, TDOUBLE, "CHAN_DM", h.chan_dm, "[cm-3 pc] DM used for on-line dedispersion", &st);
  key_str(f, "SRC_NAME", h.source, "Source or scan ID", &st);
  key_str(f, "COORD_MD", "J2000", "Coordinate mode (J2000, GALACTIC, ECLIPTIC)", &st);
  key_num(f, TDOUBLE, "EQUINOX", 2000.0, "Equinox of coords (e.g. 2000.0)", &st);
  // Unknown coordinates are written as undefined values (legal FITS), never as a fake 00:00.
  const bool have_pos = std::isfinite(h.ra_deg) && std::isfinite(h.dec_deg);
  const char* ra_c = "Right ascension (hh:mm:ss.ssss)";
  const char* dec_c = "Declination (-dd:mm:ss.sss)";
  for (const char* key : {"RA", "STT_CRD1"}) {
    if (have_pos) key_str(f, key, format_ra(h.ra_deg), ra_c, &st);
    else fits_update_key_null(f, key, ra_c, &st);
  }
  for (const char* key : {"DEC", "STT_CRD2"}) {
    if (have_pos) key_str(f, key, format_dec(h.dec_deg), dec_c, &st);
    else fits_update_key_null(f, key, dec_c, &st);
  }
  key_str(f, "TRK_MODE", "TRACK", "Track mode (TRACK, SCANGC, SCANLAT)", &st);
  // Every file of a scan carries the SCAN start (FAST convention); NSUBOFFS locates the file.
  key_num(f, TLONG, "STT_IMJD", t.imjd, "Start MJD (UTC days) (J - long integer)", &st);
  key_num(f, TLONG, "STT_SMJD", t.smjd, "[s] Start time (sec past UTC 00h) (J)", &st);
  key_num(f, TDOUBLE, "STT_OFFS", t.offs, "[s] Start time offset (D)", &st);
  const std::string history = fmt::format("Written by tianyan {}", kVersionFull);
  fits_write_history(f, history.c_str(), &st);
  check_fits(st, path, "writing the primary header");
}

void create_subint_table(fitsfile* f, const std::string& path, const SubintLayout& l,
                         int64_t nsuboffs) {
  const std::string nchan_d = fmt::format("{}D", l.nchan), nchan_e = fmt::format("{}E", l.nchan);
  const std::string npc_e = fmt::format("{}E", int64_t{l.nchan} * l.npol);
  const std::string data_b = fmt::format("{}B", l.row_bytes);
  const char* ttype[] = {"TSUBINT", "OFFS_SUB", "DAT_FREQ", "DAT_WTS", "DAT_OFFS", "DAT_SCL",
                         "DATA"};
  const char* tform[] = {"1D", "1D", nchan_d.c_str(), nchan_e.c_str(), npc_e.c_str(),
                         npc_e.c_str(), data_b.c_str()};
  const char* tunit[] = {"s", "s", "MHz", "", "", "", "Jy"};
  int st = 0;
  fits_create_tbl(f, BINARY_TBL, 0, 7, const_cast<char**>(ttype), const_cast<char**>(tform),
                  const_cast<char**>(tunit), "SUBINT", &st);
  // The definition's TDIM for search data: (NCHAN, NPOL, NSBLK*NBITS/8). For sub-byte data the
  // last axis counts BYTES of packed samples (not samples), so the product is the byte count
  // and the file stays valid FITS; readers must size rows from the keywords, not from TDIM.
  long tdim[3] = {l.nchan, l.npol, static_cast<long>(int64_t{l.nsblk} * l.nbits / 8)};
  fits_write_tdim(f, 7, 3, tdim, &st);
  key_str(f, "INT_TYPE", "TIME", "Time axis (TIME, BINPHSPERI, BINLNGASC, etc)", &st);
  key_str(f, "INT_UNIT", "SEC", "Unit of time axis (SEC, PHS (0-1), DEG)", &st);
  key_str(f, "SCALE", "FluxDen", "Intensity units (FluxDen/RefFlux/Jansky)", &st);
  key_str(f, "POL_TYPE", l.pol_type, "Polarisation identifier (e.g., AABBCRCI, AA+BB)", &st);
  key_num(f, TINT, "NPOL", l.npol, "Nr of polarisations", &st);
  key_num(f, TDOUBLE, "TBIN", l.tbin_s, "[s] Time per bin or sample", &st);
  key_num(f, TINT, "NBIN", 1, "Nr of bins (PSR/CAL mode; else 1)", &st);
  key_num(f, TINT, "NBITS", l.nbits, "Nr of bits/datum (SEARCH mode data, else 1)", &st);
  key_num(f, TDOUBLE, "ZERO_OFF", 0.0, "Zero offset for SEARCH-mode data", &st);
  key_num(f, TINT, "SIGNINT", 0, "1 for signed ints in SEARCH-mode data, else 0", &st);
  key_num(f, TLONGLONG, "NSUBOFFS", static_cast<long long>(nsuboffs),
          "Subint offset (Contiguous SEARCH-mode files)", &st);
  key_num(f, TINT, "NCHAN", l.nchan, "Number of channels/sub-bands in this file", &st);
  key_num(f, TDOUBLE, "CHAN_BW", l.chan_bw_mhz, "[MHz] Channel/sub-band width", &st);
  key_num(f, TDOUBLE, "DM", 0.0, "[cm-3 pc] DM for post-detection dedisperion", &st);
  key_num(f, TDOUBLE, "RM", 0.0, "[rad m-2] RM for post-detection deFaraday", &st);
  key_num(f, TINT, "NCHNOFFS", 0, "Channel/sub-band offset for split files", &st);
  key_num(f, TINT, "NSBLK", l.nsblk, "Samples/row (SEARCH mode, else 1)", &st);
  key_num(f, TLONGLONG, "NSTOT", 0LL, "Total number of samples (SEARCH mode, else 1)", &st);
  check_fits(st, path, "creating the SUBINT table");
}

void write_nstot(fitsfile* f, const std::string& path, int64_t nstot) {
  int st = 0;
  key_num(f, TLONGLONG, "NSTOT", static_cast<long long>(nstot),
          "Total number of samples (SEARCH mode, else 1)", &st);
  check_fits(st, path, "setting NSTOT");
}

}  // namespace tianyan::psrfits_write
