// The CUDA unpacking kernel: one thread per output value around the readers' own element
// function (io/packed_element.hpp), which rounds every product and sum on its own, so the
// floats equal the host readers' bit for bit.
#include <algorithm>

#include "kernels/cuda/cuda_util.hpp"
#include "kernels/unpack/unpack_cuda_kernels.hpp"

namespace tianyan::unpack_cuda {
namespace {

constexpr unsigned kThreads = 256;
constexpr uint64_t kMaxGridY = 65535;  // CUDA's limit on gridDim.y

// x: output channels; y: samples, striding by the grid where a block has more than kMaxGridY.
__global__ void unpack_kernel(packed::PackedView v, uint64_t n, float* __restrict__ out) {
  const size_t j = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= v.nchan) return;
  for (uint64_t s = blockIdx.y; s < n; s += gridDim.y) {
    out[s * v.nchan + j] = packed::packed_value(v, s, packed::segment_of(v, s), j);
  }
}

}  // namespace

void unpack(const packed::PackedView& v, uint64_t n, float* out, cudaStream_t stream) {
  if (n == 0 || v.nchan == 0) return;
  const dim3 grid(static_cast<unsigned>((v.nchan + kThreads - 1) / kThreads),
                  static_cast<unsigned>(std::min(n, kMaxGridY)));
  unpack_kernel<<<grid, kThreads, 0, stream>>>(v, n, out);
  TIANYAN_CUDA_CHECK_LAUNCH("unpack_kernel");
}

}  // namespace tianyan::unpack_cuda
