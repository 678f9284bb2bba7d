#pragma once
// Reads candidates.csv back (the format io/candidates_writer.hpp writes; docs/search.md,
// "Outputs"): RFC 4180 fields, a header row naming the columns, one candidate per row.
// Columns are found by name, so their order does not matter and unknown columns are ignored.
// Required: rank, dm, and freq_hz or period_s. Optional (defaults in Candidate): epoch_mjd,
// accel_ms2, sigma, snr, nharm, dm_hits, power, scan, beam, ra (hh:mm:ss.s), dec (dd:mm:ss.s),
// file. Empty optional fields keep their defaults.
#include <string>
#include <string_view>
#include <vector>

#include "kernels/search/candidate.hpp"

namespace tianyan {

struct CandidateRecord {
  int rank = 0;  // from the file: a positive integer, unique in the file
  Candidate candidate;
  int line = 0;  // line of the file where the row starts (1 = the header)
};

// Parses CSV text; `name` is the file name used in messages. Throws BadInput
// "NAME: line N: problem" for a missing header or required column, a duplicate column, a row
// with the wrong number of fields, a value that is not a number (or not finite, or out of
// range: frequency or period not positive, DM negative, rank not a positive integer, beam not
// in 0..99), an unterminated quote, or a repeated rank. Rows come back sorted by rank.
std::vector<CandidateRecord> parse_candidates_csv(std::string_view text, const std::string& name);

// Reads PATH (BadInput "PATH: cannot read: ..." when it cannot be opened) and parses it.
std::vector<CandidateRecord> read_candidates_csv(const std::string& path);

}  // namespace tianyan
