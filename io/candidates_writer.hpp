#pragma once
// candidates.csv and candidates.json (docs/search.md, "Outputs"), both written atomically.
// CSV columns, in order: rank, period_s, freq_hz, epoch_mjd, dm, accel_ms2, sigma, snr, nharm,
// dm_hits, power, scan, beam, ra, dec, file (ra/dec sexagesimal hh:mm:ss.ss / dd:mm:ss.s;
// strings quoted when they hold a comma or a quote). epoch_mjd is the middle of the
// observation. Periods and frequencies are printed with 12 significant digits.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/search/candidate.hpp"

namespace tianyan {

// The header row and one row per candidate (rank = position + 1).
std::string format_candidates_csv(const std::vector<Candidate>& ranked);

// The candidates as a JSON array of objects with the CSV's fields (ra_deg/dec_deg in degrees
// as well as the sexagesimal strings).
nlohmann::json candidates_to_json(const std::vector<Candidate>& ranked);

// Writes DIR/candidates.csv and DIR/candidates.json; the JSON is
// {"candidates": [...], plus every member of `provenance` (configuration, plan, version,
// inputs, timings)}. Throws Environment when a file cannot be written.
void write_candidates(const std::string& dir, const std::vector<Candidate>& ranked,
                      const nlohmann::json& provenance);

}  // namespace tianyan
