#pragma once
// The RFI mask: one byte of reason bits per (channel, block) cell, plus the samples clipped in
// every channel (broadband bursts). Saved as a small little-endian binary file ("TYRFIMSK",
// layout in docs/rfi.md) that a later run can load and apply again.
#include <cstdint>
#include <string>
#include <vector>

namespace tianyan {

// Why a cell is masked (bits may combine).
enum RfiReason : uint8_t {
  kRfiStatic = 1,     // configured bad frequency range or zero weight in the file
  kRfiDead = 2,       // constant or all-zero data over the block
  kRfiMean = 4,       // mean outlier across channels
  kRfiStd = 8,        // standard deviation outlier across channels
  kRfiKurtosis = 16,  // excess kurtosis outlier across channels (non-Gaussian)
  kRfiIqrm = 32,      // IQRM (Morello et al. 2022)
  kRfiTemporal = 64,  // mean or std changed against the channel's recent clean blocks
};

struct RfiMaskSummary {
  std::vector<double> channel_fraction;  // per channel: fraction of its samples masked
  std::vector<double> block_fraction;    // per block: fraction of its samples x channels masked
  double clipped_fraction = 0;           // fraction of samples clipped in every channel
  double total_fraction = 0;             // fraction of all samples x channels masked
};

class RfiMask {
 public:
  RfiMask() = default;
  RfiMask(std::vector<double> freqs_mhz, double tsamp_s, uint64_t block_nsamp,
          std::vector<uint8_t> static_channels);

  size_t nchan() const { return freqs_.size(); }
  uint64_t nblocks() const { return block_nsamp_list_.size(); }
  uint64_t block_nsamp() const { return block_nsamp_; }
  double tsamp_s() const { return tsamp_s_; }
  const std::vector<double>& freqs_mhz() const { return freqs_; }
  const std::vector<uint8_t>& static_channels() const { return static_; }

  // Reason bits of a cell (0 = clean).
  uint8_t cell(uint64_t block, size_t chan) const { return cells_[block * nchan() + chan]; }
  const uint8_t* block_cells(uint64_t block) const { return cells_.data() + block * nchan(); }
  // Samples held by a block (block_nsamp except a last partial block).
  uint64_t block_samples(uint64_t block) const { return block_nsamp_list_[block]; }
  // Offsets within the block of the samples clipped in every channel, ascending.
  const std::vector<uint32_t>& clipped(uint64_t block) const { return clipped_[block]; }

  // Records block `block` (must be nblocks(), the next one): nchan cell bytes, its sample
  // count and clipped offsets.
  void append_block(uint64_t block, const uint8_t* cells, uint64_t nsamp,
                    std::vector<uint32_t> clipped);

  RfiMaskSummary summary() const;

  // Writes atomically; throws Environment when it cannot.
  void save(const std::string& path) const;
  // Throws BadInput "PATH: problem" for a missing, truncated or malformed file.
  static RfiMask load(const std::string& path);

  bool operator==(const RfiMask& other) const = default;

 private:
  std::vector<double> freqs_;
  double tsamp_s_ = 0;
  uint64_t block_nsamp_ = 0;
  std::vector<uint8_t> static_;
  std::vector<uint8_t> cells_;  // nblocks x nchan
  std::vector<uint64_t> block_nsamp_list_;
  std::vector<std::vector<uint32_t>> clipped_;
};

}  // namespace tianyan
