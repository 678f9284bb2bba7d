#pragma once
// PSRFITS search-mode reader (CFITSIO). See ../shared/docs/FORMATS.md for every rule it follows.
#include <memory>
#include <string>
#include <vector>

#include "io/reader.hpp"

namespace tianyan {

// Opens one or more PSRFITS files of one beam as a single stream, in the order given (the
// files of a FAST scan, ordered by serial number). Checks that they are compatible (channels,
// TBIN, NBITS, NPOL) and contiguous (NSUBOFFS / OFFS_SUB); gaps are filled with neutral values
// and reported in info().gaps, or refused when options.strict. Throws BadInput naming the file.
std::unique_ptr<Reader> open_psrfits(const std::vector<std::string>& files,
                                     const OpenOptions& options = {});

}  // namespace tianyan
