#pragma once
// Streams one beam through the first search stages: reader -> GulpStream -> RFI excision ->
// incoherent dedispersion -> a sink that receives each gulp's per-trial output
// (ARCHITECTURE.md: gulps with the look-ahead the largest dispersion delay needs; threads
// passed in). Also the RFI stage alone, for `tianyan rfi`.
//
// Gulps. The fresh size is a multiple of lcm(rfi.block_nsamp, largest downsample), so every
// gulp cuts both the RFI blocks and the downsampled series where a single pass would. The
// look-ahead is the dedisperser's overlap rounded UP to a multiple of the RFI block (the RFI
// contract wants whole blocks). The raw gulp stays raw (GulpStream reuses its tail); the RFI
// stage writes into a separate cleaned buffer.
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
// Memory: raw and cleaned gulp buffers ((gulp + overlap) x nchan floats each), the dedisperser's
// workspace and output, and the RFI workspace. The gulp comes from input.gulp_s and is halved
// (in whole units) until the total fits resources.memory_gb (10^9 bytes per GB).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "kernels/rfi/rfi.hpp"

namespace tianyan {

struct StreamOptions {
  int threads = 1;
  uint64_t gulp_nsamp = 0;              // 0: from config.input.gulp_s; else rounded up to a unit
  const RfiMask* reuse_mask = nullptr;  // a saved mask to apply instead of detecting
  // Plan trials [trial_begin, trial_end) only (trial_end 0: all). The driver widens the range
  // to whole subband groups, because a group's coarse DM is its middle trial's and a cut group
  // would change its series; trials()/first_trial() tell what it dedisperses.
  size_t trial_begin = 0;
  size_t trial_end = 0;
  std::function<void(double fraction_done)> progress;
};

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
  // Plans the DM trials, the gulp size and the buffers for `reader`'s stream. Throws BadInput
  // for an empty stream (nothing to search) or a configuration the input cannot take,
  // Environment when the smallest gulp does not fit resources.memory_gb.
  CleanDedisperse(Reader& reader, const PipelineConfig& config, const StreamOptions& options);
  ~CleanDedisperse();

  const DmPlan& plan() const { return plan_; }
  const std::vector<DmTrial>& trials() const { return trials_; }
  // Index in plan().trials() of trials()[0] (non-zero when a trial range was asked for).
  size_t first_trial() const { return first_trial_; }
  uint64_t gulp_nsamp() const { return gulp_; }
  uint64_t overlap() const { return overlap_; }
  size_t memory_bytes() const { return bytes_; }
  // Samples trial t has over the whole stream: floor(nsamples / ds).
  uint64_t trial_nsamp(size_t t) const;

  // Streams the whole beam once, calling `sink` for every gulp in order; returns the RFI mask.
  RfiMask run(const DedispSink& sink, StageTimes& times);

 private:
  Reader& reader_;
  PipelineConfig config_;
  StreamOptions options_;
  DmPlan plan_;
  std::vector<DmTrial> trials_;
  size_t first_trial_ = 0;
  uint64_t gulp_ = 0;
  uint64_t overlap_ = 0;
  size_t bytes_ = 0;
  std::unique_ptr<Dedisperser> dedisperser_;
  std::unique_ptr<RfiCleaner> rfi_;
};

}  // namespace tianyan
