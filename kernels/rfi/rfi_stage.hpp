#pragma once
// The RFI cleaner's block loop, carried state, decisions and records, shared by the CPU
// (rfi_cpu.cpp) and CUDA (rfi_clean_cuda.cpp) backends. A backend supplies the O(samples x
// channels) steps of a block (moments and robust statistics, the clipping series, the row
// kernels); the per-block decisions over channels (dead, cross-channel, temporal, IQRM,
// clipping thresholds, row parameters, history) run here, on the host, for both. Host C++20.
#include <cstdint>
#include <optional>
#include <vector>

#include "kernels/rfi/rfi.hpp"
#include "kernels/rfi/rfi_cpu.hpp"

namespace tianyan::rfi_detail {

// Checks the arguments of a stage (Usage, BadInput) and returns `config`.
const RfiConfig& checked_config(const RfiConfig& config, const ObservationInfo& info,
                                int threads);

// The streaming contract of rfi.hpp: gulps in order, whole blocks except at the stream's end.
class StreamContract {
 public:
  StreamContract(uint64_t block, uint64_t total) : block_(block), total_(total) {}
  void check(uint64_t start, uint64_t nsamp, uint64_t nfresh) const;
  void advance(uint64_t start, uint64_t nfresh) { next_start_ = start + nfresh; }

 private:
  bool ends_cleanly(uint64_t sample) const {
    return sample % block_ == 0 || (total_ > 0 && sample == total_);
  }
  uint64_t block_;
  uint64_t total_;           // stream length (0: unknown)
  uint64_t next_start_ = 0;  // first sample of the next call's fresh data
};

class RfiStage : public RfiCleaner {
 public:
  RfiStage(const RfiConfig& config, const ObservationInfo& info, int threads,
           const RfiMask* reuse, bool record_replay);
  void process(const float* in, float* out, uint64_t start, uint64_t nsamp,
               uint64_t nfresh) final;
  const RfiMask& mask() const final { return mask_; }
  size_t workspace_bytes() const override;  // the host part
  RfiReplay take_replay() final;

 protected:
  // A gulp's steps, in this order: begin_gulp, then per block (rows [row0, row0 + n) of the
  // gulp) block_stats, clip_series (only where clipping runs), clean_block, then end_gulp.
  virtual void begin_gulp(const float* in, float* out, uint64_t nsamp) = 0;
  // Sets stats_ (every field) for the block.
  virtual void block_stats(uint64_t row0, uint64_t n) = 0;
  // Sets clip_ws_.zsum[0..n) from clip_ws_.weight/keep, stats_.median and `norm`.
  virtual void clip_series(uint64_t row0, uint64_t n, float norm) = 0;
  // Writes the block's output from params_ and clip_ws_.clipped.
  virtual void clean_block(uint64_t row0, uint64_t n) = 0;
  virtual void end_gulp() = 0;

  // process() in two halves, for a backend that takes its input another way (the CUDA
  // cleaner's process_packed): check the call against the streaming contract, then, with the
  // backend holding the gulp, run its blocks (end_gulp included).
  void check_gulp(uint64_t start, uint64_t nsamp, uint64_t nfresh) const {
    contract_.check(start, nsamp, nfresh);
  }
  void run_gulp(uint64_t start, uint64_t nsamp, uint64_t nfresh);

  RfiConfig config_;
  size_t nchan_;
  uint64_t block_;
  int threads_;
  CellStats stats_;
  RowParams params_;
  ClipWorkspace clip_ws_;

 private:
  std::vector<uint32_t> detect(uint64_t row0, uint64_t n, uint64_t block,
                               const ChannelHistory& history);
  void run_block(uint64_t row0, uint64_t n, uint64_t block, ChannelHistory& history,
                 bool record);

  std::vector<uint8_t> static_;
  std::optional<RfiMask> reuse_;
  RfiMask mask_;
  bool record_replay_;
  RfiReplay replay_;  // the row parameters of every fresh block (the mask is mask_)
  StreamContract contract_;
  ChannelHistory history_, lookahead_history_;
  IqrmWorkspace iqrm_ws_;
  std::vector<float> scratch_;
  std::vector<uint8_t> cells_;
};

}  // namespace tianyan::rfi_detail
