#include "pipeline/whole_series.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kernels/common/error.hpp"
#include "pipeline/clean_dedisperse.hpp"

namespace tianyan {

WholeSeriesBatchPlan plan_whole_series(const std::vector<DmTrial>& trials, uint64_t nsamples,
                                       uint64_t driver_bytes, uint64_t limit_bytes) {
  if (trials.empty()) throw bad_input("DM plan", "no trials: nothing to dedisperse");
  int min_ds = trials.front().downsample;
  for (const DmTrial& t : trials) min_ds = std::min(min_ds, t.downsample);
  WholeSeriesBatchPlan p;
  p.bytes_per_trial = nsamples / static_cast<uint64_t>(min_ds) * sizeof(float);
  const uint64_t available = limit_bytes > driver_bytes ? limit_bytes - driver_bytes : 0;
  if (p.bytes_per_trial > available) {
    throw environment_error(
        "one whole dedispersed series needs {} bytes but only {} of the {} bytes of "
        "resources.memory_gb are left after the streaming driver's {} bytes",
        p.bytes_per_trial, available, limit_bytes, driver_bytes);
  }
  // A stream shorter than the smallest downsample gives empty series: one batch holds all.
  p.trials_per_batch = p.bytes_per_trial == 0
                           ? trials.size()
                           : static_cast<size_t>(std::min<uint64_t>(
                                 trials.size(), available / p.bytes_per_trial));
  p.nbatches = (trials.size() + p.trials_per_batch - 1) / p.trials_per_batch;
  p.series_bytes_per_batch = p.trials_per_batch * p.bytes_per_trial;
  return p;
}

WholeSeriesBatchPlan dedisperse_whole_series(Reader& reader, const PipelineConfig& config,
                                             int threads, const WholeSeriesConsumer& consume,
                                             uint64_t consumer_bytes, StageTimes* times_out) {
  const uint64_t nsamples = reader.info().nsamples;
  const auto limit = static_cast<uint64_t>(config.resources.memory_gb * 1e9);
  StreamOptions options;
  options.threads = threads;
  std::vector<DmTrial> all;
  uint64_t driver_bytes = 0;
  {
    // The driver over all trials: its plan, gulp and held bytes bound every batch's driver
    // (a batch dedisperses a subset of the trials at the same gulp). Freed before the batches.
    const CleanDedisperse full(reader, config, options);
    all = full.plan().trials();
    driver_bytes = full.memory_bytes();
    options.gulp_nsamp = full.gulp_nsamp();
  }
  const WholeSeriesBatchPlan p =
      plan_whole_series(all, nsamples, driver_bytes + consumer_bytes, limit);
  spdlog::info("whole series: {:.1f} MB per trial, {} trials per batch ({:.1f} MB), {} batches "
               "(one pass over the input each) for {} trials; driver {:.1f} MB, limit {:.1f} MB",
               static_cast<double>(p.bytes_per_trial) / 1e6, p.trials_per_batch,
               static_cast<double>(p.series_bytes_per_batch) / 1e6, p.nbatches, all.size(),
               static_cast<double>(driver_bytes) / 1e6, static_cast<double>(limit) / 1e6);

  for (size_t b = 0; b < p.nbatches; ++b) {
    const size_t begin = b * p.trials_per_batch;
    const size_t end = std::min(all.size(), begin + p.trials_per_batch);
    options.trial_begin = begin;
    options.trial_end = end;
    CleanDedisperse pipe(reader, config, options);
    if (pipe.memory_bytes() > driver_bytes) {
      // Cannot happen (a subset of the trials at the same gulp); checked so the limit holds.
      throw environment_error("batch {} driver holds {} bytes, more than the {} planned", b,
                              pipe.memory_bytes(), driver_bytes);
    }
    std::vector<TrialSeries> batch(end - begin);
    // The driver may dedisperse a few extra trials (whole subband groups); keep only ours.
    const size_t offset = begin - pipe.first_trial();
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].index = begin + i;
      batch[i].trial = all[begin + i];
      batch[i].data.reserve(pipe.trial_nsamp(offset + i));
    }
    StageTimes times;
    pipe.run(
        [&](const DedispGulp& g) {
          for (size_t i = 0; i < batch.size(); ++i) {
            const float* row = g.row(offset + i);
            batch[i].data.insert(batch[i].data.end(), row, row + g.count(offset + i));
          }
        },
        times);
    spdlog::info("whole series: batch {}/{} (trials {}..{}) in {:.2f} s", b + 1, p.nbatches,
                 begin, end - 1, times.total_s);
    if (times_out) *times_out += times;
    consume(batch);
  }
  return p;
}

}  // namespace tianyan
