// The CPU RFI stage (the OpenMP backend of rfi_stage.hpp), the replayer, and the factories.
#include "kernels/rfi/rfi_cpu.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/common/error.hpp"
#include "kernels/rfi/rfi_cuda.hpp"
#include "kernels/rfi/rfi_simd_cpu.hpp"
#include "kernels/rfi/rfi_stage.hpp"

namespace tianyan {

using rfi_detail::RowParams;

void validate_rfi_config(const RfiConfig& c, size_t nchan) {
  auto positive = [](double v, const char* key) {
    if (!(v > 0)) throw bad_input("rfi config", "{} must be > 0, got {}", key, v);
  };
  if (c.block_nsamp < 64 || c.block_nsamp > (uint64_t{1} << 24)) {
    throw bad_input("rfi config", "block_nsamp must be in [64, 2^24], got {}", c.block_nsamp);
  }
  if (!(c.dead.rel_std >= 0 && c.dead.rel_std < 1)) {
    throw bad_input("rfi config", "dead.rel_std must be in [0, 1), got {}", c.dead.rel_std);
  }
  positive(c.stats.mean_threshold, "stats.mean_threshold");
  positive(c.stats.std_threshold, "stats.std_threshold");
  positive(c.stats.kurtosis_threshold, "stats.kurtosis_threshold");
  positive(c.stats.temporal_threshold, "stats.temporal_threshold");
  positive(c.iqrm.threshold, "iqrm.threshold");
  positive(c.clip.threshold, "clip.threshold");
  if (c.stats.trend_half_width < 1 || static_cast<size_t>(c.stats.trend_half_width) >= nchan) {
    throw bad_input("rfi config", "stats.trend_half_width must be in [1, {}), got {}", nchan,
                    c.stats.trend_half_width);
  }
  if (c.stats.history_blocks < 1 || c.stats.history_blocks > 64) {
    throw bad_input("rfi config", "stats.history_blocks must be in [1, 64], got {}",
                    c.stats.history_blocks);
  }
  if (c.iqrm.trend_half_width < 1 || static_cast<size_t>(c.iqrm.trend_half_width) >= nchan) {
    throw bad_input("rfi config", "iqrm.trend_half_width must be in [1, {}), got {}", nchan,
                    c.iqrm.trend_half_width);
  }
  if (!(c.iqrm.radius_fraction > 0 && c.iqrm.radius_fraction < 1)) {
    throw bad_input("rfi config", "iqrm.radius_fraction must be in (0, 1), got {}",
                    c.iqrm.radius_fraction);
  }
  for (const RfiFreqRange& r : c.static_mask.bad_ranges) {
    if (!(r.lo_mhz <= r.hi_mhz)) {
      throw bad_input("rfi config", "bad range [{}, {}] MHz is empty", r.lo_mhz, r.hi_mhz);
    }
  }
}

std::vector<uint8_t> rfi_static_channels(const RfiConfig& config, const ObservationInfo& info) {
  const size_t nchan = info.nchan();
  std::vector<uint8_t> mask(nchan, 0);
  if (!config.static_mask.enabled) return mask;
  for (size_t c = 0; c < nchan; ++c) {
    for (const RfiFreqRange& r : config.static_mask.bad_ranges) {
      if (info.freqs_mhz[c] >= r.lo_mhz && info.freqs_mhz[c] <= r.hi_mhz) mask[c] = 1;
    }
    if (config.static_mask.file_weights && c < info.flagged.size() && info.flagged[c]) {
      mask[c] = 1;
    }
  }
  return mask;
}

namespace {

using rfi_detail::StreamContract;

const RfiConfig& checked(const RfiConfig& config, const ObservationInfo& info, int threads) {
  return rfi_detail::checked_config(config, info, threads);
}

// The CPU backend of the stage: OpenMP over rows, chunks and channel tiles.
class RfiCleanerCpu final : public rfi_detail::RfiStage {
 public:
  RfiCleanerCpu(const RfiConfig& config, const ObservationInfo& info, int threads,
                const RfiMask* reuse, bool record_replay)
      : RfiStage(config, info, threads, reuse, record_replay) {
    stats_ws_.resize(nchan_, block_, threads);
  }
  size_t workspace_bytes() const override {
    return RfiStage::workspace_bytes() + stats_ws_.bytes();
  }

 private:
  void begin_gulp(const float* in, float* out, uint64_t) override {
    in_ = in;
    out_ = out;
  }
  void block_stats(uint64_t row0, uint64_t n) override {
    rfi_detail::compute_cell_stats(in_ + row0 * nchan_, n, nchan_, threads_, stats_ws_, stats_);
  }
  void clip_series(uint64_t row0, uint64_t n, float norm) override {
    rfi_detail::clip_series_cpu(in_ + row0 * nchan_, n, stats_, norm, threads_, clip_ws_);
  }
  void clean_block(uint64_t row0, uint64_t n) override {
    rfi_detail::clean_rows(config_, in_ + row0 * nchan_, out_ + row0 * nchan_, n, nchan_,
                           params_, clip_ws_.clipped.data(), threads_);
  }
  void end_gulp() override {}

  rfi_detail::StatsWorkspace stats_ws_;
  const float* in_ = nullptr;
  float* out_ = nullptr;
};

// Replays a recorded pass: the recorded cells, clipped samples and row parameters go straight
// into the row kernels, which are the recording pass's own (rfi_clean_cpu.cpp).
class RfiReplayerCpu final : public RfiCleaner {
 public:
  RfiReplayerCpu(const RfiConfig& config, const ObservationInfo& info, int threads,
                 const RfiReplay& replay)
      : config_(checked(config, info, threads)),
        nchan_(info.nchan()),
        block_(config.block_nsamp),
        threads_(threads),
        replay_(replay),
        contract_(config.block_nsamp, info.nsamples),
        clipped_(block_) {
    const RfiMask& m = replay.mask;
    const uint64_t cells = m.nblocks() * nchan_;
    if (m.nchan() != nchan_ || m.block_nsamp() != block_ || replay.centre.size() != cells ||
        replay.scale.size() != cells || replay.fill.size() != cells) {
      throw internal_error(
          "rfi replay: {} channels, blocks of {} samples, {} cells of parameters; the stream "
          "needs {} channels and blocks of {}",
          m.nchan(), m.block_nsamp(), replay.centre.size(), nchan_, block_);
    }
    for (auto* v : {&params_.centre, &params_.scale, &params_.fill}) v->resize(nchan_);
    params_.masked.resize(nchan_);
    params_.keep.resize(nchan_);
  }

  void process(const float* in, float* out, uint64_t start, uint64_t nsamp,
               uint64_t nfresh) override {
    contract_.check(start, nsamp, nfresh);
    const RfiMask& m = replay_.mask;
    for (uint64_t s0 = start; s0 < start + nsamp; s0 += block_) {
      const uint64_t n = std::min(block_, start + nsamp - s0);
      const uint64_t b = s0 / block_;
      if (b >= m.nblocks() || m.block_samples(b) != n) {
        throw internal_error("rfi replay: block {} ({} samples) was not recorded", b, n);
      }
      const uint8_t* cells = m.block_cells(b);
      const auto at = static_cast<ptrdiff_t>(b * nchan_);
      const auto len = static_cast<ptrdiff_t>(nchan_);
      std::copy(replay_.centre.begin() + at, replay_.centre.begin() + at + len,
                params_.centre.begin());
      std::copy(replay_.scale.begin() + at, replay_.scale.begin() + at + len,
                params_.scale.begin());
      std::copy(replay_.fill.begin() + at, replay_.fill.begin() + at + len, params_.fill.begin());
      for (size_t c = 0; c < nchan_; ++c) {  // as make_row_params sets them
        params_.masked[c] = cells[c] != 0;
        params_.keep[c] = cells[c] != 0 ? 0u : rfi_detail::kKeep;
      }
      std::fill(clipped_.begin(), clipped_.begin() + static_cast<ptrdiff_t>(n), uint8_t{0});
      for (uint32_t k : m.clipped(b)) clipped_[k] = 1;
      const size_t offset = (s0 - start) * nchan_;
      rfi_detail::clean_rows(config_, in + offset, out + offset, n, nchan_, params_,
                             clipped_.data(), threads_);
    }
    contract_.advance(start, nfresh);
  }
  const RfiMask& mask() const override { return replay_.mask; }
  size_t workspace_bytes() const override {
    return nchan_ * (3 * sizeof(float) + 1 + sizeof(uint32_t)) + clipped_.size();
  }
  RfiReplay take_replay() override {
    throw internal_error("rfi: take_replay() of a replaying stage");
  }

 private:
  RfiConfig config_;
  size_t nchan_;
  uint64_t block_;
  int threads_;
  const RfiReplay& replay_;
  StreamContract contract_;
  RowParams params_;
  std::vector<uint8_t> clipped_;  // block samples: 1 = clipped
};

}  // namespace

uint64_t rfi_replay_bytes(size_t nchan, uint64_t nsamples, uint64_t block_nsamp) {
  const uint64_t nblocks = block_nsamp == 0 ? 0 : (nsamples + block_nsamp - 1) / block_nsamp;
  return nblocks * nchan * (1 + 3 * sizeof(float));
}

std::unique_ptr<RfiCleaner> make_rfi_cleaner_cpu(const RfiConfig& config,
                                                 const ObservationInfo& info, int threads,
                                                 const RfiMask* reuse, bool record_replay) {
  return std::make_unique<RfiCleanerCpu>(config, info, threads, reuse, record_replay);
}

std::unique_ptr<RfiCleaner> make_rfi_cleaner(Backend backend, int device, const RfiConfig& config,
                                             const ObservationInfo& info, int threads,
                                             const RfiMask* reuse, bool record_replay) {
  if (backend == Backend::Cuda) {
    return rfi_detail::make_rfi_cleaner_cuda(device, config, info, threads, reuse,
                                             record_replay);
  }
  return make_rfi_cleaner_cpu(config, info, threads, reuse, record_replay);
}

size_t rfi_workspace_bytes(Backend backend, const RfiConfig& config,
                           const ObservationInfo& info, int threads) {
  if (backend == Backend::Cuda) return rfi_detail::rfi_cuda_host_bytes(config, info, threads);
  return make_rfi_cleaner_cpu(config, info, threads)->workspace_bytes();
}

std::unique_ptr<RfiCleaner> make_rfi_replayer_cpu(const RfiConfig& config,
                                                  const ObservationInfo& info, int threads,
                                                  const RfiReplay& replay) {
  return std::make_unique<RfiReplayerCpu>(config, info, threads, replay);
}

}  // namespace tianyan
