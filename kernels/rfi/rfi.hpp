#pragma once
// RFI excision of total-intensity (Stokes I) filterbank data: static masks, per-(channel, block)
// statistics with robust thresholds (PRESTO rfifind-like), IQRM channel flagging (Morello et
// al. 2022), clipping of broadband bursts, replacement of masked samples by the channel's
// median, per-channel normalisation and an optional zero-DM filter (Eatough et al. 2009).
//
// Data layout everywhere: float32, time-major, channel fastest, channel 0 = lowest frequency.
//
// The streaming contract (docs/rfi.md): statistics are taken over blocks of `block_nsamp`
// samples aligned to absolute sample indices (block b = [b B, (b + 1) B)). Every call covers
// whole blocks: `start`, `nfresh` and `nsamp` are multiples of B, except that the data may end
// with a partial block where it ends at the stream's last sample. Gulps arrive in order, the
// first at sample 0, each next `start` = the previous start + the previous nfresh. State carried
// between blocks (the per-channel reference of recent clean blocks) is committed only for fresh
// blocks, so the output for any sample does not depend on where gulp boundaries fall.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/observation.hpp"
#include "io/packed_samples.hpp"
#include "kernels/common/backend.hpp"
#include "kernels/rfi/rfi_mask.hpp"

namespace tianyan {

struct RfiFreqRange {
  double lo_mhz = 0;  // channels whose centre lies in [lo_mhz, hi_mhz] are masked
  double hi_mhz = 0;
};

struct RfiStaticConfig {
  bool enabled = true;
  std::vector<RfiFreqRange> bad_ranges;  // configured bad bands (satellites, band edges), MHz
  bool file_weights = true;              // mask ObservationInfo::flagged (zero-weight) channels
};

struct RfiDeadConfig {
  bool enabled = true;
  // A cell is dead (constant or all zero) when its standard deviation is below this fraction of
  // the median standard deviation of the block's channels, [0, 1).
  double rel_std = 1e-4;
};

struct RfiStatsConfig {
  bool enabled = true;
  // Robust sigma thresholds of the per-cell statistics across channels: each statistic minus
  // its running median over +-trend_half_width channels (the bandpass), in units of 1.4826 x
  // the median absolute deviation of those residuals over the block's channels.
  double mean_threshold = 5.0;      // > 0, robust sigma
  double std_threshold = 5.0;       // > 0, robust sigma
  double kurtosis_threshold = 5.0;  // > 0, robust sigma, of the excess kurtosis
  int trend_half_width = 8;         // channels, [1, nchan)
  // The same for the change of a cell's mean and std against the channel's reference (median
  // of its last `history_blocks` clean blocks): flags RFI that switches on in one channel.
  bool temporal_enabled = true;
  double temporal_threshold = 5.0;  // > 0, robust sigma
  int history_blocks = 8;           // [1, 64]
};

struct RfiIqrmConfig {
  bool enabled = true;
  double threshold = 4.0;        // > 0, sigma (IQR / 1.349) of the lagged differences
  double radius_fraction = 0.1;  // largest lag as a fraction of nchan, (0, 1) (paper: 0.1)
  // The statistic is the std over its running median across +-trend_half_width channels, which
  // flattens the bandpass; narrow, so that its error at the roll-off's knee stays below the
  // noise. [1, nchan)
  int trend_half_width = 3;
};

struct RfiClipConfig {
  bool enabled = true;
  // Samples whose channel-summed normalised value deviates from the block's median by more
  // than this many robust sigma are masked in every channel.
  double threshold = 6.0;  // > 0, robust sigma
};

struct RfiZeroDmConfig {
  bool enabled = false;  // off by default: it costs sensitivity at low DM
};

struct RfiNormaliseConfig {
  bool enabled = true;  // output (x - median) / (1.4826 MAD) per (channel, block)
};

struct RfiConfig {
  uint64_t block_nsamp = 16384;  // samples per statistics block (1.61 s at 98.304 us), >= 64
  RfiStaticConfig static_mask;
  RfiDeadConfig dead;
  RfiStatsConfig stats;
  RfiIqrmConfig iqrm;
  RfiClipConfig clip;
  RfiZeroDmConfig zero_dm;
  RfiNormaliseConfig normalise;
};

// Throws BadInput ("rfi config: ...") for out-of-range values.
void validate_rfi_config(const RfiConfig& config, size_t nchan);

// Channels masked by the static steps (bad ranges, zero weights): 1 = masked.
std::vector<uint8_t> rfi_static_channels(const RfiConfig& config, const ObservationInfo& info);

// What the cleaning did to each fresh block of a pass, so that a later pass over the same
// stream can repeat it without the statistics and the detection (make_rfi_replayer_cpu): the
// mask (cells, clipped samples) and each cell's output centre, scale and fill value (what a
// masked or clipped sample becomes). Replaying gives the recorded pass's output bit for bit.
struct RfiReplay {
  RfiMask mask;
  std::vector<float> centre, scale, fill;  // nblocks x nchan, block-major
};

// Bytes an RfiReplay of a stream holds, besides the clipped offsets (4 bytes per clipped
// sample): the mask's byte and 3 floats per (channel, block) cell.
uint64_t rfi_replay_bytes(size_t nchan, uint64_t nsamples, uint64_t block_nsamp);

// The stage. Planned once (validates, allocates every workspace); process() allocates only for
// the mask it records (a fresh block's cells and clipped offsets) and the replay, if asked.
class RfiCleaner {
 public:
  virtual ~RfiCleaner() = default;
  // Cleans `nsamp` samples starting at stream sample `start` from `in` into `out` (both
  // nsamp x nchan, time-major; they must not overlap: GulpStream reuses its raw look-ahead, so
  // the raw gulp must stay raw). The first `nfresh` samples are this call's own: their cells
  // are recorded in the mask and commit the carried state; the look-ahead is cleaned with a
  // copy of the state, exactly as the next call will clean it again. Throws Internal when the
  // call breaks the streaming contract above.
  virtual void process(const float* in, float* out, uint64_t start, uint64_t nsamp,
                       uint64_t nfresh) = 0;
  // The same from the gulp's 8-bit samples as a reader gives them (Reader::read_packed): `in`
  // holds the nsamp samples (and this cleaner's channels); the output and mask are what
  // process() gives on unpack_packed(in). This default unpacks on the host into a workspace
  // (allocated by the first call) and calls process(); the CUDA cleaner unpacks on the
  // device, so that one byte per sample and polarisation crosses PCIe instead of a float.
  virtual void process_packed(const PackedSamples& in, float* out, uint64_t start, uint64_t nsamp,
                              uint64_t nfresh);
  // Cells and clipped samples of every fresh block so far.
  virtual const RfiMask& mask() const = 0;
  virtual size_t workspace_bytes() const = 0;
  // The replay of every fresh block so far, moved out (the mask stays). Throws Internal unless
  // the cleaner was made with record_replay.
  virtual RfiReplay take_replay() = 0;

 private:
  std::vector<float> unpacked_;  // process_packed's floats
};

// The CPU (OpenMP) stage with `threads` threads (>= 1). With `reuse` (a loaded mask of the
// same channels and block length), its cells and clipped samples replace detection for the
// blocks it holds; replacement and normalisation run as usual. `info.nsamples` is the stream's
// length (the only place a partial block may end).
// With `record_replay`, it also records the replay of every fresh block (take_replay()).
std::unique_ptr<RfiCleaner> make_rfi_cleaner_cpu(const RfiConfig& config,
                                                 const ObservationInfo& info, int threads,
                                                 const RfiMask* reuse = nullptr,
                                                 bool record_replay = false);

// The stage on `backend`: the CPU cleaner above (`device` unused), or the CUDA one on device
// `device` (kernels/rfi/rfi_clean_cuda.cpp), which gives the same mask and output. Throws
// Environment, saying why, when the CUDA one cannot run (no CUDA in this build, no driver, no
// such device, too old a GPU, too little device memory): never a CPU run instead.
std::unique_ptr<RfiCleaner> make_rfi_cleaner(Backend backend, int device, const RfiConfig& config,
                                             const ObservationInfo& info, int threads,
                                             const RfiMask* reuse = nullptr,
                                             bool record_replay = false);

// The host memory (bytes) make_rfi_cleaner(backend, ..., config, info, threads) would hold,
// found without a device (a plan for a GPU node can be made anywhere); throws BadInput and
// Usage as make_rfi_cleaner does, never Environment.
size_t rfi_workspace_bytes(Backend backend, const RfiConfig& config, const ObservationInfo& info,
                           int threads);

// A stage that replays `replay` (recorded over the same stream with the same configuration)
// instead of measuring: process() only replaces, normalises and applies zero-DM, with the
// recorded parameters, so its output equals the recording pass's bit for bit. Same contract as
// the cleaner (gulps in order, whole blocks); every block a call covers, look-ahead included,
// must be in the replay (Internal otherwise). `replay` must outlive the stage.
std::unique_ptr<RfiCleaner> make_rfi_replayer_cpu(const RfiConfig& config,
                                                  const ObservationInfo& info, int threads,
                                                  const RfiReplay& replay);

}  // namespace tianyan
