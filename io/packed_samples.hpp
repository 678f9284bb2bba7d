#pragma once
// 8-bit samples as they came off the disk, with what turns them into the floats Reader::read()
// delivers, so that the unpacking can happen where the floats are needed (on a CUDA device:
// one byte per sample and polarisation crosses PCIe instead of a 4-byte float).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/packed_element.hpp"

namespace tianyan {

// A block of `nsamp` samples of `nchan` channels (Reader::read_packed).
// bytes: nsamp x row_bytes(), time-major: per sample, pol A's nchan bytes then, when two_pols
// (AA + BB, or IF 0 + IF 1), pol B's; channels in FILE order (reversed: highest first).
// Segments: one per PSRFITS row the block touches (one for a filterbank, scale 1, offset 0);
// segment k holds samples [seg_end[k - 1], seg_end[k]) (seg_end[-1] = 0, the last = nsamp) and
// its per-channel scale_a, scale_b and offset at [k * nchan, (k + 1) * nchan), file channel
// order (scale_b empty unless two_pols).
struct PackedSamples {
  uint64_t nsamp = 0;
  size_t nchan = 0;
  bool two_pols = false;
  bool is_signed = false;
  bool reversed = false;
  std::vector<uint8_t> bytes;
  std::vector<uint64_t> seg_end;
  std::vector<float> scale_a, scale_b, offset;

  size_t row_bytes() const { return two_pols ? 2 * nchan : nchan; }
  uint64_t nsegments() const { return seg_end.size(); }
  // The element view of the whole block (host pointers).
  packed::PackedView view() const;
  // Throws Internal when the sizes do not fit together (a reader's or a caller's bug).
  void check() const;
};

// out[s * nchan + j] for samples [row0, row0 + n) of `in` (out holds n x nchan floats): what
// Reader::read() writes for them, bit for bit.
void unpack_packed(const PackedSamples& in, uint64_t row0, uint64_t n, float* out);

// The whole block: nsamp x nchan floats.
inline void unpack_packed(const PackedSamples& in, float* out) {
  unpack_packed(in, 0, in.nsamp, out);
}

}  // namespace tianyan
