#pragma once
// The JSON summary of one folded candidate (docs/io.md, "Fold-mode archives"): the optimised
// values with their 1-sigma errors, what the search said, the provenance and the names of the
// files written beside it.
//
// {
//   "optimised": null when c.best is empty (best.model.freq_hz <= 0), else
//     {"epoch_mjd" (start_mjd + ref_s / 86400, UTC, topocentric), "ref_s",
//      "period_s", "period_err_s", "pdot", "pdot_err", "freq_hz", "freq_err_hz",
//      "fdot_hz_s", "fdot_err_hz_s", "accel_ms2", "accel_err_ms2", "dm", "dm_err",
//      "snr", "redchi2", "width_bins", "width_s", "peak_bin", "nbin"},
//   "folded_at": the cube's model {"freq_hz", "fdot_hz_s", "dm", "ref_s", "period_s"},
//   "search": {"rank", "sigma", "snr" (spectral), "nharm", "freq_hz", "period_s", "dm",
//              "accel_ms2"}  (rank 0: folded from --period/--dm),
//   "provenance": every FoldMeta field (version, config_toml, files, rfi_fraction, source,
//                 telescope, beam, scan, ra_deg, dec_deg, start_mjd, ...) plus "ra"/"dec"
//                 sexagesimal, "tobs_s", "nsubint", "nsubband",
//   "files": {"archive": NAME or null, "plots": [NAMES]}
// }
// Errors of period, pdot and acceleration are propagated to first order from those of
// frequency and fdot, taken as uncorrelated. Non-finite numbers are written as null.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/fold/fold.hpp"

namespace tianyan {

struct FoldSummaryFiles {
  std::string archive;             // the PSRFITS archive's name ("" when none)
  std::vector<std::string> plots;  // the plots' names
};

nlohmann::json fold_summary_json(const FoldedCandidate& c, const FoldSummaryFiles& files = {});

// Writes fold_summary_json() to `path` atomically. Throws Environment when it cannot.
void write_fold_summary(const std::string& path, const FoldedCandidate& c,
                        const FoldSummaryFiles& files = {});

}  // namespace tianyan
