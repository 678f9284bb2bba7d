#pragma once
// Test-only writer of small PSRFITS search-mode files, with raw CFITSIO calls so that the
// reader is tested against bytes laid out here by hand (not by the project's own writer), and
// with knobs for the variations and defects real files show.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace tianyan::test {

struct FitsSpec {
  int nchan = 8;
  int64_t nsblk = 4;
  int64_t nrows = 3;
  int npol = 1;
  int nbits = 8;  // 1, 2, 4, 8 (bytes), 16 (int16 'I'), 32 (float 'E')
  std::string pol_type = "AA+BB";
  double tbin = 1e-3;
  double tsubint = 0;   // 0: NSBLK * TBIN
  double freq0 = 1000;  // MHz, file channel c sits at freq0 + c * chan_bw
  double chan_bw = 1;   // negative: stored highest frequency first
  int64_t nsuboffs = 0;
  bool nsuboffs_as_float = false;  // NSUBOFFS = 0.0 style
  bool nchnoffs_star = false;      // NCHNOFFS = '*'
  int64_t nstot = -1;              // -1: no NSTOT keyword
  int signint = 0;
  bool tzero_m128 = false;  // TZERO = -128 on the DATA column
  double zero_off = 0;
  bool scales_nchan_only = false;  // DAT_SCL/DAT_OFFS with NCHAN values (broadcast over pols)
  std::string obs_mode = "SEARCH";
  std::string extname = "SUBINT";
  bool history_first = false;    // a HISTORY table before SUBINT
  int64_t data_bytes_extra = 0;  // DATA column wider than the keywords imply
  std::optional<int> nchan_key;  // NCHAN keyword differing from the layout
  double offs_sub_shift = 0;     // seconds added to every OFFS_SUB
  bool fake_ztable = false;      // ZTABLE = T on an ordinary table: undecodable
  int ibeam = -1;                // -1: no IBEAM keyword
  double chan_dm = 0;
  int stt_imjd = 60000;
  double stt_smjd = 3600, stt_offs = 0.25;
  std::string ra = "12:30:00.0", dec = "-45:30:00.0";
  // Values by GLOBAL row (nsuboffs + local row), so that split files equal one file.
  // raw: the stored sample value (signed for signed data, float for 32 bits).
  std::function<double(int64_t row, int64_t s, int pol, int chan)> raw;
  std::function<float(int64_t row, int pol, int chan)> scl, offs;  // pol < scale pols
  std::function<float(int64_t row, int chan)> wts;
};

// Fills unset functions with defaults: raw a pattern that differs between neighbouring
// samples and channels, scales 1, offsets 0, weights 1.
FitsSpec with_defaults(FitsSpec spec);

void write_psrfits(const std::string& path, FitsSpec spec);

// Writes a tile-compressed copy of the primary HDU and SUBINT table of `in` (CFITSIO's
// fits_compress_table, what `fpack -table` does).
void compress_psrfits(const std::string& in, const std::string& out);

// What the reader must deliver for global row `row`, sample `s` of the row, OUTPUT channel
// `out_chan` (ascending frequency), following FORMATS.md's total-intensity rules.
double expected_value(const FitsSpec& spec, int64_t row, int64_t s, int out_chan);

}  // namespace tianyan::test
