// The CPU RFI stage: the block loop over a gulp, the carried state and the mask it records.
#include "kernels/rfi/rfi_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "kernels/common/error.hpp"
#include "kernels/rfi/rfi_simd_cpu.hpp"

namespace tianyan {

using rfi_detail::CellStats;
using rfi_detail::ChannelHistory;
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

const RfiConfig& checked(const RfiConfig& config, const ObservationInfo& info, int threads) {
  if (info.nchan() < 2) throw bad_input("rfi", "needs at least 2 channels, got {}", info.nchan());
  if (threads < 1) throw usage_error("rfi: threads must be >= 1, got {}", threads);
  validate_rfi_config(config, info.nchan());
  return config;
}

// The streaming contract of rfi.hpp: gulps in order, whole blocks except at the stream's end.
class StreamContract {
 public:
  StreamContract(uint64_t block, uint64_t total) : block_(block), total_(total) {}
  void check(uint64_t start, uint64_t nsamp, uint64_t nfresh) const {
    const bool ok = start == next_start_ && nfresh <= nsamp &&
                    (total_ == 0 || start + nsamp <= total_) && ends_cleanly(start + nfresh) &&
                    ends_cleanly(start + nsamp);
    if (!ok) {
      throw internal_error(
          "rfi: gulp [{}, +{}) with {} fresh breaks the contract (expected start {}, block {} "
          "samples, stream {} samples)",
          start, nsamp, nfresh, next_start_, block_, total_);
    }
  }
  void advance(uint64_t start, uint64_t nfresh) { next_start_ = start + nfresh; }

 private:
  bool ends_cleanly(uint64_t sample) const {
    return sample % block_ == 0 || (total_ > 0 && sample == total_);
  }
  uint64_t block_;
  uint64_t total_;           // stream length (0: unknown)
  uint64_t next_start_ = 0;  // first sample of the next call's fresh data
};

class RfiCleanerCpu final : public RfiCleaner {
 public:
  RfiCleanerCpu(const RfiConfig& config, const ObservationInfo& info, int threads,
                const RfiMask* reuse, bool record_replay);
  void process(const float* in, float* out, uint64_t start, uint64_t nsamp,
               uint64_t nfresh) override;
  const RfiMask& mask() const override { return mask_; }
  size_t workspace_bytes() const override;
  RfiReplay take_replay() override;

 private:
  std::vector<uint32_t> detect(const float* in, uint64_t n, uint64_t block,
                               const ChannelHistory& history);
  void clean_block(const float* in, float* out, uint64_t n, uint64_t block, ChannelHistory& history,
                   bool record);

  RfiConfig config_;
  size_t nchan_;
  uint64_t block_;
  int threads_;
  std::vector<uint8_t> static_;
  std::optional<RfiMask> reuse_;
  RfiMask mask_;
  bool record_replay_;
  RfiReplay replay_;  // the row parameters of every fresh block (the mask is mask_)
  StreamContract contract_;
  ChannelHistory history_, lookahead_history_;
  // Workspace, sized at planning.
  rfi_detail::StatsWorkspace stats_ws_;
  rfi_detail::ClipWorkspace clip_ws_;
  rfi_detail::IqrmWorkspace iqrm_ws_;
  std::vector<float> scratch_;
  std::vector<uint8_t> cells_;
  CellStats stats_;
  RowParams params_;
};

RfiCleanerCpu::RfiCleanerCpu(const RfiConfig& config, const ObservationInfo& info, int threads,
                             const RfiMask* reuse, bool record_replay)
    : config_(checked(config, info, threads)),
      nchan_(info.nchan()),
      block_(config.block_nsamp),
      threads_(threads),
      static_(rfi_static_channels(config, info)),
      mask_(info.freqs_mhz, info.tsamp_s, config.block_nsamp, static_),
      record_replay_(record_replay),
      contract_(config.block_nsamp, info.nsamples),
      history_(info.nchan(), config.stats.history_blocks),
      lookahead_history_(history_) {
  if (reuse != nullptr) {
    if (reuse->nchan() != nchan_ || reuse->block_nsamp() != block_) {
      throw bad_input("rfi mask", "{} channels, blocks of {} samples; the data need {} and {}",
                      reuse->nchan(), reuse->block_nsamp(), nchan_, block_);
    }
    reuse_ = *reuse;
  }
  stats_ws_.resize(nchan_, block_, threads);
  clip_ws_.resize(nchan_, block_);
  iqrm_ws_.resize(nchan_);
  scratch_.resize(8 * nchan_);
  cells_.resize(nchan_);
  stats_.resize(nchan_);
  for (auto* v : {&params_.replace, &params_.centre, &params_.scale, &params_.fill}) {
    v->resize(nchan_);
  }
  params_.masked.resize(nchan_);
  params_.keep.resize(nchan_);
}

size_t RfiCleanerCpu::workspace_bytes() const {
  const size_t per_channel = (5 + 5) * sizeof(float) + 2;  // stats, row params, cells, masked
  return stats_ws_.bytes() + clip_ws_.bytes() + iqrm_ws_.bytes() + scratch_.size() * sizeof(float) +
         nchan_ * per_channel;
}

RfiReplay RfiCleanerCpu::take_replay() {
  if (!record_replay_) throw internal_error("rfi: take_replay() of a cleaner that records none");
  RfiReplay r = std::move(replay_);
  replay_ = RfiReplay{};
  r.mask = mask_;
  return r;
}

void RfiCleanerCpu::process(const float* in, float* out, uint64_t start, uint64_t nsamp,
                            uint64_t nfresh) {
  contract_.check(start, nsamp, nfresh);
  bool in_lookahead = false;
  for (uint64_t s0 = start; s0 < start + nsamp; s0 += block_) {
    const uint64_t n = std::min(block_, start + nsamp - s0);
    const bool fresh = s0 < start + nfresh;
    if (!fresh && !in_lookahead) {
      // The look-ahead is cleaned as the next call will clean it, from a copy of the state.
      lookahead_history_ = history_;
      in_lookahead = true;
    }
    const size_t offset = (s0 - start) * nchan_;
    clean_block(in + offset, out + offset, n, s0 / block_,
                in_lookahead ? lookahead_history_ : history_, fresh);
  }
  contract_.advance(start, nfresh);
}

std::vector<uint32_t> RfiCleanerCpu::detect(const float* in, uint64_t n, uint64_t block,
                                            const ChannelHistory& history) {
  if (reuse_ && block < reuse_->nblocks()) {
    if (reuse_->block_samples(block) != n) {
      throw bad_input("rfi mask", "block {} holds {} samples, the data {}", block,
                      reuse_->block_samples(block), n);
    }
    std::copy(reuse_->block_cells(block), reuse_->block_cells(block) + nchan_, cells_.begin());
    std::fill(clip_ws_.clipped.begin(), clip_ws_.clipped.end(), uint8_t{0});
    for (uint32_t k : reuse_->clipped(block)) clip_ws_.clipped[k] = 1;
    return reuse_->clipped(block);
  }
  for (size_t c = 0; c < nchan_; ++c) cells_[c] = static_[c] ? kRfiStatic : 0;
  if (config_.dead.enabled) rfi_detail::flag_dead(config_.dead, stats_, cells_.data(), scratch_);
  if (config_.stats.enabled) {
    rfi_detail::flag_cross_channel(config_.stats, stats_, cells_.data(), scratch_);
    if (config_.stats.temporal_enabled) {
      rfi_detail::flag_temporal(config_.stats, stats_, history, cells_.data(), scratch_);
    }
  }
  if (config_.iqrm.enabled) {
    rfi_detail::flag_iqrm(config_.iqrm, stats_, cells_.data(), scratch_, iqrm_ws_);
  }
  if (!config_.clip.enabled) {
    std::fill(clip_ws_.clipped.begin(), clip_ws_.clipped.end(), uint8_t{0});
    return {};
  }
  return rfi_detail::clip_samples(config_.clip, in, n, stats_, cells_.data(), threads_, clip_ws_);
}

void RfiCleanerCpu::clean_block(const float* in, float* out, uint64_t n, uint64_t block,
                                ChannelHistory& history, bool record) {
  rfi_detail::compute_cell_stats(in, n, nchan_, threads_, stats_ws_, stats_);
  std::vector<uint32_t> clipped = detect(in, n, block, history);
  rfi_detail::make_row_params(stats_, history, cells_.data(), config_.normalise.enabled, params_);
  rfi_detail::clean_rows(config_, in, out, n, nchan_, params_, clip_ws_.clipped.data(), threads_);
  for (size_t c = 0; c < nchan_; ++c) {
    if (cells_[c] == 0) {
      history.push(c, stats_.mean[c], stats_.std[c], stats_.median[c], stats_.sigma[c]);
    }
  }
  if (!record) return;
  mask_.append_block(block, cells_.data(), n, std::move(clipped));
  if (record_replay_) {
    for (auto [to, from] :
         {std::pair{&replay_.centre, &params_.centre}, std::pair{&replay_.scale, &params_.scale},
          std::pair{&replay_.fill, &params_.fill}}) {
      to->insert(to->end(), from->begin(), from->end());
    }
  }
}

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

std::unique_ptr<RfiCleaner> make_rfi_replayer_cpu(const RfiConfig& config,
                                                  const ObservationInfo& info, int threads,
                                                  const RfiReplay& replay) {
  return std::make_unique<RfiReplayerCpu>(config, info, threads, replay);
}

}  // namespace tianyan
