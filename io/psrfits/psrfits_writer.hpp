#pragma once
// PSRFITS search-mode writer in FAST layout: files named "<scan_prefix>-M<beam:02>_<serial:04>.fits",
// a fixed number of NSBLK-sample rows per file, every file carrying the scan's STT_* with
// NSUBOFFS advancing.
#include <memory>
#include <string>

#include "io/observation.hpp"
#include "io/search_writer.hpp"

namespace tianyan {

struct PsrfitsWriteOptions {
  int nsblk = 1024;          // samples per row (FAST: 1024)
  int rows_per_file = 128;   // rows per file; FAST files hold 64..512
  int beam = 1;              // 1..19, in the file name and the header
  bool descending = false;   // store channels highest frequency first (FAST stores ascending)
};

// header supplies source, telescope, ra/dec, start_mjd, tsamp_s, freqs_mhz (ascending),
// flagged (written as zero DAT_WTS), nbits (1, 2, 4 or 8, unsigned) and npol (1 'AA+BB',
// 2 'AABB', 4 'AABBCRCI'). Throws BadInput for an unsupported header, Environment when the
// files cannot be written.
std::unique_ptr<SearchWriter> make_psrfits_writer(const std::string& scan_prefix,
                                                  const ObservationInfo& header,
                                                  const PsrfitsWriteOptions& options = {});

}  // namespace tianyan
