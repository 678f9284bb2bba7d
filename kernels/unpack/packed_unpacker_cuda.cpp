// cuda::PackedUnpacker (packed_unpacker.hpp) and unpack_packed_cuda (unpack_device.hpp).
#include <algorithm>

#include "kernels/common/backend_select.hpp"
#include "kernels/unpack/packed_unpacker.hpp"
#include "kernels/unpack/unpack_cuda_kernels.hpp"
#include "kernels/unpack/unpack_device.hpp"

namespace tianyan::cuda {

PackedUnpacker::PackedUnpacker(size_t nchan, uint64_t max_nsamp)
    : nchan_(nchan), max_nsamp_(max_nsamp), bytes_(planned_bytes(nchan, max_nsamp)) {}

void PackedUnpacker::reserve_segments(size_t nseg) {
  if (nseg <= seg_capacity_) return;
  // Doubling: a stream's blocks touch about the same number of rows each.
  seg_capacity_ = std::max<size_t>({nseg, 2 * seg_capacity_, 4});
  seg_end_ = DeviceBuffer<uint64_t>(seg_capacity_);
  scale_a_ = DeviceBuffer<float>(seg_capacity_ * nchan_);
  scale_b_ = DeviceBuffer<float>(seg_capacity_ * nchan_);
  offset_ = DeviceBuffer<float>(seg_capacity_ * nchan_);
}

void PackedUnpacker::unpack(const PackedSamples& in, uint64_t row0, uint64_t n, float* out,
                            cudaStream_t stream) {
  in.check();
  if (in.nchan != nchan_ || n > max_nsamp_ || row0 > in.nsamp || n > in.nsamp - row0) {
    throw internal_error(
        "PackedUnpacker: samples [{}, +{}) of a block of {} x {} channels; planned for {} x {}",
        row0, n, in.nsamp, in.nchan, max_nsamp_, nchan_);
  }
  if (n == 0) return;
  // The segments holding rows row0 .. row0 + n - 1.
  const auto first = static_cast<size_t>(
      std::upper_bound(in.seg_end.begin(), in.seg_end.end(), row0) - in.seg_end.begin());
  const auto last = static_cast<size_t>(
      std::lower_bound(in.seg_end.begin(), in.seg_end.end(), row0 + n) - in.seg_end.begin());
  const size_t nseg = last - first + 1;
  reserve_segments(nseg);
  const size_t rb = in.row_bytes();
  bytes_.upload(in.bytes.data() + row0 * rb, n * rb, stream);
  seg_end_.upload(in.seg_end.data() + first, nseg, stream);
  scale_a_.upload(in.scale_a.data() + first * nchan_, nseg * nchan_, stream);
  if (in.two_pols) scale_b_.upload(in.scale_b.data() + first * nchan_, nseg * nchan_, stream);
  offset_.upload(in.offset.data() + first * nchan_, nseg * nchan_, stream);
  packed::PackedView v;
  v.bytes = bytes_.data();
  v.seg_end = seg_end_.data();
  v.scale_a = scale_a_.data();
  v.scale_b = in.two_pols ? scale_b_.data() : nullptr;
  v.offset = offset_.data();
  v.nseg = nseg;
  v.first_sample = row0;
  v.nchan = nchan_;
  v.two_pols = in.two_pols;
  v.is_signed = in.is_signed;
  v.reversed = in.reversed;
  unpack_cuda::unpack(v, n, out, stream);
}

}  // namespace tianyan::cuda

namespace tianyan {

std::vector<float> unpack_packed_cuda(int device, const PackedSamples& in) {
  if (const auto problem = cuda_device_problem(device, query_cuda_devices())) {
    throw environment_error("CUDA unpacking cannot run: {}", *problem);
  }
  in.check();
  if (in.nsamp == 0) return {};
  cuda::DeviceScope scope(device);
  cuda::Stream stream;
  cuda::PackedUnpacker unpacker(in.nchan, in.nsamp);
  cuda::DeviceBuffer<float> out(in.nsamp * in.nchan);
  unpacker.unpack(in, 0, in.nsamp, out.data(), stream.get());
  std::vector<float> host(out.size());
  TIANYAN_CUDA_CHECK(
      cudaMemcpyAsync(host.data(), out.data(), out.bytes(), cudaMemcpyDeviceToHost, stream.get()));
  stream.synchronize("unpacking a block of 8-bit samples");
  return host;
}

}  // namespace tianyan
