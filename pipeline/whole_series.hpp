#pragma once
// Whole dedispersed series in memory, for stages that need every sample of a trial at once
// (the periodicity search). The streaming driver (clean_dedisperse.hpp) hands out gulps; this
// layer assembles them into whole series, a batch of consecutive DM trials at a time, so that
// the series plus the driver's own buffers stay under resources.memory_gb.
//
// Cost: each batch is one full pass of the driver over the input (read, RFI, dedispersion),
// so a run takes nbatches passes; the series are bit-identical whatever the batch size
// (docs/pipeline.md, "Whole series").
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "kernels/dedisp/dm_plan.hpp"

namespace tianyan {

struct WholeSeriesBatchPlan {
  size_t trials_per_batch = 0;
  size_t nbatches = 0;
  uint64_t bytes_per_trial = 0;         // the longest trial: floor(nsamples / smallest ds) floats
  uint64_t series_bytes_per_batch = 0;  // trials_per_batch x bytes_per_trial
};

// Batches for `trials` over a stream of `nsamples` when the driver holds `driver_bytes` and
// the limit is `limit_bytes`: as many consecutive trials per batch as fit in the difference.
// Every trial is budgeted at the longest trial's size (a downsampled trial is shorter), so a
// batch never exceeds the budget whatever trials it holds. Throws Environment (exit 4) when
// not even one trial fits, naming the numbers.
WholeSeriesBatchPlan plan_whole_series(const std::vector<DmTrial>& trials, uint64_t nsamples,
                                       uint64_t driver_bytes, uint64_t limit_bytes);

// One DM trial's whole series.
struct TrialSeries {
  size_t index = 0;  // in the DM plan's trials()
  DmTrial trial;
  std::vector<float> data;  // floor(nsamples / trial.downsample) samples, as the driver makes
};
using WholeSeriesConsumer = std::function<void(std::vector<TrialSeries>& batch)>;

// Dedisperses `reader`'s beam and calls `consume` once per batch, in DM order, with that
// batch's whole series; the batch is freed when `consume` returns (it may move data out, but
// then owns that memory outside the limit). `consumer_bytes` is what the consumer itself
// holds (the search's workspaces), counted against the limit with the driver's. The driver's
// read, RFI and dedispersion times, summed over batches, are added to `times` when given.
// Returns the batch plan it used.
WholeSeriesBatchPlan dedisperse_whole_series(Reader& reader, const PipelineConfig& config,
                                             int threads, const WholeSeriesConsumer& consume,
                                             uint64_t consumer_bytes = 0,
                                             StageTimes* times = nullptr);

}  // namespace tianyan
