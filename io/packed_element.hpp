#pragma once
// One output value of 8-bit samples, for the host readers and the CUDA unpacker alike
// (ARCHITECTURE.md, "share the math, not the loops"). The readers' scaled value of a file
// channel is ((raw * scale_a) + (raw_b * scale_b)) + offset, with ZERO_OFF, DAT_OFFS and DAT_WTS
// folded per row into scale_a, scale_b and offset (psrfits_reader.cpp, load_row). Every
// product and sum is rounded on its own (hd::mul_rn / hd::add_rn) so that nvcc's default FMA
// contraction cannot make the device differ from the host. C++17: nvcc compiles this header.
#include <cstddef>
#include <cstdint>

#include "kernels/common/hd.hpp"

namespace tianyan::packed {

TIANYAN_HD float scaled_one(float a, float sa, float o) { return hd::add_rn(hd::mul_rn(a, sa), o); }

TIANYAN_HD float scaled_two(float a, float b, float sa, float sb, float o) {
  return hd::add_rn(hd::add_rn(hd::mul_rn(a, sa), hd::mul_rn(b, sb)), o);
}

TIANYAN_HD float byte_value(uint8_t raw, bool is_signed) {
  return is_signed ? static_cast<float>(static_cast<int8_t>(raw)) : static_cast<float>(raw);
}

// A block of 8-bit samples and its scales wherever they live (host or device pointers).
// bytes: sample s's row at s * row_bytes(): pol A's nchan bytes, then pol B's when two_pols,
// channels in FILE order. Segment k (one PSRFITS row) covers the samples before seg_end[k]
// (ascending, in the numbering of `first_sample`: sample s of this view is s + first_sample
// there) and has its scales at [k * nchan, (k + 1) * nchan), file channel order; scale_b is
// read only when two_pols.
struct PackedView {
  const uint8_t* bytes = nullptr;
  const uint64_t* seg_end = nullptr;
  const float* scale_a = nullptr;
  const float* scale_b = nullptr;
  const float* offset = nullptr;
  uint64_t nseg = 0;
  uint64_t first_sample = 0;
  size_t nchan = 0;
  bool two_pols = false;
  bool is_signed = false;
  bool reversed = false;  // file stores the highest frequency first: output channel j is file
                          // channel nchan - 1 - j

  TIANYAN_HD size_t row_bytes() const { return two_pols ? 2 * nchan : nchan; }
};

// The segment holding sample s of the view (binary search of seg_end).
TIANYAN_HD uint64_t segment_of(const PackedView& v, uint64_t s) {
  const uint64_t t = s + v.first_sample;
  uint64_t lo = 0, hi = v.nseg - 1;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (v.seg_end[mid] > t) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

// Output value of sample s, output channel j (ascending frequency), s in segment seg: what
// Reader::read() writes at out[s * nchan + j].
TIANYAN_HD float packed_value(const PackedView& v, uint64_t s, uint64_t seg, size_t j) {
  const size_t c = v.reversed ? v.nchan - 1 - j : j;
  const uint8_t* row = v.bytes + s * v.row_bytes();
  const size_t k = static_cast<size_t>(seg) * v.nchan + c;
  const float a = byte_value(row[c], v.is_signed);
  if (!v.two_pols) return scaled_one(a, v.scale_a[k], v.offset[k]);
  const float b = byte_value(row[v.nchan + c], v.is_signed);
  return scaled_two(a, b, v.scale_a[k], v.scale_b[k], v.offset[k]);
}

}  // namespace tianyan::packed
