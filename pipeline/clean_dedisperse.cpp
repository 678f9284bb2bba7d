#include "pipeline/clean_dedisperse.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "io/gulp.hpp"
#include "io/packed_samples.hpp"
#include "kernels/common/error.hpp"
#include "kernels/common/host_pin.hpp"
#include "pipeline/stage_clock.hpp"

namespace tianyan {
namespace {

uint64_t round_up(uint64_t n, uint64_t unit) { return (n + unit - 1) / unit * unit; }

size_t memory_limit_bytes(const PipelineConfig& config) {
  return static_cast<size_t>(config.resources.memory_gb * 1e9);
}

double megabytes(size_t bytes) { return static_cast<double>(bytes) / 1e6; }

std::string target_text(const ComputeTarget& t) {
  return t.backend == Backend::Cuda ? fmt::format("CUDA device {}", t.device) : std::string("the CPU");
}

std::string input_name(const ObservationInfo& info) {
  return info.files.empty() ? std::string("input") : info.files.front();
}

// The first gulp size to try: the requested samples (or gulp_s), a whole number of units, and
// no more than the stream needs (a short file must not allocate a 16 s buffer).
uint64_t initial_gulp(const ObservationInfo& info, const PipelineConfig& config,
                      const StreamOptions& options, uint64_t unit) {
  uint64_t want = options.gulp_nsamp;
  if (want == 0) want = static_cast<uint64_t>(std::ceil(config.input.gulp_s / info.tsamp_s));
  want = round_up(std::max<uint64_t>(want, 1), unit);
  return std::max(unit, std::min(want, round_up(info.nsamples, unit)));
}

// Halves a gulp in whole units, never below one unit.
uint64_t halve_gulp(uint64_t gulp, uint64_t unit) {
  return std::max(unit, gulp / 2 / unit * unit);
}

[[noreturn]] void throw_memory(size_t bytes, const PipelineConfig& config, uint64_t gulp) {
  throw environment_error(
      "the smallest gulp ({} samples) needs {:.3f} GB, more than resources.memory_gb = {}", gulp,
      static_cast<double>(bytes) / 1e9, config.resources.memory_gb);
}

// Trials [begin, end) of `all` widened to whole groups, groups renumbered from 0 (the setup's
// contract). Returns the index of the first kept trial.
size_t select_trials(std::vector<DmTrial>& all, size_t begin, size_t end) {
  if (end == 0) return 0;
  if (begin >= end || end > all.size()) {
    throw bad_input("dedispersion setup", "trial range [{}, {}) outside the plan's {} trials",
                    begin, end, all.size());
  }
  while (begin > 0 && all[begin - 1].group == all[begin].group) --begin;
  while (end < all.size() && all[end].group == all[end - 1].group) ++end;
  std::vector<DmTrial> kept(all.begin() + static_cast<ptrdiff_t>(begin),
                            all.begin() + static_cast<ptrdiff_t>(end));
  const int group0 = kept.front().group;
  for (DmTrial& t : kept) t.group -= group0;
  all = std::move(kept);
  return begin;
}

DedispAlgorithm algorithm_of(const std::string& name) {
  return name == "brute" ? DedispAlgorithm::BruteForce : DedispAlgorithm::Subband;
}

}  // namespace

RfiRunResult run_rfi_stage(Reader& reader, const PipelineConfig& config,
                           const StreamOptions& options, const CleanedSink& sink) {
  const ObservationInfo& info = reader.info();
  const size_t nchan = info.nchan();
  auto rfi = make_rfi_cleaner(options.rfi.backend, options.rfi.device, config.rfi, info,
                              options.threads, options.reuse_mask);
  const uint64_t unit = config.rfi.block_nsamp;
  uint64_t gulp = initial_gulp(info, config, options, unit);
  // Raw and cleaned buffers of gulp x nchan floats each, plus the stage's workspace.
  auto bytes_for = [&](uint64_t g) {
    const size_t packed = options.rfi.backend == Backend::Cuda ? g * nchan * 2 : 0;
    return 2 * g * nchan * sizeof(float) + packed + rfi->workspace_bytes();
  };
  while (bytes_for(gulp) > memory_limit_bytes(config) && gulp > unit) {
    gulp = halve_gulp(gulp, unit);
  }
  if (bytes_for(gulp) > memory_limit_bytes(config)) throw_memory(bytes_for(gulp), config, gulp);

  RfiRunResult result;
  result.gulp_nsamp = gulp;
  result.memory_bytes = bytes_for(gulp);
  spdlog::info("rfi: gulps of {} samples ({:.3f} s), {:.1f} MB held; on {}", gulp,
               static_cast<double>(gulp) * info.tsamp_s, megabytes(result.memory_bytes),
               target_text(options.rfi));
  GulpStream stream(reader, gulp, 0);
  const bool packed_ok = options.rfi.backend == Backend::Cuda;  // unpacked on the device
  PackedSamples packed;
  std::vector<float> clean(gulp * nchan);
  // The cleaned rows come back from the device into `clean` (the raw gulp's vector may
  // reallocate, so only `clean` is pinned).
  const HostPin pin = options.rfi.backend == Backend::Cuda
                          ? HostPin(clean.data(), clean.size() * sizeof(float), "the RFI output")
                          : HostPin();
  Gulp g;
  const auto t_start = StageClock::now();
  while (true) {
    auto t0 = StageClock::now();
    uint64_t start = 0, n = 0;
    const bool as_bytes = packed_ok && stream.next_packed(packed, start, n);
    if (as_bytes) {
      g.start = start;
      g.nfresh = n;
    } else if (!stream.next(g)) {
      break;
    }
    result.times.read_s += seconds_since(t0);
    t0 = StageClock::now();
    if (as_bytes) {
      rfi->process_packed(packed, clean.data(), start, n, n);
    } else {
      rfi->process(g.data.data(), clean.data(), g.start, g.nsamp, g.nfresh);
    }
    result.times.rfi_s += seconds_since(t0);
    t0 = StageClock::now();
    sink(CleanedGulp{g.start, g.nfresh, nchan, clean.data()});
    result.times.sink_s += seconds_since(t0);
    if (options.progress) {
      options.progress(static_cast<double>(g.start + g.nfresh) /
                       static_cast<double>(info.nsamples));
    }
  }
  result.times.total_s = seconds_since(t_start);
  result.mask = rfi->mask();
  return result;
}

uint64_t DedispGulp::count(size_t t) const {
  const auto ds = static_cast<uint64_t>((*trials)[t].downsample);
  return (start + nfresh) / ds - start / ds;
}

namespace {

std::unique_ptr<RfiCleaner> make_rfi(const PipelineConfig& config, const ObservationInfo& info,
                                     const StreamOptions& options) {
  if (options.rfi_replay != nullptr) {
    return make_rfi_replayer_cpu(config.rfi, info, options.threads, *options.rfi_replay);
  }
  return make_rfi_cleaner(options.rfi.backend, options.rfi.device, config.rfi, info,
                          options.threads, options.reuse_mask, options.record_rfi_replay);
}

// The RFI stage's host memory, found without building it (a CUDA cleaner would allocate
// device memory).
size_t rfi_bytes(const PipelineConfig& config, const ObservationInfo& info,
                 const StreamOptions& options) {
  if (options.rfi_replay != nullptr) return make_rfi(config, info, options)->workspace_bytes();
  return rfi_workspace_bytes(options.rfi.backend, config.rfi, info, options.threads);
}

// A raw block as 8-bit bytes (up to two polarisations), held beside the float block when a
// CUDA cleaner takes packed samples; the per-row scales are a few per cent of it.
size_t packed_block_bytes(const ObservationInfo& info, const PipelineConfig& config,
                          const StreamOptions& options) {
  if (options.rfi.backend != Backend::Cuda || options.rfi_replay != nullptr) return 0;
  return std::min<uint64_t>(config.rfi.block_nsamp, info.nsamples) * info.nchan() * 2;
}

// Whether the cleaned gulp can stay on the device: RFI excision and dedispersion on one
// CUDA device (a replay runs on the CPU).
bool device_resident(const StreamOptions& options) {
  return options.rfi_replay == nullptr && options.rfi.backend == Backend::Cuda &&
         options.dedisp.backend == Backend::Cuda && options.rfi.device == options.dedisp.device;
}

// plan_stream with the RFI stage's workspace known.
StreamPlan plan_stream_with(const ObservationInfo& info, const PipelineConfig& config,
                            const StreamOptions& options, size_t rfi_bytes, bool fit_memory) {
  if (info.nsamples == 0) throw bad_input(input_name(info), "no samples: nothing to search");
  const size_t nchan = info.nchan();
  StreamPlan p;
  p.plan = make_dm_plan(BandGeometry::from_freqs(info.freqs_mhz, info.tsamp_s), config.dedisp.plan);
  p.trials = p.plan.trials();
  if (p.trials.empty()) throw bad_input(input_name(info), "the DM plan has no trials");
  p.first_trial = select_trials(p.trials, options.trial_begin, options.trial_end);

  const uint64_t block = config.rfi.block_nsamp;
  p.unit = std::lcm(block, static_cast<uint64_t>(p.plan.max_downsample()));
  p.gulp = initial_gulp(info, config, options, p.unit);
  // The dedisperser's workspace depends on the gulp: each candidate is sized (not built).
  while (true) {
    DedispSetup setup = make_dedisp_setup(p.plan, info.freqs_mhz, p.gulp, options.threads,
                                          algorithm_of(config.dedisp.algorithm));
    setup.trials = p.trials;  // the selected range (all trials unless one was asked for)
    const DedispFootprint f = dedisp_footprint(options.dedisp.backend, setup);
    p.overlap = round_up(f.overlap, block);
    const uint64_t host_rows =
        std::min(block, info.nsamples) + (device_resident(options) ? 0 : p.gulp + p.overlap);
    p.memory.buffers = host_rows * nchan * sizeof(float) + packed_block_bytes(info, config, options);
    p.memory.dedisp_workspace = f.workspace_bytes;
    p.memory.dedisp_output = f.output_size * sizeof(float);
    p.memory.rfi = rfi_bytes;
    if (!fit_memory || p.memory.total() <= memory_limit_bytes(config) || p.gulp == p.unit) break;
    p.gulp = halve_gulp(p.gulp, p.unit);
  }
  if (fit_memory && p.memory.total() > memory_limit_bytes(config)) {
    throw_memory(p.memory.total(), config, p.gulp);
  }
  return p;
}

}  // namespace

StreamPlan plan_stream(const ObservationInfo& info, const PipelineConfig& config,
                       const StreamOptions& options, bool fit_memory) {
  if (info.nsamples == 0) throw bad_input(input_name(info), "no samples: nothing to search");
  return plan_stream_with(info, config, options, rfi_bytes(config, info, options), fit_memory);
}

CleanDedisperse::CleanDedisperse(Reader& reader, const PipelineConfig& config,
                                 const StreamOptions& options)
    : reader_(reader), config_(config), options_(options) {
  const ObservationInfo& info = reader.info();
  if (info.nsamples == 0) throw bad_input(input_name(info), "no samples: nothing to search");
  rfi_ = make_rfi(config, info, options);
  StreamPlan p = plan_stream_with(info, config, options, rfi_->workspace_bytes(), true);
  plan_ = std::move(p.plan);
  trials_ = std::move(p.trials);
  first_trial_ = p.first_trial;
  gulp_ = p.gulp;
  overlap_ = p.overlap;
  memory_ = p.memory;
  DedispSetup setup = make_dedisp_setup(plan_, info.freqs_mhz, gulp_, options.threads,
                                        algorithm_of(config.dedisp.algorithm));
  setup.trials = trials_;
  setup.device = options.dedisp.device;
  resident_ = device_resident(options);
  if (resident_) setup.input_rows = gulp_ + overlap_;
  dedisperser_ = make_dedisperser(options.dedisp.backend, setup);
  if (resident_ && (dedisperser_->device_input() == nullptr ||
                    dedisperser_->device_input_rows() < gulp_ + overlap_)) {
    throw internal_error("stream: the CUDA dedisperser has no device input of {} rows",
                         gulp_ + overlap_);
  }
  spdlog::info(
      "gulps of {} samples ({:.3f} s) + {} overlap; {:.1f} MB held (buffers {:.1f}, "
      "dedisp workspace {:.1f}, output {:.1f}, rfi {:.1f}); RFI excision on {}, dedispersion "
      "on {}{}",
      gulp_, static_cast<double>(gulp_) * info.tsamp_s, overlap_, megabytes(memory_.total()),
      megabytes(memory_.buffers), megabytes(memory_.dedisp_workspace),
      megabytes(memory_.dedisp_output), megabytes(memory_.rfi),
      options.rfi_replay != nullptr ? std::string("the CPU (replay)") : target_text(options.rfi),
      target_text(options.dedisp), resident_ ? " (cleaned gulps stay on the device)" : "");
}

CleanDedisperse::~CleanDedisperse() = default;

uint64_t CleanDedisperse::trial_nsamp(size_t t) const {
  return reader_.info().nsamples / static_cast<uint64_t>(trials_[t].downsample);
}

RfiMask CleanDedisperse::run(const DedispSink& sink, StageTimes& times, float* out) {
  const ObservationInfo& info = reader_.info();
  const uint64_t total = info.nsamples;
  const size_t row = info.nchan();  // floats per sample
  const auto max_ds = static_cast<uint64_t>(plan_.max_downsample());
  StreamBuffers& buf = options_.buffers != nullptr ? *options_.buffers : own_buffers_;
  float* clean = resident_ ? dedisperser_->device_input() : buf.clean.ensure((gulp_ + overlap_) * row);
  if (out == nullptr) out = buf.out.ensure(dedisperser_->output_size());
  // Pinned for the run: the dedisperser's downloads then overlap its kernels, and host
  // gulps cross PCIe at full speed.
  HostPin out_pin, clean_pin;
  if (options_.dedisp.backend == Backend::Cuda) {
    out_pin = HostPin(out, dedisperser_->output_size() * sizeof(float), "the dedispersed gulp");
  }
  if (!resident_ && (options_.dedisp.backend == Backend::Cuda ||
                     (options_.rfi.backend == Backend::Cuda && options_.rfi_replay == nullptr))) {
    clean_pin = HostPin(clean, (gulp_ + overlap_) * row * sizeof(float), "the cleaned gulp");
  }
  // Raw data one RFI block at a time, each block read and cleaned once, in order. A CUDA
  // cleaner takes 8-bit blocks as the file's bytes where the reader has them (a quarter of the
  // PCIe traffic of floats) and unpacks them on the device.
  GulpStream raw(reader_, config_.rfi.block_nsamp, 0);
  const bool packed_ok = options_.rfi.backend == Backend::Cuda && options_.rfi_replay == nullptr;
  PackedSamples packed;
  uint64_t cleaned = 0;  // stream samples cleaned so far; clean[0] holds sample `start`
  const auto t_start = StageClock::now();
  for (uint64_t start = 0; start < total; start += gulp_) {
    const uint64_t nfresh = std::min(gulp_, total - start);
    if (start > 0) {
      // The previous gulp's look-ahead (cleaned samples [start, cleaned)) becomes this head
      // (counted as RFI time: it replaces cleaning the look-ahead again).
      const auto t0 = StageClock::now();
      if (resident_) {
        dedisperser_->move_device_rows(0, gulp_, cleaned - start);
      } else {
        std::memmove(clean, clean + gulp_ * row, (cleaned - start) * row * sizeof(float));
      }
      times.rfi_s += seconds_since(t0);
    }
    const uint64_t want = std::min(total, start + nfresh + overlap_);
    while (cleaned < want) {
      auto t0 = StageClock::now();
      uint64_t at = 0, n = 0;
      const bool as_bytes = packed_ok && raw.next_packed(packed, at, n);
      if (!as_bytes) {
        if (!raw.next(buf.raw)) throw internal_error("stream: no raw block at {}", cleaned);
        at = buf.raw.start;
        n = buf.raw.nsamp;
      }
      if (at != cleaned) throw internal_error("stream: raw block at {} instead of {}", at, cleaned);
      times.read_s += seconds_since(t0);
      t0 = StageClock::now();
      float* dst = clean + (cleaned - start) * row;
      if (as_bytes) {
        rfi_->process_packed(packed, dst, cleaned, n, n);
      } else {
        rfi_->process(buf.raw.data.data(), dst, cleaned, n, n);
      }
      cleaned += n;
      times.rfi_s += seconds_since(t0);
    }
    // The zero padding past the stream's end (see the header): only the last gulps have one.
    const uint64_t nfresh_up = round_up(nfresh, max_ds);
    const uint64_t nsamp_in = nfresh_up + overlap_;
    if (want - start < nsamp_in) {
      if (resident_) {
        dedisperser_->zero_device_rows(want - start, nsamp_in - (want - start));
      } else {
        std::fill(clean + (want - start) * row, clean + nsamp_in * row, 0.0f);
      }
    }

    auto t0 = StageClock::now();
    dedisperser_->execute(clean, nsamp_in, nfresh_up, out);
    times.dedisp_s += seconds_since(t0);

    t0 = StageClock::now();
    sink(DedispGulp{start, nfresh, &trials_, dedisperser_.get(), out});
    times.sink_s += seconds_since(t0);
    if (options_.progress) {
      options_.progress(static_cast<double>(start + nfresh) / static_cast<double>(total));
    }
  }
  times.total_s += seconds_since(t_start);
  return rfi_->mask();
}

}  // namespace tianyan
