#include "pipeline/whole_series.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "kernels/common/error.hpp"
#include "kernels/common/host_pin.hpp"
#include "kernels/rfi/rfi.hpp"
#include "pipeline/clean_dedisperse.hpp"

namespace tianyan {
namespace {

double megabytes(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

// Costs of a trial range: prefix sums of series and output bytes, and the subband groups.
class TrialCosts {
 public:
  TrialCosts(const std::vector<DmTrial>& trials, uint64_t nsamples, uint64_t gulp)
      : n_(trials.size()),
        series_(n_ + 1, 0),
        output_(n_ + 1, 0),
        group_begin_(n_),
        group_end_(n_) {
    for (size_t t = 0; t < n_; ++t) {
      const auto ds = static_cast<uint64_t>(trials[t].downsample);
      series_[t + 1] = series_[t] + nsamples / ds * sizeof(float);
      output_[t + 1] = output_[t] + gulp / ds * sizeof(float);
      group_begin_[t] = t > 0 && trials[t - 1].group == trials[t].group ? group_begin_[t - 1] : t;
    }
    for (size_t t = n_; t-- > 0;) {
      group_end_[t] =
          t + 1 < n_ && trials[t + 1].group == trials[t].group ? group_end_[t + 1] : t + 1;
    }
  }
  size_t size() const { return n_; }
  size_t group_end(size_t t) const { return group_end_[t]; }
  uint64_t series(size_t b, size_t e) const { return series_[e] - series_[b]; }
  // The driver's output for [b, e): the range widened to whole groups.
  uint64_t output(size_t b, size_t e) const {
    return output_[group_end_[e - 1]] - output_[group_begin_[b]];
  }
  uint64_t cost(size_t b, size_t e) const { return series(b, e) + output(b, e); }

 private:
  size_t n_;
  std::vector<uint64_t> series_, output_;
  std::vector<size_t> group_begin_, group_end_;
};

// The end of the batch that starts at trial b: the last group boundary that fits, else (the
// rest of b's group does not fit) as many of the group's trials as fit; b when none does.
size_t batch_end(const TrialCosts& c, size_t b, uint64_t available) {
  size_t end = b;
  for (size_t ge = c.group_end(b); c.cost(b, ge) <= available; ge = c.group_end(ge)) {
    end = ge;
    if (ge == c.size()) break;
  }
  if (end > b) return end;
  while (end < c.group_end(b) && c.cost(b, end + 1) <= available) ++end;
  return end;
}

}  // namespace

WholeSeriesBatchPlan pack_whole_series(const std::vector<DmTrial>& trials, uint64_t nsamples,
                                       uint64_t gulp_nsamp, uint64_t fixed_bytes,
                                       uint64_t limit_bytes) {
  if (trials.empty()) throw bad_input("DM plan", "no trials: nothing to dedisperse");
  const TrialCosts costs(trials, nsamples, gulp_nsamp);
  const uint64_t available = limit_bytes > fixed_bytes ? limit_bytes - fixed_bytes : 0;
  WholeSeriesBatchPlan p;
  p.gulp_nsamp = gulp_nsamp;
  p.fixed_bytes = fixed_bytes;
  p.limit_bytes = limit_bytes;
  for (size_t b = 0; b < trials.size();) {
    const size_t e = batch_end(costs, b, available);
    if (e == b) {
      throw environment_error(
          "one whole dedispersed series (DM trial {}: {} bytes) and the streaming driver's "
          "output for its subband group ({} bytes) need {} bytes, but only {} of the {} bytes "
          "of resources.memory_gb are left after the driver's other {} bytes",
          b, costs.series(b, b + 1), costs.output(b, b + 1), costs.cost(b, b + 1), available,
          limit_bytes, fixed_bytes);
    }
    p.batches.push_back({b, e, costs.series(b, e), costs.output(b, e)});
    p.max_batch_bytes = std::max(p.max_batch_bytes, costs.cost(b, e));
    b = e;
  }
  return p;
}

std::vector<uint64_t> whole_series_gulps(uint64_t largest, uint64_t unit) {
  std::vector<uint64_t> gulps;
  const uint64_t kmax = std::max<uint64_t>(1, largest / unit);
  for (uint64_t k = 1; k < kmax; k = std::max(k + 1, k * 5 / 4)) gulps.push_back(k * unit);
  gulps.push_back(kmax * unit);
  return gulps;
}

WholeSeriesBatchPlan plan_whole_series(const ObservationInfo& info, const PipelineConfig& config,
                                       int threads, uint64_t consumer_bytes,
                                       const ComputeTarget& dedisp) {
  const auto limit = static_cast<uint64_t>(config.resources.memory_gb * 1e9);
  const uint64_t replay = rfi_replay_bytes(info.nchan(), info.nsamples, config.rfi.block_nsamp);
  StreamOptions options;
  options.threads = threads;
  options.dedisp = dedisp;
  options.rfi = dedisp;  // RFI excision on the same device keeps the cleaned gulp there
  const StreamPlan largest = plan_stream(info, config, options, false);
  const std::vector<DmTrial> trials = largest.plan.trials();
  const std::vector<uint64_t> gulps = whole_series_gulps(largest.gulp, largest.unit);
  std::optional<WholeSeriesBatchPlan> best;
  std::optional<Error> last_error;
  for (auto g = gulps.rbegin(); g != gulps.rend(); ++g) {  // the largest first: ties keep it
    options.gulp_nsamp = *g;
    const StreamPlan sp = *g == largest.gulp ? largest : plan_stream(info, config, options, false);
    const uint64_t fixed = sp.memory.total() - sp.memory.dedisp_output + consumer_bytes;
    try {
      // One batch needs no RFI replay; more batches hold it (the first pass records it).
      WholeSeriesBatchPlan p = pack_whole_series(trials, info.nsamples, sp.gulp, fixed, limit);
      if (p.nbatches() > 1) {
        p = pack_whole_series(trials, info.nsamples, sp.gulp, fixed + replay, limit);
      }
      p.overlap = sp.overlap;
      spdlog::debug("whole series: gulp {} samples: driver {:.1f} MB, {} batches, volume {:.2f}",
                    sp.gulp, megabytes(fixed), p.nbatches(), p.stream_volume());
      if (!best || p.stream_volume() < best->stream_volume()) best = std::move(p);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::Environment) throw;
      last_error = e;  // the smallest gulp's, the most room, is reported
    }
  }
  if (!best) throw *last_error;
  return *best;
}

WholeSeriesBatchPlan dedisperse_whole_series(Reader& reader, const PipelineConfig& config,
                                             int threads, const WholeSeriesConsumer& consume,
                                             uint64_t consumer_bytes, StageTimes* times_out,
                                             RfiMask* mask, const ComputeTarget& dedisp) {
  const ObservationInfo& info = reader.info();
  const WholeSeriesBatchPlan p = plan_whole_series(info, config, threads, consumer_bytes, dedisp);
  const std::vector<DmTrial> all =
      make_dm_plan(BandGeometry::from_freqs(info.freqs_mhz, info.tsamp_s), config.dedisp.plan)
          .trials();
  uint64_t series_total = 0;
  for (const WholeSeriesBatch& b : p.batches) series_total += b.series_bytes;
  spdlog::info(
      "whole series: {:.1f} MB of series for {} trials in {} batches (one pass over the "
      "input each) of up to {:.1f} MB with their gulp output; gulps of {} samples; "
      "driver and consumer {:.1f} MB; limit {:.1f} MB",
      megabytes(series_total), all.size(), p.nbatches(), megabytes(p.max_batch_bytes), p.gulp_nsamp,
      megabytes(p.fixed_bytes), megabytes(p.limit_bytes));

  // Memory reused by every batch: its series and the driver's output (arena), the driver's
  // buffers, and the RFI cleaning the first pass records for the others to replay.
  FloatBuffer arena;
  float* const held = arena.ensure(p.max_batch_bytes / sizeof(float));
  // Pinned when the stream runs on a GPU: the dedispersed rows come down into it and a CUDA
  // search uploads the series from it, both at full PCIe speed.
  const HostPin pin = dedisp.backend == Backend::Cuda
                          ? HostPin(held, p.max_batch_bytes, "the whole-series arena")
                          : HostPin();
  StreamBuffers buffers;
  RfiReplay replay;
  StreamOptions options;
  options.threads = threads;
  options.dedisp = dedisp;
  options.rfi = dedisp;  // RFI excision on the same device keeps the cleaned gulp there
  options.gulp_nsamp = p.gulp_nsamp;
  options.buffers = &buffers;
  for (size_t k = 0; k < p.nbatches(); ++k) {
    const WholeSeriesBatch& wb = p.batches[k];
    options.trial_begin = wb.begin;
    options.trial_end = wb.end;
    options.record_rfi_replay = k == 0 && p.nbatches() > 1;
    options.rfi_replay = k > 0 ? &replay : nullptr;
    CleanDedisperse pipe(reader, config, options);
    if (pipe.gulp_nsamp() != p.gulp_nsamp ||
        pipe.output_size() * sizeof(float) != wb.output_bytes) {
      // Cannot happen (the plan sized this very driver); checked so the limit holds.
      throw internal_error("batch {}: driver of gulp {} and {} output bytes, planned {} and {}", k,
                           pipe.gulp_nsamp(), pipe.output_size() * sizeof(float), p.gulp_nsamp,
                           wb.output_bytes);
    }
    std::vector<TrialSeries> batch(wb.end - wb.begin);
    std::vector<size_t> filled(batch.size(), 0);
    float* at = held;
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].index = wb.begin + i;
      batch[i].trial = all[wb.begin + i];
      const uint64_t n = info.nsamples / static_cast<uint64_t>(batch[i].trial.downsample);
      batch[i].data = std::span<float>(at, n);
      at += n;
    }
    // The driver may dedisperse a few extra trials (whole subband groups); keep only ours.
    const size_t offset = wb.begin - pipe.first_trial();
    StageTimes times;
    RfiMask batch_mask = pipe.run(
        [&](const DedispGulp& g) {
    // Each trial's copy by one thread (the first touch of the series' pages is here).
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
          for (ptrdiff_t i = 0; i < static_cast<ptrdiff_t>(batch.size()); ++i) {
            const auto t = static_cast<size_t>(i);
            const float* row = g.row(offset + t);
            std::copy(row, row + g.count(offset + t), batch[t].data.data() + filled[t]);
            filled[t] += g.count(offset + t);
          }
        },
        times, at);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (filled[i] != batch[i].data.size()) {  // the span's tail would be unwritten memory
        throw internal_error("batch {}: trial {} got {} of its {} samples", k, batch[i].index,
                             filled[i], batch[i].data.size());
      }
    }
    if (options.record_rfi_replay) replay = pipe.take_rfi_replay();
    if (k == 0 && mask) *mask = std::move(batch_mask);
    spdlog::info(
        "whole series: batch {}/{} (trials {}..{}, {:.1f} MB) in {:.2f} s (read {:.2f}, "
        "rfi {:.2f}{}, dedisp {:.2f}, assembling series {:.2f})",
        k + 1, p.nbatches(), wb.begin, wb.end - 1, megabytes(wb.series_bytes), times.total_s,
        times.read_s, times.rfi_s, k > 0 ? " replayed" : "", times.dedisp_s, times.sink_s);
    if (times_out) *times_out += times;
    consume(batch);
  }
  return p;
}

}  // namespace tianyan
