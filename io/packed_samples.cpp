// Host side of io/packed_samples.hpp. Built with -ffp-contract=off (CMakeLists.txt), like the
// readers, so that no -march a user adds can fuse the element's product and sum here only.
#include "io/packed_samples.hpp"

#include "kernels/common/error.hpp"

namespace tianyan {

packed::PackedView PackedSamples::view() const {
  packed::PackedView v;
  v.bytes = bytes.data();
  v.seg_end = seg_end.data();
  v.scale_a = scale_a.data();
  v.scale_b = two_pols ? scale_b.data() : nullptr;
  v.offset = offset.data();
  v.nseg = seg_end.size();
  v.nchan = nchan;
  v.two_pols = two_pols;
  v.is_signed = is_signed;
  v.reversed = reversed;
  return v;
}

void PackedSamples::check() const {
  const size_t nseg = seg_end.size();
  const bool ok = bytes.size() == nsamp * row_bytes() && scale_a.size() == nseg * nchan &&
                  offset.size() == nseg * nchan &&
                  scale_b.size() == (two_pols ? nseg * nchan : 0) &&
                  (nsamp == 0 || (nseg > 0 && seg_end.back() == nsamp));
  if (!ok) {
    throw internal_error(
        "packed samples: {} samples x {} channels ({} pols) with {} bytes, {} segments ending at "
        "{}, {}/{}/{} scales",
        nsamp, nchan, two_pols ? 2 : 1, bytes.size(), nseg, nseg > 0 ? seg_end.back() : 0,
        scale_a.size(), scale_b.size(), offset.size());
  }
}

void unpack_packed(const PackedSamples& in, uint64_t row0, uint64_t n, float* out) {
  if (row0 > in.nsamp || n > in.nsamp - row0) {
    throw internal_error("unpack_packed: samples [{}, +{}) of a block of {}", row0, n, in.nsamp);
  }
  if (n == 0) return;
  const packed::PackedView v = in.view();
  uint64_t seg = packed::segment_of(v, row0);
  for (uint64_t s = row0; s < row0 + n; ++s) {
    while (v.seg_end[seg] <= s) ++seg;
    float* d = out + (s - row0) * in.nchan;
    for (size_t j = 0; j < in.nchan; ++j) d[j] = packed::packed_value(v, s, seg, j);
  }
}

}  // namespace tianyan
