#pragma once
// Internals of the CPU RFI stage (kernels/rfi/*_cpu.cpp), shared between its files.
// Not part of the interface: the pipeline includes only rfi.hpp.
#include <cstdint>
#include <vector>

#include "kernels/rfi/rfi.hpp"

namespace tianyan::rfi_detail {

// Statistics of one block, per channel.
struct CellStats {
  std::vector<float> mean, std, kurtosis;  // moments; kurtosis is the excess kurtosis
  std::vector<float> median, sigma;        // robust centre and 1.4826 x MAD
  void resize(size_t nchan);
};

// The per-channel reference of the last `depth` clean blocks (a ring), the only state carried
// from block to block.
class ChannelHistory {
 public:
  ChannelHistory(size_t nchan, int depth);
  void push(size_t chan, float mean, float std, float median, float sigma);
  // Medians over the ring; false while the channel has no clean block yet.
  bool reference(size_t chan, float* mean, float* std, float* median, float* sigma) const;

 private:
  size_t nchan_;
  int depth_;
  std::vector<float> values_;  // [chan][depth][4]: mean, std, median, sigma
  std::vector<uint8_t> count_, head_;
};

// Per-thread workspace of compute_cell_stats: threads x kStatsTile x block_nsamp floats.
constexpr size_t kStatsTile = 16;

// Moments, median and MAD of every channel of one block (n samples x nchan), OpenMP over tiles
// of kStatsTile channels. `columns` holds threads x kStatsTile x n floats.
void compute_cell_stats(const float* block, uint64_t n, size_t nchan, int threads,
                        std::vector<float>& columns, CellStats& stats);

// Dead cells (std below rel_std x the median std, or non-finite statistics).
void flag_dead(const RfiDeadConfig& config, const CellStats& stats, uint8_t* cells,
               std::vector<float>& scratch);

// Robust outliers in mean, std and excess kurtosis across the block's unmasked channels, each
// statistic detrended by its running median over channels (the bandpass).
void flag_cross_channel(const RfiStatsConfig& config, const CellStats& stats, uint8_t* cells,
                        std::vector<float>& scratch);

// Robust outliers in the change of mean and std against each channel's recent clean blocks.
void flag_temporal(const RfiStatsConfig& config, const CellStats& stats,
                   const ChannelHistory& history, uint8_t* cells, std::vector<float>& scratch);

// IQRM (Morello et al. 2022) on the per-channel standard deviation of the block relative to
// its running median over +-config.trend_half_width channels.
void flag_iqrm(const RfiIqrmConfig& config, const CellStats& stats, uint8_t* cells,
               std::vector<float>& scratch);

// Running median of s over +-hw channels among those with cells[c] == 0 (s[c] where none);
// `window` holds nchan floats.
void running_median(const float* s, const uint8_t* cells, size_t nchan, int hw, float* trend,
                    float* window);

// Marks in `clipped` (n bytes) the samples whose channel-summed normalised value over clean
// channels is a robust outlier; returns their offsets. `zsum` and `sorted` hold n floats.
std::vector<uint32_t> clip_samples(const RfiClipConfig& config, const float* block, uint64_t n,
                                   const CellStats& stats, const uint8_t* cells, int threads,
                                   std::vector<float>& zsum, std::vector<float>& sorted,
                                   std::vector<uint8_t>& clipped);

// Per channel: what masked samples become (the replacement value) and the centre and scale of
// the output normalisation. Clean cells use their own median and MAD; masked cells the
// channel's reference from the history (its own median while there is none).
struct RowParams {
  std::vector<float> replace, centre, scale;
  std::vector<uint8_t> masked;  // cell masked
};
void make_row_params(const CellStats& stats, const ChannelHistory& history, const uint8_t* cells,
                     RowParams& params);

// Replacement, normalisation and zero-DM of every sample of the block, OpenMP over samples.
void clean_rows(const RfiConfig& config, const float* in, float* out, uint64_t n, size_t nchan,
                const RowParams& params, const uint8_t* clipped, int threads);

// Median of v[0..n) (reorders v); 0 for n = 0.
float median_inplace(float* v, size_t n);

}  // namespace tianyan::rfi_detail
