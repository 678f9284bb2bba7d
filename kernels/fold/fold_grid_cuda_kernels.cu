// The optimiser's grid points on the GPU: thin grids around fold_grid_cuda_args.hpp.
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/fold/fold_grid_cuda_kernels.hpp"

namespace tianyan::fold_grid {
namespace {

constexpr unsigned kThreads = 128;

__global__ void dm_curve_kernel(DmCurveArgs a) {
  const uint32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k < a.nw) dm_curve_point(a, k);
}

__global__ void freq_fdot_kernel(FreqFdotArgs a) {
  const uint64_t p = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p < static_cast<uint64_t>(a.nrow) * a.ncol) freq_fdot_point(a, p);
}

}  // namespace

void dm_curve_points(const DmCurveArgs& a, cudaStream_t stream) {
  if (a.nw == 0) return;
  dm_curve_kernel<<<(a.nw + kThreads - 1) / kThreads, kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("dm_curve_kernel");
}

void freq_fdot_points(const FreqFdotArgs& a, cudaStream_t stream) {
  const uint64_t n = static_cast<uint64_t>(a.nrow) * a.ncol;
  if (n == 0) return;
  freq_fdot_kernel<<<static_cast<unsigned>((n + kThreads - 1) / kThreads), kThreads, 0,
                     stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("freq_fdot_kernel");
}

}  // namespace tianyan::fold_grid
