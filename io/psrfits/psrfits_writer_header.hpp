#pragma once
// Internal to the PSRFITS writer: the validated layout of the files it writes and the CFITSIO
// calls that create their headers. Only io/psrfits/psrfits_writer.cpp includes this.
#include <fitsio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/observation.hpp"
#include "io/psrfits/psrfits_writer.hpp"

namespace tianyan::psrfits_write {

// Everything about the files that does not change from row to row, in FILE channel order.
struct SubintLayout {
  int nchan = 0;
  int npol = 1;
  int nbits = 8;
  int nsblk = 0;
  bool descending = false;
  std::string pol_type;       // 'AA+BB', 'AABB' or 'AABBCRCI'
  double tbin_s = 0;
  double chan_bw_mhz = 0;     // negative when descending
  std::vector<double> freqs;  // DAT_FREQ, file order
  std::vector<float> weights; // DAT_WTS, file order: 0 for flagged channels
  int64_t row_bytes = 0;      // NSBLK * NPOL * NCHAN * NBITS / 8
};

// Checks the header and options (BadInput "output header: ...") and derives the layout.
SubintLayout make_layout(const ObservationInfo& header, const PsrfitsWriteOptions& options);

// Throws Environment naming `path`, the CFITSIO call and CFITSIO's messages when status != 0.
void check_fits(int status, const std::string& path, const char* call);

// Writes the primary HDU keywords (PSRFITS HDRVER 6.x, FAST conventions).
void write_primary_header(fitsfile* fits, const std::string& path, const ObservationInfo& header,
                          const SubintLayout& layout, int beam);

// Creates the empty SUBINT table (columns, TDIM, search-mode keywords). NSTOT is written as 0
// and set by write_nstot() when the file is complete.
void create_subint_table(fitsfile* fits, const std::string& path, const SubintLayout& layout,
                         int64_t nsuboffs);

// Sets NSTOT in the SUBINT header of the open file (the current HDU).
void write_nstot(fitsfile* fits, const std::string& path, int64_t nstot);

// "hh:mm:ss.ssss" and "+dd:mm:ss.sss" (exposed for the tests).
std::string format_ra(double ra_deg);
std::string format_dec(double dec_deg);

}  // namespace tianyan::psrfits_write
