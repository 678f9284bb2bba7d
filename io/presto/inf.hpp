#pragma once
// PRESTO .inf: the text header beside a .dat time series (PRESTO's src/ioinf.c layout).
//
// Each line is " <key padded to column 40>=  <value>". Keys are recognised by their leading
// words, so older spellings ("(1=yes, 0=no)", "(Mhz)") and any whitespace parse; values are
// strict: a number that does not parse completely is a BadInput naming the file and line.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tianyan {

struct PrestoInf {
  std::string basename;  // "Data file name without suffix"
  std::string telescope = "Unknown";
  std::string instrument = "Unknown";
  std::string object = "Unknown";
  double ra_deg = 0;   // from "hh:mm:ss.ssss"
  double dec_deg = 0;  // from "dd:mm:ss.ssss"
  std::string observer = "Unknown";
  double mjd = 0;
  int barycentred = 0;
  uint64_t nbins = 0;
  double dt_s = 0;
  bool breaks = false;
  std::vector<std::pair<double, double>> onoff;  // "On/Off bin pair" lines, when breaks
  std::string band = "Radio";
  double beam_arcsec = 0;
  double dm = 0;
  double freq_lo_mhz = 0;  // centre of the lowest channel
  double bandwidth_mhz = 0;
  int nchan = 0;
  double chan_bw_mhz = 0;
  std::string analyzer = "Unknown";
  std::string notes;
};

// Parses the text of a .inf; `name` goes into every error. Requires at least the number of
// bins and the bin width; lines PRESTO writes for non-radio bands are accepted and ignored.
PrestoInf parse_presto_inf(std::string_view text, const std::string& name);

// The .inf text in PRESTO's layout (radio band).
std::string format_presto_inf(const PrestoInf& inf);

// Reads and parses a .inf file; throws BadInput naming it when absent or malformed.
PrestoInf read_presto_inf(const std::string& path);
// Writes a .inf file atomically.
void write_presto_inf(const std::string& path, const PrestoInf& inf);

}  // namespace tianyan
