#pragma once
// SIGPROC filterbank reader and writer. See ../shared/docs/FORMATS.md ("SIGPROC filterbank").
#include <memory>
#include <string>
#include <vector>

#include "io/reader.hpp"
#include "io/search_writer.hpp"

namespace tianyan {

// Opens one or more filterbank files as a single stream (consecutive files of one observation,
// checked for matching channels, tsamp and nbits and for contiguous tstart). With nifs >= 2 the
// reader delivers IF 0 + IF 1 (two polarisations summed to total intensity). Throws BadInput
// naming the file.
std::unique_ptr<Reader> open_filterbank(const std::vector<std::string>& files,
                                        const OpenOptions& options = {});

struct FilterbankWriteOptions {
  bool descending = true;     // write fch1 = highest frequency, foff < 0 (the usual convention)
  bool signed_8bit = false;   // write the `signed` key and signed 8-bit samples
  int telescope_id = -1;      // -1: derived from header.telescope (FAST -> 21)
  int machine_id = 0;
};

// header supplies the same fields as for PSRFITS; nbits 1, 2, 4, 8 or 32; npol becomes nifs.
// Written atomically: the file appears under `path` only after finish().
std::unique_ptr<SearchWriter> make_filterbank_writer(const std::string& path,
                                                     const ObservationInfo& header,
                                                     const FilterbankWriteOptions& options = {});

}  // namespace tianyan
