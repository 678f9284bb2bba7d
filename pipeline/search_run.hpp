#pragma once
// The search of one beam (or one time series): read, RFI, plan and dedispersion in DM-trial
// batches that fit resources.memory_gb (pipeline/whole_series.hpp), the periodicity search of
// every series (kernels/search/period_search.hpp), then sifting across DM trials. The work of
// `tianyan search`; the command adds the outputs.
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "io/timeseries.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/rfi/rfi_mask.hpp"
#include "kernels/search/candidate.hpp"

namespace tianyan {

struct SearchRunOptions {
  int threads = 1;
  ComputeTarget search;  // the periodicity search (on every device of search.devices, if several)
  ComputeTarget dedisp;  // dedispersion
  std::function<void(double fraction_done)> progress;  // after every batch of series
};

struct SearchTimings {
  double read_s = 0, rfi_s = 0, dedisp_s = 0;  // the streaming driver, all batches
  double search_s = 0;                          // periodicity search of every series
  double sift_s = 0;
  double total_s = 0;
  nlohmann::json to_json() const;
};

struct BeamSearch {
  std::vector<Candidate> candidates;  // sifted, ranked by sigma, provenance filled
  size_t raw_candidates = 0;          // from all series, before sifting
  size_t ntrials = 0;                 // DM trials searched
  double dm_lo = 0, dm_hi = 0;        // their range
  std::vector<BirdieConfig> auto_birdies;  // found in the DM 0 series
  size_t accel_trials = 1;            // per series (of the longest series)
  double duration_s = 0;              // of the data searched
  uint64_t peak_series_bytes = 0;     // series plus search workspaces held at once
  SearchTimings times;
  nlohmann::json plan;                // the DM plan: steps and trials
  RfiMask rfi_mask;                   // the RFI stage's mask (empty for a time series)
};

// Searches `reader`'s beam. Throws BadInput for inputs or configurations the stages refuse.
BeamSearch search_beam(Reader& reader, const PipelineConfig& config,
                       const SearchRunOptions& options);

// Searches one dedispersed series as given (.tim, .dat): no RFI, no dedispersion; sifting's
// DM-hit and DM-peak requirements do not apply to a single series. The series is taken by
// value and its samples freed once the search has loaded them (a series of 2^31 samples is
// 8.6 GB: the search then peaks at about twice that, not three times).
BeamSearch search_time_series(TimeSeries series, const std::string& file,
                              const PipelineConfig& config, const SearchRunOptions& options);

}  // namespace tianyan
