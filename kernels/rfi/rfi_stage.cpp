// The RFI cleaner's block loop, carried state and records, for every backend (rfi_stage.hpp).
#include "kernels/rfi/rfi_stage.hpp"

#include <algorithm>
#include <utility>

#include "kernels/common/error.hpp"

namespace tianyan::rfi_detail {

const RfiConfig& checked_config(const RfiConfig& config, const ObservationInfo& info,
                                int threads) {
  if (info.nchan() < 2) throw bad_input("rfi", "needs at least 2 channels, got {}", info.nchan());
  if (threads < 1) throw usage_error("rfi: threads must be >= 1, got {}", threads);
  validate_rfi_config(config, info.nchan());
  return config;
}

void StreamContract::check(uint64_t start, uint64_t nsamp, uint64_t nfresh) const {
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

RfiStage::RfiStage(const RfiConfig& config, const ObservationInfo& info, int threads,
                   const RfiMask* reuse, bool record_replay)
    : config_(checked_config(config, info, threads)),
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

size_t RfiStage::workspace_bytes() const {
  const size_t per_channel = (5 + 5) * sizeof(float) + 2;  // stats, row params, cells, masked
  return clip_ws_.bytes() + iqrm_ws_.bytes() + scratch_.size() * sizeof(float) +
         nchan_ * per_channel;
}

RfiReplay RfiStage::take_replay() {
  if (!record_replay_) throw internal_error("rfi: take_replay() of a cleaner that records none");
  RfiReplay r = std::move(replay_);
  replay_ = RfiReplay{};
  r.mask = mask_;
  return r;
}

void RfiStage::process(const float* in, float* out, uint64_t start, uint64_t nsamp,
                       uint64_t nfresh) {
  check_gulp(start, nsamp, nfresh);
  begin_gulp(in, out, nsamp);
  run_gulp(start, nsamp, nfresh);
}

void RfiStage::run_gulp(uint64_t start, uint64_t nsamp, uint64_t nfresh) {
  bool in_lookahead = false;
  for (uint64_t s0 = start; s0 < start + nsamp; s0 += block_) {
    const uint64_t n = std::min(block_, start + nsamp - s0);
    const bool fresh = s0 < start + nfresh;
    if (!fresh && !in_lookahead) {
      // The look-ahead is cleaned as the next call will clean it, from a copy of the state.
      lookahead_history_ = history_;
      in_lookahead = true;
    }
    run_block(s0 - start, n, s0 / block_, in_lookahead ? lookahead_history_ : history_, fresh);
  }
  end_gulp();
  contract_.advance(start, nfresh);
}

std::vector<uint32_t> RfiStage::detect(uint64_t row0, uint64_t n, uint64_t block,
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
  if (config_.dead.enabled) flag_dead(config_.dead, stats_, cells_.data(), scratch_);
  if (config_.stats.enabled) {
    flag_cross_channel(config_.stats, stats_, cells_.data(), scratch_);
    if (config_.stats.temporal_enabled) {
      flag_temporal(config_.stats, stats_, history, cells_.data(), scratch_);
    }
  }
  if (config_.iqrm.enabled) flag_iqrm(config_.iqrm, stats_, cells_.data(), scratch_, iqrm_ws_);
  if (!config_.clip.enabled) {
    std::fill(clip_ws_.clipped.begin(), clip_ws_.clipped.end(), uint8_t{0});
    return {};
  }
  const size_t nclean = clip_weights(stats_, cells_.data(), n, clip_ws_);
  if (nclean == 0 || n < 2) return {};
  clip_series(row0, n, clip_norm(nclean));
  return clip_decide(config_.clip, n, clip_ws_);
}

void RfiStage::run_block(uint64_t row0, uint64_t n, uint64_t block, ChannelHistory& history,
                         bool record) {
  block_stats(row0, n);
  std::vector<uint32_t> clipped = detect(row0, n, block, history);
  make_row_params(stats_, history, cells_.data(), config_.normalise.enabled, params_);
  clean_block(row0, n);
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

}  // namespace tianyan::rfi_detail
