#pragma once
// Whole dedispersed series in memory, for stages that need every sample of a trial at once
// (the periodicity search). The streaming driver (clean_dedisperse.hpp) hands out gulps; this
// layer assembles them into whole series, a batch of consecutive DM trials at a time, so that
// the series plus the driver's own buffers stay under resources.memory_gb.
//
// Cost: each batch is one full pass of the driver over the input (read and dedispersion; the
// first pass records the RFI cleaning, later passes replay it without the RFI statistics), so
// a run takes nbatches passes; the series are bit-identical whatever the batch size
// (docs/pipeline.md, "Whole series").
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "pipeline/clean_dedisperse.hpp"

namespace tianyan {

// One batch: plan trials [begin, end) and the memory it holds beside the driver's fixed part.
struct WholeSeriesBatch {
  size_t begin = 0;
  size_t end = 0;
  uint64_t series_bytes = 0;  // its trials' whole series: floor(nsamples / ds) floats each
  uint64_t output_bytes = 0;  // the driver's output, gulp / ds floats per trial it dedisperses
                              // (the batch widened to whole subband groups)
};

struct WholeSeriesBatchPlan {
  uint64_t gulp_nsamp = 0;
  uint64_t overlap = 0;      // the driver's look-ahead (0 when packed without a driver plan)
  uint64_t fixed_bytes = 0;  // the driver without its output, the RFI replay, the consumer
  uint64_t limit_bytes = 0;
  std::vector<WholeSeriesBatch> batches;  // in DM order, covering every trial once
  // The largest series + output of one batch: the memory held for them (one allocation, reused
  // by every batch). fixed_bytes + max_batch_bytes <= limit_bytes.
  uint64_t max_batch_bytes = 0;
  size_t nbatches() const { return batches.size(); }
  // What the plan streams, in stream lengths: each batch reads and cleans the input once and
  // the dedisperser transposes it (gulp + overlap) / gulp times: nbatches x (2 + overlap /
  // gulp). The measure plan_whole_series minimises (docs/pipeline.md, "Whole series").
  double stream_volume() const {
    return static_cast<double>(nbatches()) *
           (2.0 + static_cast<double>(overlap) / static_cast<double>(gulp_nsamp));
  }
};

// Packs `trials` (a plan's, in DM order, subband groups consecutive) into batches for a stream
// of `nsamples` and gulps of `gulp_nsamp`, given the driver's fixed bytes and the limit. A
// trial of downsample ds costs its series, floor(nsamples / ds) floats, and, in every batch
// that dedisperses it, its output row, gulp / ds floats. Batches end at group boundaries (a
// cut group is dedispersed by both batches); a group that does not fit in a batch of its own
// is cut into as few pieces as fit. Throws Environment (exit 4), naming the numbers, when one
// trial with its group's output does not fit beside the fixed bytes.
WholeSeriesBatchPlan pack_whole_series(const std::vector<DmTrial>& trials, uint64_t nsamples,
                                       uint64_t gulp_nsamp, uint64_t fixed_bytes,
                                       uint64_t limit_bytes);

// Candidate gulps for a largest gulp (a multiple of unit): multiples of the unit, about three
// per octave (k = 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, ...), and the largest itself.
std::vector<uint64_t> whole_series_gulps(uint64_t largest, uint64_t unit);

// The plan for `info`'s stream when the consumer holds `consumer_bytes`: for each candidate gulp
// up to the configured one (input.gulp_s, at most the stream), the driver's fixed bytes
// (StreamMemory without the output, plus the RFI replay when there is more than one batch) and
// the packing above; the least stream_volume() wins, then the larger gulp (docs/pipeline.md,
// "Whole series"). Nothing large is allocated. Throws Environment when no gulp fits.
WholeSeriesBatchPlan plan_whole_series(const ObservationInfo& info, const PipelineConfig& config,
                                       int threads, uint64_t consumer_bytes,
                                       const ComputeTarget& dedisp = {});

// One DM trial's whole series.
struct TrialSeries {
  size_t index = 0;  // in the DM plan's trials()
  DmTrial trial;
  // floor(nsamples / trial.downsample) samples, as the driver makes them. A view into memory
  // the driver reuses for the next batch: valid until the consumer returns (copy to keep).
  std::span<float> data;
};
using WholeSeriesConsumer = std::function<void(std::vector<TrialSeries>& batch)>;

// Dedisperses `reader`'s beam and calls `consume` once per batch, in DM order, with that
// batch's whole series. `consumer_bytes` is what the consumer itself holds (the search's
// workspaces), counted against the limit with the driver's. The driver's read, RFI and
// dedispersion times, summed over batches, are added to `times` when given; `mask`, when given,
// receives the RFI mask of the first pass (the later batches replay its cleaning, on the CPU).
// `dedisp` is where the first pass's RFI excision and every pass's dedispersion run. Returns
// the batch plan it used.
WholeSeriesBatchPlan dedisperse_whole_series(Reader& reader, const PipelineConfig& config,
                                             int threads, const WholeSeriesConsumer& consume,
                                             uint64_t consumer_bytes = 0,
                                             StageTimes* times = nullptr,
                                             RfiMask* mask = nullptr,
                                             const ComputeTarget& dedisp = {});

}  // namespace tianyan
