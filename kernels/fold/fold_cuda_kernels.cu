// The folding engine's kernels: thin grids around fold_cuda_args.hpp, whose functions the
// element test also runs on the host.
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/fold/fold_cuda_kernels.hpp"

namespace tianyan::fold_cuda {
namespace {

constexpr unsigned kThreads = 256;

__global__ void form_subbands_kernel(SubbandArgs a) {
  const int64_t jj = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (jj < a.span) subband_output(a, blockIdx.y, jj);
}

__global__ void fold_group_kernel(FoldArgs a) {
  const uint64_t id = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const uint64_t per_member = static_cast<uint64_t>(a.nsub) * a.max_nk;
  if (id >= per_member * a.nmembers) return;
  const auto mi = static_cast<uint32_t>(id / per_member);
  const uint64_t rest = id % per_member;
  // Subbands fastest: neighbouring threads read neighbouring series rows of one request.
  fold_cell(a, mi, static_cast<uint32_t>(rest % a.nsub), static_cast<uint32_t>(rest / a.nsub));
}

__global__ void keep_last_kernel(const float* y, int64_t ystride, int64_t span, uint32_t nsub,
                                 float* last_y) {
  const unsigned s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s < nsub) last_y[s] = y[static_cast<size_t>(s) * ystride + span - 1];
}

}  // namespace

void form_subbands(const SubbandArgs& a, cudaStream_t stream) {
  if (a.span <= 0 || a.nsub == 0) return;
  const dim3 grid(static_cast<unsigned>((a.span + kThreads - 1) / kThreads), a.nsub);
  form_subbands_kernel<<<grid, kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("form_subbands_kernel");
}

void fold_group(const FoldArgs& a, cudaStream_t stream) {
  const uint64_t n = static_cast<uint64_t>(a.nmembers) * a.nsub * a.max_nk;
  if (n == 0 || a.j1 <= a.j0) return;
  fold_group_kernel<<<static_cast<unsigned>((n + kThreads - 1) / kThreads), kThreads, 0,
                      stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("fold_group_kernel");
}

void keep_last(const float* y, int64_t ystride, int64_t span, uint32_t nsub, float* last_y,
               cudaStream_t stream) {
  if (span <= 0 || nsub == 0) return;
  keep_last_kernel<<<(nsub + kThreads - 1) / kThreads, kThreads, 0, stream>>>(y, ystride, span,
                                                                              nsub, last_y);
  TIANYAN_CUDA_CHECK_LAUNCH("keep_last_kernel");
}

}  // namespace tianyan::fold_cuda
