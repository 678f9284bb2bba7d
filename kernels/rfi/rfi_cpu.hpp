#pragma once
// Internals of the CPU RFI stage (kernels/rfi/*_cpu.cpp), shared between its files.
// Not part of the interface: the pipeline includes only rfi.hpp.
#include <cstddef>
#include <cstdint>
#include <utility>
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

// Robust statistics (median, MAD) of a cell come from a deterministic subsample: every
// robust_stride(n)-th sample, at least kRobustSamples of them where the cell has that many
// (all of a cell of up to 2 kRobustSamples - 1). Selection was the stage's dominant cost,
// linear in the samples it sees; docs/rfi.md gives the statistical cost.
constexpr uint64_t kRobustSamples = 4096;
inline uint64_t robust_stride(uint64_t n) {
  return n < 2 * kRobustSamples ? 1 : n / kRobustSamples;
}
inline uint64_t robust_count(uint64_t n) { return (n + robust_stride(n) - 1) / robust_stride(n); }

// Channels per tile of the subsample transpose (128 bytes of each sampled row); 128 channels
// measured the same, and smaller tiles balance the threads better.
constexpr size_t kStatsTile = 32;
// Rows per chunk of the moment sums: chunks are summed independently (in float), then combined
// in chunk order (in double), so the sums do not depend on the thread count.
constexpr uint64_t kMomentRows = 1024;

// Workspace of median_bracketed: a histogram and a collection buffer (capacity + 1 floats).
constexpr size_t kSelectBins = 1024;
struct SelectWorkspace {
  std::vector<uint32_t> hist;
  std::vector<uint16_t> bins;  // capacity
  std::vector<float> buf;
  void resize(size_t capacity);
};

// Exactly median_inplace(v, m) for a copy of v, without reordering v; fastest when [lo, hi]
// holds the median (else it falls back to nth_element). m <= the workspace's capacity.
float median_bracketed(const float* v, size_t m, float lo, float hi, SelectWorkspace& ws);

// Workspace of compute_cell_stats, sized at planning for blocks of up to `block` samples.
struct StatsWorkspace {
  std::vector<float> columns;           // threads x kStatsTile x (subsample + pad) columns
  std::vector<float> partials;          // chunks x 4 x nchan moment sums
  std::vector<float> shift;             // nchan: the centre the moment sums are taken about
  std::vector<SelectWorkspace> select;  // per thread
  size_t column_capacity = 0;           // samples per column
  void resize(size_t nchan, uint64_t block, int threads);
  size_t bytes() const;
};

// Moments (all samples, one pass of sums), then median and MAD (subsample) of every
// channel of one block (n samples x nchan), OpenMP over row chunks and channel tiles.
void compute_cell_stats(const float* block, uint64_t n, size_t nchan, int threads,
                        StatsWorkspace& ws, CellStats& stats);

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

// Workspace of flag_iqrm, sized at planning (nchan channels), so that a block allocates nothing.
struct IqrmWorkspace {
  std::vector<ptrdiff_t> lags;
  std::vector<size_t> index;                         // unmasked channel of each statistic
  std::vector<double> x, d, sorted;                  // statistic, lagged differences
  std::vector<std::pair<uint32_t, uint32_t>> votes;  // (accused, accuser)
  std::vector<uint32_t> received, cast;              // distinct votes per channel
  void resize(size_t nchan);
  size_t bytes() const {
    return (lags.capacity() + index.size() + x.size() * 3) * 8 + votes.capacity() * 8 +
           (received.size() + cast.size()) * 4;
  }
};

// IQRM (Morello et al. 2022) on the per-channel standard deviation of the block relative to
// its running median over +-config.trend_half_width channels.
void flag_iqrm(const RfiIqrmConfig& config, const CellStats& stats, uint8_t* cells,
               std::vector<float>& scratch, IqrmWorkspace& ws);

// Running median of s over +-hw channels among those with cells[c] == 0 (s[c] where none);
// `window` holds nchan floats.
void running_median(const float* s, const uint8_t* cells, size_t nchan, int hw, float* trend,
                    float* window);

// Workspace of clip_samples, sized at planning.
struct ClipWorkspace {
  std::vector<float> zsum, sorted;  // block samples
  std::vector<float> weight;        // nchan: 1 / sigma of clean channels, else 0
  std::vector<uint32_t> keep;       // nchan: all ones for clean channels, else 0
  std::vector<uint8_t> clipped;     // block samples: 1 = clipped
  void resize(size_t nchan, uint64_t block);
  size_t bytes() const {
    return (zsum.size() + sorted.size() + weight.size() + keep.size()) * 4 + clipped.size();
  }
};

// Clipping marks in ws.clipped the samples whose channel-summed normalised value over clean
// channels is a robust outlier, in three steps (the middle one is the backend's):
// clip_weights clears ws.clipped[0..n) and sets ws.weight and ws.keep, returning the number of
// clean channels (nothing to clip when 0 or n < 2); clip_series_cpu sets ws.zsum[0..n), the
// zero-DM series in units of its noise (norm = clip_norm(nclean)); clip_decide marks the
// outliers and returns their offsets.
size_t clip_weights(const CellStats& stats, const uint8_t* cells, uint64_t n, ClipWorkspace& ws);
float clip_norm(size_t nclean);
void clip_series_cpu(const float* block, uint64_t n, const CellStats& stats, float norm,
                     int threads, ClipWorkspace& ws);
std::vector<uint32_t> clip_decide(const RfiClipConfig& config, uint64_t n, ClipWorkspace& ws);

// A rough centre of channel c of a block: the median of 5 samples spread over it (robust to
// one outlier, such as a burst in the first sample); the moment sums are taken about it.
float rough_centre(const float* block, uint64_t n, size_t nchan, size_t c);
// Mean, std and excess kurtosis of channel c from its sums about `shift` (sums[q] = sum of
// (x - shift)^(q + 1) over n samples).
void finish_moments(const double* sums, uint64_t n, size_t c, float shift, CellStats& s);
// Channel c's moments from the per-chunk float sums partials[(k * 4 + q) * nchan + c],
// combined in chunk order in double (so they do not depend on who computed the chunks).
void combine_moments(const float* partials, uint64_t nchunks, size_t nchan, size_t c,
                     uint64_t n, float shift, CellStats& s);

// Per channel: what masked samples become (the replacement value) and the centre and scale of
// the output normalisation. Clean cells use their own median and MAD; masked cells the
// channel's reference from the history (its own median while there is none).
struct RowParams {
  std::vector<float> replace, centre, scale;
  std::vector<float> fill;      // a masked sample's output: replace, normalised if enabled
  std::vector<uint8_t> masked;  // cell masked
  std::vector<uint32_t> keep;   // all ones where the cell is clean (the row kernels' select)
};
void make_row_params(const CellStats& stats, const ChannelHistory& history, const uint8_t* cells,
                     bool normalise, RowParams& params);

// Replacement, normalisation and zero-DM of every sample of the block, OpenMP over samples.
void clean_rows(const RfiConfig& config, const float* in, float* out, uint64_t n, size_t nchan,
                const RowParams& params, const uint8_t* clipped, int threads);

// Median of v[0..n) (reorders v); 0 for n = 0.
float median_inplace(float* v, size_t n);

}  // namespace tianyan::rfi_detail
