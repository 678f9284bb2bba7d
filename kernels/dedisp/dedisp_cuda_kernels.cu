// CUDA kernels of subband dedispersion: the launch geometry around the per-element functions
// of dedisp_cuda_elements.hpp. Each output value is added by one thread in the same
// order as the CPU code (dedisp_subband_cpu.cpp: channels in ascending order, then subbands,
// then the downsampled samples), with plain single-precision adds that nvcc cannot contract
// into FMAs, so the two backends give the same bits.
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/dedisp/dedisp_cuda_kernels.hpp"

namespace tianyan::dedisp_cuda {
namespace {

constexpr int kTile = 32;
constexpr int kThreads = 256;
constexpr unsigned kMaxGridY = 65535;

// Through shared memory so that both the reads (channels) and the writes (time) are
// coalesced; the +1 column keeps the transposed reads free of bank conflicts.
__global__ void transpose_kernel(const float* __restrict__ in, uint64_t nsamp, int nchan,
                                 float* __restrict__ x, uint64_t stride) {
  __shared__ float tile[kTile][kTile + 1];
  const uint64_t t0 = static_cast<uint64_t>(blockIdx.x) * kTile;
  const int c0 = static_cast<int>(blockIdx.y) * kTile;
  for (int r = threadIdx.y; r < kTile; r += blockDim.y) {
    const uint64_t t = t0 + r;
    const int c = c0 + threadIdx.x;
    if (t < nsamp && c < nchan) tile[r][threadIdx.x] = in[t * nchan + c];
  }
  __syncthreads();
  for (int r = threadIdx.y; r < kTile; r += blockDim.y) {
    const int c = c0 + r;
    const uint64_t t = t0 + threadIdx.x;
    if (t < nsamp && c < nchan) x[static_cast<uint64_t>(c) * stride + t] = tile[threadIdx.x][r];
  }
}

__global__ void form_kernel(FormArgs a) {
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (int s = blockIdx.y; s < a.nsub; s += gridDim.y) {
    if (i < form_length(a, s)) a.sub[static_cast<uint64_t>(s) * a.sub_stride + i] = form_element(a, s, i);
  }
}

__global__ void combine_kernel(CombineArgs a) {
  const uint64_t j = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= a.nout) return;
  for (int k = blockIdx.y; k < a.ntrials; k += gridDim.y) {
    a.out[static_cast<uint64_t>(k) * a.row_stride + j] = combine_element(a, k, j);
  }
}

unsigned blocks_for(uint64_t n, int per_block) {
  return static_cast<unsigned>((n + per_block - 1) / per_block);
}

}  // namespace

void transpose(const float* in, uint64_t nsamp, int nchan, float* x, uint64_t stride,
               cudaStream_t stream) {
  if (nsamp == 0 || nchan == 0) return;
  const dim3 grid(blocks_for(nsamp, kTile), blocks_for(static_cast<uint64_t>(nchan), kTile));
  transpose_kernel<<<grid, dim3(kTile, 8), 0, stream>>>(in, nsamp, nchan, x, stride);
  TIANYAN_CUDA_CHECK_LAUNCH("transpose_kernel");
}

void form_subbands(const FormArgs& a, cudaStream_t stream) {
  if (a.max_len == 0 || a.nsub == 0) return;
  const dim3 grid(blocks_for(a.max_len, kThreads), a.nsub < static_cast<int>(kMaxGridY) ? a.nsub : kMaxGridY);
  form_kernel<<<grid, kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("form_kernel");
}

void combine_subbands(const CombineArgs& a, cudaStream_t stream) {
  if (a.nout == 0 || a.ntrials == 0) return;
  const dim3 grid(blocks_for(a.nout, kThreads),
                  a.ntrials < static_cast<int>(kMaxGridY) ? a.ntrials : kMaxGridY);
  combine_kernel<<<grid, kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("combine_kernel");
}

}  // namespace tianyan::dedisp_cuda
