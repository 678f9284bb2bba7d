#pragma once
// Streams one beam through the first search stages: reader -> GulpStream -> RFI excision ->
// incoherent dedispersion -> a sink that receives each gulp's per-trial output
// (ARCHITECTURE.md: gulps with the look-ahead the largest dispersion delay needs; threads
// passed in). Also the RFI stage alone, for `tianyan rfi`.
//
// Gulps. The fresh size is a multiple of lcm(rfi.block_nsamp, largest downsample), so every
// gulp cuts both the RFI blocks and the downsampled series where a single pass would. The
// look-ahead is the dedisperser's overlap rounded UP to a multiple of the RFI block (the RFI
// contract wants whole blocks). Raw data are read and cleaned one RFI block at a time, each
// sample once: the cleaned look-ahead of a gulp is moved to the head of the next (the RFI
// output of a sample does not depend on where gulps fall, docs/rfi.md), so neither the raw
// look-ahead nor a second cleaning of it is needed.
//
// End of the stream (a decision; docs/pipeline.md):
//  * The look-ahead of the gulps near the end is shorter than the overlap: the cleaned buffer
//    is padded with zeros. Cleaned data are normalised to zero mean, so the padding is neutral,
//    but the last `overlap` input samples' outputs sum fewer real samples (those channels whose
//    delay reaches past the end contribute nothing). Every trial therefore has
//    floor(nsamples / ds) samples, as in PRESTO's prepsubband with padding.
//  * The last gulp's fresh samples need not be a multiple of the downsample: the dedisperser
//    runs on the fresh count rounded up (zero-padded) and the output is truncated to whole
//    downsampled samples, so a partial last downsampled sample is dropped.
// With these rules a trial's series does not depend on the gulp size or the thread count.
//
// Memory (StreamMemory): one raw RFI block, the cleaned gulp with its look-ahead
// ((gulp + overlap) x nchan floats; on the device instead when RFI excision and dedispersion
// share a CUDA device), the dedisperser's workspace and output, and the RFI workspace (host
// memory: device memory is checked against the device's free memory when the stages are
// built). Buffers CUDA stages copy to or from are pinned while the driver runs. The gulp comes from input.gulp_s and is halved (in whole units) until the total
// fits resources.memory_gb (10^9 bytes per GB). Large buffers are not zeroed: each element is
// written before it is read.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/gulp.hpp"
#include "io/reader.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/float_buffer.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "kernels/rfi/rfi.hpp"

namespace tianyan {

// The buffers a driver streams through (FloatBuffer: not zeroed, huge pages). A caller that
// runs several drivers one after another (the whole-series batches) passes the same object to
// each (StreamOptions::buffers), so that the memory is allocated, and its pages faulted in,
// once.
struct StreamBuffers {
  Gulp raw;           // one RFI block of raw data
  FloatBuffer clean;  // the cleaned gulp and its look-ahead
  FloatBuffer out;    // the dedisperser's output
};

struct StreamOptions {
  int threads = 1;
  ComputeTarget dedisp;  // where dedispersion runs
  // Where RFI excision runs (a replay always runs on the CPU). With both on one CUDA device
  // the cleaned gulp stays there: the RFI stage cleans into the dedisperser's device input
  // and the look-ahead moves on the device, so raw samples cross PCIe once and only the
  // dedispersed rows come back.
  ComputeTarget rfi;
  uint64_t gulp_nsamp = 0;              // 0: from config.input.gulp_s; else rounded up to a unit
  const RfiMask* reuse_mask = nullptr;  // a saved mask to apply instead of detecting
  // Record this pass's RFI cleaning (CleanDedisperse::take_rfi_replay), or replay a recorded
  // one instead of cleaning (same stream and configuration; it must outlive the driver). A
  // replay gives the recorded pass's cleaned data bit for bit without the RFI statistics.
  bool record_rfi_replay = false;
  const RfiReplay* rfi_replay = nullptr;
  // Plan trials [trial_begin, trial_end) only (trial_end 0: all). The driver widens the range
  // to whole subband groups, because a group's coarse DM is its middle trial's and a cut group
  // would change its series; trials()/first_trial() tell what it dedisperses.
  size_t trial_begin = 0;
  size_t trial_end = 0;
  StreamBuffers* buffers = nullptr;  // null: the driver's own
  std::function<void(double fraction_done)> progress;
};

// What a driver holds, bytes.
struct StreamMemory {
  // One raw RFI block (and its 8-bit bytes for a CUDA cleaner) + the cleaned gulp with its
  // look-ahead (none when it stays on the device).
  size_t buffers = 0;
  size_t dedisp_workspace = 0;
  size_t dedisp_output = 0;
  size_t rfi = 0;  // the RFI stage's workspace
  size_t total() const { return buffers + dedisp_workspace + dedisp_output + rfi; }
};

// A driver's plan, made without building it (no dedisperser is built, nothing large is
// allocated): the DM trials it dedisperses, the gulp, the look-ahead and the memory.
struct StreamPlan {
  DmPlan plan;
  std::vector<DmTrial> trials;  // the selected range, widened to whole groups, groups from 0
  size_t first_trial = 0;       // index in plan.trials() of trials[0]
  uint64_t unit = 0;            // gulps are multiples of it: lcm(rfi block, largest downsample)
  uint64_t gulp = 0;
  uint64_t overlap = 0;
  StreamMemory memory;
};

// Plans the driver CleanDedisperse(reader, config, options) builds, with the same rules and
// errors: the gulp from options (or input.gulp_s), halved in whole units until the memory fits
// resources.memory_gb. Throws BadInput (empty stream, no trials) or Environment (the smallest
// gulp does not fit). With fit_memory = false, the gulp is kept whatever memory it needs.
StreamPlan plan_stream(const ObservationInfo& info, const PipelineConfig& config,
                       const StreamOptions& options, bool fit_memory = true);

struct StageTimes {
  double read_s = 0;
  double rfi_s = 0;
  double dedisp_s = 0;
  double sink_s = 0;  // the caller's sink (writing outputs)
  double total_s = 0;

  StageTimes& operator+=(const StageTimes& o) {
    read_s += o.read_s;
    rfi_s += o.rfi_s;
    dedisp_s += o.dedisp_s;
    sink_s += o.sink_s;
    total_s += o.total_s;
    return *this;
  }
};

// One gulp of cleaned data, the fresh samples only.
struct CleanedGulp {
  uint64_t start = 0;  // stream sample of the first row
  uint64_t nsamp = 0;
  size_t nchan = 0;
  const float* data = nullptr;  // nsamp x nchan, time-major
};
using CleanedSink = std::function<void(const CleanedGulp&)>;

struct RfiRunResult {
  RfiMask mask;
  StageTimes times;
  uint64_t gulp_nsamp = 0;
  size_t memory_bytes = 0;
};

// Runs the RFI stage alone over the whole stream (no look-ahead needed). Throws Environment
// when even one block does not fit resources.memory_gb.
RfiRunResult run_rfi_stage(Reader& reader, const PipelineConfig& config,
                           const StreamOptions& options, const CleanedSink& sink);

// One gulp of dedispersed output.
struct DedispGulp {
  uint64_t start = 0;   // input sample of the first fresh sample (a multiple of every ds)
  uint64_t nfresh = 0;  // fresh input samples (the last gulp's may be fewer than the gulp size)
  const std::vector<DmTrial>* trials = nullptr;
  const Dedisperser* dedisperser = nullptr;
  const float* out = nullptr;  // the dedisperser's output (sums over channels and ds)

  // Whole downsampled samples of trial t this gulp contributes (the truncation above).
  uint64_t count(size_t t) const;
  const float* row(size_t t) const { return out + dedisperser->output_offset(t); }
};
using DedispSink = std::function<void(const DedispGulp&)>;

class CleanDedisperse {
 public:
  // Plans the DM trials, the gulp size and the buffers for `reader`'s stream (plan_stream) and
  // builds the stages. Throws BadInput for an empty stream (nothing to search) or a
  // configuration the input cannot take, Environment when the smallest gulp does not fit
  // resources.memory_gb.
  CleanDedisperse(Reader& reader, const PipelineConfig& config, const StreamOptions& options);
  ~CleanDedisperse();

  const DmPlan& plan() const { return plan_; }
  const std::vector<DmTrial>& trials() const { return trials_; }
  // Index in plan().trials() of trials()[0] (non-zero when a trial range was asked for).
  size_t first_trial() const { return first_trial_; }
  uint64_t gulp_nsamp() const { return gulp_; }
  uint64_t overlap() const { return overlap_; }
  const StreamMemory& memory() const { return memory_; }
  size_t memory_bytes() const { return memory_.total(); }
  // Samples trial t has over the whole stream: floor(nsamples / ds).
  uint64_t trial_nsamp(size_t t) const;
  // The dedisperser's output size (floats): what run()'s `out` must hold.
  uint64_t output_size() const { return dedisperser_->output_size(); }

  // Streams the whole beam once, calling `sink` for every gulp in order; returns the RFI mask.
  // `out` (output_size() floats), when given, receives the dedisperser's output instead of the
  // driver's own buffer.
  RfiMask run(const DedispSink& sink, StageTimes& times, float* out = nullptr);
  // The RFI replay run() recorded (options.record_rfi_replay), moved out.
  RfiReplay take_rfi_replay() { return rfi_->take_replay(); }

 private:
  Reader& reader_;
  PipelineConfig config_;
  StreamOptions options_;
  DmPlan plan_;
  std::vector<DmTrial> trials_;
  size_t first_trial_ = 0;
  uint64_t gulp_ = 0;
  uint64_t overlap_ = 0;
  StreamMemory memory_;
  std::unique_ptr<Dedisperser> dedisperser_;
  std::unique_ptr<RfiCleaner> rfi_;
  bool resident_ = false;  // the cleaned gulp lives in the dedisperser's device input
  StreamBuffers own_buffers_;
};

}  // namespace tianyan
