// RfiCleaner::process_packed's host default (rfi.hpp).
#include "kernels/common/error.hpp"
#include "kernels/rfi/rfi.hpp"

namespace tianyan {

void RfiCleaner::process_packed(const PackedSamples& in, float* out, uint64_t start, uint64_t nsamp,
                                uint64_t nfresh) {
  in.check();
  if (in.nsamp != nsamp) {
    throw internal_error("rfi: a packed gulp of {} samples passed as {}", in.nsamp, nsamp);
  }
  unpacked_.resize(in.nsamp * in.nchan);
  unpack_packed(in, unpacked_.data());
  process(unpacked_.data(), out, start, nsamp, nfresh);
}

}  // namespace tianyan
