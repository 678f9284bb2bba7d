// CUDA kernels of the RFI stage: the launch geometry around the per-element functions of
// rfi_elements.hpp. Every value is computed by one thread (or, for sums over channels, by the
// kLanes threads of a half-warp, one per CPU vector lane, combined in lane order) in the CPU's
// order and without FMA contraction, so the two backends give the same bits.
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/rfi/rfi_cuda_kernels.hpp"
#include "kernels/rfi/rfi_elements.hpp"

namespace tianyan::rfi_cuda {
namespace {

using namespace rfi_elements;

constexpr int kThreads = 256;
constexpr int kRowsPerBlock = kThreads / static_cast<int>(kLanes);  // one half-warp per row
constexpr int kSortThreads = 512;

unsigned blocks_for(uint64_t n, uint64_t per_block) {
  return static_cast<unsigned>((n + per_block - 1) / per_block);
}

__global__ void moment_kernel(const float* __restrict__ block, uint64_t n, size_t nchan,
                              const float* __restrict__ shift, uint64_t chunk,
                              float* __restrict__ partials) {
  const size_t c = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= nchan) return;
  const uint64_t k = blockIdx.y;
  const uint64_t t0 = k * chunk;
  const uint64_t t1 = t0 + chunk < n ? t0 + chunk : n;
  float s[4];
  chunk_moments(block, t0, t1, nchan, c, shift[c], s);
  for (int q = 0; q < 4; ++q) partials[(k * 4 + q) * nchan + c] = s[q];
}

// Ascending bitonic sort of the p (a power of two) floats of shared memory `v`.
__device__ void bitonic_sort(float* v, unsigned p) {
  for (unsigned k = 2; k <= p; k <<= 1) {
    for (unsigned j = k >> 1; j > 0; j >>= 1) {
      for (unsigned i = threadIdx.x; i < p; i += blockDim.x) {
        const unsigned ixj = i ^ j;
        if (ixj > i) {
          const float a = v[i], b = v[ixj];
          const bool up = (i & k) == 0;
          if (up ? a > b : a < b) {
            v[i] = b;
            v[ixj] = a;
          }
        }
      }
      __syncthreads();
    }
  }
}

// One block per channel: the subsample sorted in shared memory (padded with +inf to p), its
// median, then the absolute deviations sorted for the MAD.
__global__ void robust_kernel(const float* __restrict__ block, uint64_t stride, uint64_t m,
                              unsigned p, size_t nchan, float* __restrict__ median,
                              float* __restrict__ mad) {
  extern __shared__ float v[];
  __shared__ float med;
  const size_t c = blockIdx.x;
  for (unsigned i = threadIdx.x; i < p; i += blockDim.x) {
    v[i] = i < m ? block[i * stride * nchan + c] : INFINITY;
  }
  __syncthreads();
  bitonic_sort(v, p);
  if (threadIdx.x == 0) med = median_of_sorted(v, m);
  __syncthreads();
  const float centre = med;
  for (unsigned i = threadIdx.x; i < p; i += blockDim.x) {
    v[i] = i < m ? fabsf(v[i] - centre) : INFINITY;
  }
  __syncthreads();
  bitonic_sort(v, p);
  if (threadIdx.x == 0) {
    median[c] = centre;
    mad[c] = median_of_sorted(v, m);
  }
}

__global__ void clip_kernel(ClipArgs a) {
  __shared__ float acc[kRowsPerBlock][kLanes];
  const unsigned lane = threadIdx.x % kLanes, r = threadIdx.x / kLanes;
  const uint64_t t = static_cast<uint64_t>(blockIdx.x) * kRowsPerBlock + r;
  acc[r][lane] = t < a.n ? clip_lane(a, t, lane) : 0.0f;
  __syncwarp();  // a row's lanes are one half of a warp
  if (lane == 0 && t < a.n) a.zsum[t] = clip_value(a, acc[r]);
}

__global__ void clean_kernel(CleanArgs a) {
  __shared__ float acc[kRowsPerBlock][kLanes];
  const unsigned lane = threadIdx.x % kLanes, r = threadIdx.x / kLanes;
  const uint64_t t = static_cast<uint64_t>(blockIdx.x) * kRowsPerBlock + r;
  const bool active = t < a.n;
  if (active) clean_lane(a, t, lane);
  // Each lane reads back only the channels it wrote, so the lanes need no barrier before.
  const bool filter = active && zero_dm_row(a, t);
  acc[r][lane] = filter ? zero_dm_lane(a, t, lane) : 0.0f;
  __syncwarp();
  if (filter) zero_dm_lane_apply(a, t, lane, acc[r]);
}

}  // namespace

void moment_sums(const float* block, uint64_t n, size_t nchan, const float* shift,
                 uint64_t chunk, float* partials, cudaStream_t stream) {
  if (n == 0 || nchan == 0) return;
  const dim3 grid(blocks_for(nchan, 128), blocks_for(n, chunk));
  moment_kernel<<<grid, 128, 0, stream>>>(block, n, nchan, shift, chunk, partials);
  TIANYAN_CUDA_CHECK_LAUNCH("moment_kernel");
}

void robust_stats(const float* block, uint64_t stride, uint64_t m, size_t nchan, float* median,
                  float* mad, cudaStream_t stream) {
  if (m == 0 || nchan == 0) return;
  if (m > kMaxRobust) {
    throw internal_error("rfi cuda: robust subsample of {} samples (at most {})", m, kMaxRobust);
  }
  unsigned p = 1;
  while (p < m) p <<= 1;
  robust_kernel<<<static_cast<unsigned>(nchan), kSortThreads, p * sizeof(float), stream>>>(
      block, stride, m, p, nchan, median, mad);
  TIANYAN_CUDA_CHECK_LAUNCH("robust_kernel");
}

void clip_series(const ClipArgs& a, cudaStream_t stream) {
  if (a.n == 0 || a.nchan == 0) return;
  clip_kernel<<<blocks_for(a.n, kRowsPerBlock), kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("clip_kernel");
}

void clean_block(const CleanArgs& a, cudaStream_t stream) {
  if (a.n == 0 || a.nchan == 0) return;
  clean_kernel<<<blocks_for(a.n, kRowsPerBlock), kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("clean_kernel");
}

}  // namespace tianyan::rfi_cuda
