#pragma once
// Unpacks 8-bit sample blocks (io/packed_samples.hpp) into float32 in device memory: the
// bytes and the per-row scales cross PCIe, not the floats. Included only by sources built
// with the CUDA backend (*_cuda.cpp); C++17.
#include <cstddef>
#include <cstdint>

#include "io/packed_samples.hpp"
#include "kernels/cuda/cuda_util.hpp"

namespace tianyan::cuda {

// Planned for blocks of up to `max_nsamp` samples of `nchan` channels: the byte buffer is
// allocated once, for two polarisations. The scale tables grow to the most segments (PSRFITS
// rows) one call has covered, so they are allocated in the first calls only.
class PackedUnpacker {
 public:
  PackedUnpacker() = default;
  PackedUnpacker(size_t nchan, uint64_t max_nsamp);

  // Device memory the constructor allocates.
  static size_t planned_bytes(size_t nchan, uint64_t max_nsamp) {
    return static_cast<size_t>(max_nsamp) * 2 * nchan;
  }
  size_t device_bytes() const {
    return bytes_.bytes() + seg_end_.bytes() + scale_a_.bytes() + scale_b_.bytes() +
           offset_.bytes();
  }

  // Queues on `stream` the upload of samples [row0, row0 + n) of `in` (bytes, and the scales
  // of the segments they touch) and their unpacking into the n x nchan floats at device
  // pointer `out`: what unpack_packed(in, row0, n, ...) gives on the host. `in` must stay
  // unchanged until the stream has run it. Throws Internal for a block that does not fit.
  void unpack(const PackedSamples& in, uint64_t row0, uint64_t n, float* out, cudaStream_t stream);

 private:
  void reserve_segments(size_t nseg);

  size_t nchan_ = 0;
  uint64_t max_nsamp_ = 0;
  size_t seg_capacity_ = 0;
  DeviceBuffer<uint8_t> bytes_;
  DeviceBuffer<uint64_t> seg_end_;
  DeviceBuffer<float> scale_a_, scale_b_, offset_;
};

}  // namespace tianyan::cuda
