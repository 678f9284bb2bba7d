#pragma once
// Metadata of one stream of search-mode data (one beam of one scan, or one filterbank file).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tianyan {

// A run of samples a multi-file scan lacks (a missing file or dropped rows). Readers fill it
// with neutral values (each channel's mean over the nearest valid row) and report it here.
struct Gap {
  uint64_t start_sample = 0;  // first missing sample, counted from the stream's start
  uint64_t nsamp = 0;
  std::string before_file;  // the file after which the gap opens
};

struct ObservationInfo {
  std::string format;              // "psrfits" or "sigproc"
  std::vector<std::string> files;  // in stream order
  std::string source;
  std::string telescope;
  std::string scan;  // scan name (FAST: the file stem without "-Mnn_NNNN"); may be empty
  int beam = 0;      // 1..19 for FAST multibeam; 0 when unknown
  double ra_deg = std::numeric_limits<double>::quiet_NaN();
  double dec_deg = std::numeric_limits<double>::quiet_NaN();

  double start_mjd = 0;  // MJD (UTC) of the first sample of the stream
  double tsamp_s = 0;

  // Channel centre frequencies, MHz. Inside tianyan channel 0 is always the LOWEST frequency
  // (ascending order); readers reverse files stored highest-first.
  std::vector<double> freqs_mhz;
  bool file_descending = false;   // the file stored channels highest frequency first
  std::vector<uint8_t> flagged;   // per channel (ascending order): 1 = zero weight in the file
  double chan_dm = 0;             // PSRFITS CHAN_DM: coherent dedispersion within channels

  int nbits = 0;  // bits per stored sample (32 = float)
  int npol = 1;   // polarisation products stored; readers deliver total intensity
  std::string pol_type;

  uint64_t nsamples = 0;         // valid samples the reader delivers (gaps included, padding not)
  uint64_t nsamples_stored = 0;  // samples stored in the files, including zero padding
  std::vector<Gap> gaps;

  size_t nchan() const { return freqs_mhz.size(); }
  double duration_s() const { return static_cast<double>(nsamples) * tsamp_s; }
  double freq_lo_mhz() const { return freqs_mhz.empty() ? 0.0 : freqs_mhz.front(); }
  double freq_hi_mhz() const { return freqs_mhz.empty() ? 0.0 : freqs_mhz.back(); }
  // Channel width (MHz, positive), from the channel table.
  double chan_bw_mhz() const {
    return freqs_mhz.size() < 2 ? 0.0
                                : std::abs(freqs_mhz.back() - freqs_mhz.front()) /
                                      static_cast<double>(freqs_mhz.size() - 1);
  }
};

}  // namespace tianyan
