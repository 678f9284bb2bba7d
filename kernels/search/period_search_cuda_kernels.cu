// CUDA kernels of the periodicity search: the launch geometry around the per-element functions
// of search_elements.hpp, which the CPU path calls too. Series of a batch sit on gridDim.y.
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include "kernels/accel/accel_elements.hpp"
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/search/period_search_cuda_kernels.hpp"

namespace tianyan::search_cuda {
namespace {

using search_elements::ScaleSegment;

constexpr int kThreads = 256;
// Per series, BaselineArgs::chunk holds the chunk sums (then their exclusive scan) and after
// them each chunk's sum of y and y^2: 3 doubles per chunk.
constexpr uint64_t kChunkStride = 3;
constexpr int kPerThread = static_cast<int>(kChunk) / kThreads;  // 4 samples per thread
static_assert(kPerThread * kThreads == static_cast<int>(kChunk), "a chunk is whole threads");

dim3 grid_of(uint64_t nx, int nser) {
  return dim3(static_cast<unsigned>(nx), static_cast<unsigned>(nser));
}

uint64_t blocks_for(uint64_t n, uint64_t per_block) { return (n + per_block - 1) / per_block; }

// ---- Baseline ---------------------------------------------------------------------------------

// chunk[b][c] = the sum of chunk c of series b, in double.
__global__ void chunk_sum_kernel(BaselineArgs a, uint64_t nchunks) {
  using Reduce = cub::BlockReduce<double, kThreads>;
  __shared__ typename Reduce::TempStorage tmp;
  const float* x = a.x + blockIdx.y * a.x_stride;
  const uint64_t i0 = blockIdx.x * kChunk + threadIdx.x * kPerThread;
  double s = 0;
  for (int u = 0; u < kPerThread; ++u) {
    if (i0 + u < a.nsamp) s += static_cast<double>(x[i0 + u]);
  }
  const double total = Reduce(tmp).Sum(s);
  if (threadIdx.x == 0) a.chunk[blockIdx.y * kChunkStride * nchunks + blockIdx.x] = total;
}

// Exclusive scan of the chunk sums, one thread per series (a few thousand chunks at most).
__global__ void scan_chunks_kernel(BaselineArgs a, uint64_t nchunks) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= a.nser) return;
  double* c = a.chunk + static_cast<uint64_t>(b) * kChunkStride * nchunks;
  double run = 0;
  for (uint64_t k = 0; k < nchunks; ++k) {
    const double v = c[k];
    c[k] = run;
    run += v;
  }
}

// prefix[b][i + 1] = sum of x[0..i], prefix[b][0] = 0.
__global__ void prefix_kernel(BaselineArgs a, uint64_t nchunks) {
  using Scan = cub::BlockScan<double, kThreads>;
  __shared__ typename Scan::TempStorage tmp;
  const float* x = a.x + blockIdx.y * a.x_stride;
  double* prefix = a.prefix + blockIdx.y * (a.nsamp + 1);
  const uint64_t i0 = blockIdx.x * kChunk + threadIdx.x * kPerThread;
  double v[kPerThread];
  for (int u = 0; u < kPerThread; ++u) {
    v[u] = i0 + u < a.nsamp ? static_cast<double>(x[i0 + u]) : 0.0;
  }
  Scan(tmp).InclusiveSum(v, v);
  const double offset = a.chunk[blockIdx.y * kChunkStride * nchunks + blockIdx.x];
  for (int u = 0; u < kPerThread; ++u) {
    if (i0 + u < a.nsamp) prefix[i0 + u + 1] = offset + v[u];
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) prefix[0] = 0;
}

// x <- x - its running mean (rounded to float, as the CPU does, so that a constant series gives
// exact zeros); chunk[b][nchunks + 2c ..] = the chunk's sum of y and y^2.
__global__ void subtract_mean_kernel(BaselineArgs a, uint64_t nchunks, uint64_t window) {
  using Reduce = cub::BlockReduce<double, kThreads>;
  __shared__ typename Reduce::TempStorage tmp;
  float* x = a.x + blockIdx.y * a.x_stride;
  const double* prefix = a.prefix + blockIdx.y * (a.nsamp + 1);
  const uint64_t i0 = blockIdx.x * kChunk + threadIdx.x * kPerThread;
  const double inv_window = 1.0 / static_cast<double>(window);
  double sy = 0, syy = 0;
  for (int u = 0; u < kPerThread; ++u) {
    const uint64_t i = i0 + u;
    if (i >= a.nsamp) break;
    const float y =
        x[i] - search_elements::running_mean(prefix, i, a.nsamp, a.before, a.after, inv_window);
    x[i] = y;
    sy += y;
    syy += static_cast<double>(y) * y;
  }
  const double t_sy = Reduce(tmp).Sum(sy);
  __syncthreads();  // the temporary storage is reused
  const double t_syy = Reduce(tmp).Sum(syy);
  if (threadIdx.x == 0) {
    double* c = a.chunk + blockIdx.y * kChunkStride * nchunks + nchunks;
    c[2 * blockIdx.x] = t_sy;
    c[2 * blockIdx.x + 1] = t_syy;
  }
}

__global__ void residual_stats_kernel(BaselineArgs a, uint64_t nchunks) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= a.nser) return;
  const double* c = a.chunk + static_cast<uint64_t>(b) * kChunkStride * nchunks + nchunks;
  double sy = 0, syy = 0;
  for (uint64_t k = 0; k < nchunks; ++k) sy += c[2 * k], syy += c[2 * k + 1];
  const double n = static_cast<double>(a.nsamp);
  const double m = sy / n;
  const double var = syy / n - m * m;
  float* ms = a.mean_scale + 2 * b;
  if (!(var > 0)) {
    ms[0] = 0, ms[1] = 0;
  } else {
    ms[0] = static_cast<float>(m), ms[1] = static_cast<float>(1.0 / sqrt(var));
  }
}

// (y - m) / sd over the series, zeros to nfft (and everywhere for a constant series).
__global__ void standardise_kernel(BaselineArgs a) {
  float* x = a.x + blockIdx.y * a.x_stride;
  const float m = a.mean_scale[2 * blockIdx.y], inv_sd = a.mean_scale[2 * blockIdx.y + 1];
  const uint64_t i = static_cast<uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (i >= a.nfft) return;
  x[i] = i < a.nsamp && inv_sd > 0 ? search_elements::mul_rn(x[i] - m, inv_sd) : 0.0f;
}

// ---- Whitening --------------------------------------------------------------------------------

__device__ uint32_t power_bits(const float* f, uint64_t k) {
  return __float_as_uint(search_elements::power_of(f[2 * k], f[2 * k + 1]));
}

// The exact k-th smallest power of a block by radix selection, 8 bits a pass from the top:
// powers are >= +0, so their bit patterns order as the values do.
__global__ void block_median_kernel(WhitenArgs a) {
  __shared__ uint32_t hist[256];
  __shared__ uint32_t s_prefix, s_mask, s_rank;
  const float* f = a.spec + blockIdx.y * a.spec_stride;
  const uint64_t lo = a.block_lo[blockIdx.x], hi = a.block_hi[blockIdx.x];
  if (threadIdx.x == 0) {
    s_prefix = 0, s_mask = 0;
    s_rank = static_cast<uint32_t>((hi - lo) / 2);
  }
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int d = threadIdx.x; d < 256; d += blockDim.x) hist[d] = 0;
    __syncthreads();
    const uint32_t prefix = s_prefix, mask = s_mask;
    for (uint64_t k = lo + threadIdx.x; k < hi; k += blockDim.x) {
      const uint32_t u = power_bits(f, k);
      if ((u & mask) == prefix) atomicAdd(&hist[(u >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      uint32_t rank = s_rank, d = 0;
      while (hist[d] <= rank) rank -= hist[d++];  // the rank lies inside the block, so d < 256
      s_rank = rank;
      s_prefix = prefix | (d << shift);
      s_mask = mask | (255u << shift);
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const float median = __uint_as_float(s_prefix);
    a.scale[blockIdx.y * a.nblocks + blockIdx.x] =
        static_cast<float>(static_cast<double>(median) / a.expected[blockIdx.x]);
  }
}

__global__ void segments_kernel(WhitenArgs a) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= a.nser) return;
  const float* scale = a.scale + static_cast<uint64_t>(b) * a.nblocks;
  ScaleSegment* segs = a.segs + static_cast<uint64_t>(b) * (a.nblocks + 1);
  search_elements::SegmentMaker maker(a.nbins);
  uint32_t n = 0;
  for (int k = 0; k < a.nblocks; ++k) {
    if (maker.add(a.block_lo[k], a.block_hi[k], scale[k], &segs[n])) ++n;
  }
  if (maker.finish(&segs[n])) ++n;
  a.nsegs[b] = n;
}

// The last index i < n with key(i) <= v, or n when none (keys ascending).
template <typename Key>
__device__ uint64_t last_at_or_below(uint64_t n, uint64_t v, Key key) {
  uint64_t lo = 0, hi = n;  // the answer + 1 lies in [lo, hi]
  while (lo < hi) {
    const uint64_t mid = (lo + hi) / 2;
    if (key(mid) <= v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? n : lo - 1;
}

__global__ void scale_zap_kernel(WhitenArgs a) {
  const uint64_t k = static_cast<uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (k >= a.nbins) return;
  float* f = a.spec + blockIdx.y * a.spec_stride;
  const uint32_t nsegs = a.nsegs[blockIdx.y];
  float gain = 0;  // bin 0 (the mean) and an all-zero spectrum
  if (k > 0 && nsegs > 0) {
    const ScaleSegment* segs = a.segs + blockIdx.y * static_cast<uint64_t>(a.nblocks + 1);
    const uint64_t i = last_at_or_below(nsegs, k, [&](uint64_t m) { return segs[m].k0; });
    gain = search_elements::segment_gain(segs[i], k);
  }
  if (a.nzaps > 0) {
    const uint64_t z = last_at_or_below(static_cast<uint64_t>(a.nzaps), k,
                                        [&](uint64_t m) { return a.zap_lo[m]; });
    if (z < static_cast<uint64_t>(a.nzaps) && k <= a.zap_hi[z]) gain = 0;
  }
  if (gain == 0) {
    f[2 * k] = 0, f[2 * k + 1] = 0;
  } else {
    f[2 * k] = search_elements::mul_rn(f[2 * k], gain);
    f[2 * k + 1] = search_elements::mul_rn(f[2 * k + 1], gain);
  }
}

__global__ void half_bin_kernel(const float* spec, uint64_t spec_stride, uint64_t nbins,
                                float* p, uint64_t p_stride) {
  const uint64_t k = static_cast<uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (k >= nbins) return;
  const float* f = spec + blockIdx.y * spec_stride;
  float* out = p + blockIdx.y * p_stride;
  if (k + 1 < nbins) {
    search_elements::half_bin_pair(f[2 * k], f[2 * k + 1], f[2 * k + 2], f[2 * k + 3], &out[2 * k],
                                   &out[2 * k + 1]);
  } else {
    out[2 * k] = search_elements::power_of(f[2 * k], f[2 * k + 1]);
  }
}

// ---- Acceleration resampling ------------------------------------------------------------------

__global__ void resample_accel_kernel(const float* x, float* xa, uint64_t stride, uint64_t nsamp,
                                      uint64_t nfft, double e, double m) {
  const uint64_t k = static_cast<uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (k >= nfft) return;
  const float* in = x + blockIdx.y * stride;
  float* out = xa + blockIdx.y * stride;
  out[k] = k < nsamp ? in[accel_elements::source_sample(static_cast<int64_t>(k), e, m,
                                                        static_cast<int64_t>(nsamp))]
                     : 0.0f;
}

// ---- Harmonic sums ----------------------------------------------------------------------------

__device__ void keep_point(const HarmonicArgs& a, uint64_t j, float v, int s) {
  const uint32_t idx = atomicAdd(&a.count[blockIdx.y], 1u);
  if (idx < a.capacity) {
    a.points[static_cast<uint64_t>(blockIdx.y) * a.capacity + idx] = HarmonicPoint{j, v, s};
  }
}

__global__ void harmonic_kernel(HarmonicArgs a) {
  const uint64_t j = a.j_begin + static_cast<uint64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (j >= a.j_end) return;
  const float* p = a.p + blockIdx.y * a.p_stride;
  float sum = p[j];
  if (j >= a.lo[0] && j < a.hi[0] && sum >= a.threshold[0]) keep_point(a, j, sum, 0);
  for (int s = 1; s < a.nstages; ++s) {
    sum = search_elements::harmonic_stage_add(p, j, s, sum);
    if (j >= a.lo[s] && j < a.hi[s] && sum >= a.threshold[s]) keep_point(a, j, sum, s);
  }
}

}  // namespace

void remove_baseline(const BaselineArgs& a, cudaStream_t stream) {
  if (a.nser == 0 || a.nsamp == 0) return;
  const uint64_t nchunks = chunks_of(a.nsamp);
  const uint64_t window = a.before + a.after + 1;
  const unsigned per_series_blocks = static_cast<unsigned>(blocks_for(a.nser, kThreads));
  chunk_sum_kernel<<<grid_of(nchunks, a.nser), kThreads, 0, stream>>>(a, nchunks);
  TIANYAN_CUDA_CHECK_LAUNCH("chunk_sum_kernel");
  scan_chunks_kernel<<<per_series_blocks, kThreads, 0, stream>>>(a, nchunks);
  TIANYAN_CUDA_CHECK_LAUNCH("scan_chunks_kernel");
  prefix_kernel<<<grid_of(nchunks, a.nser), kThreads, 0, stream>>>(a, nchunks);
  TIANYAN_CUDA_CHECK_LAUNCH("prefix_kernel");
  subtract_mean_kernel<<<grid_of(nchunks, a.nser), kThreads, 0, stream>>>(a, nchunks, window);
  TIANYAN_CUDA_CHECK_LAUNCH("subtract_mean_kernel");
  residual_stats_kernel<<<per_series_blocks, kThreads, 0, stream>>>(a, nchunks);
  TIANYAN_CUDA_CHECK_LAUNCH("residual_stats_kernel");
  standardise_kernel<<<grid_of(blocks_for(a.nfft, kThreads), a.nser), kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("standardise_kernel");
}

void whiten(const WhitenArgs& a, cudaStream_t stream) {
  if (a.nser == 0 || a.nbins == 0) return;
  if (a.nblocks > 0) {
    block_median_kernel<<<grid_of(static_cast<uint64_t>(a.nblocks), a.nser), kThreads, 0,
                          stream>>>(a);
    TIANYAN_CUDA_CHECK_LAUNCH("block_median_kernel");
    segments_kernel<<<static_cast<unsigned>(blocks_for(a.nser, 64)), 64, 0, stream>>>(a);
    TIANYAN_CUDA_CHECK_LAUNCH("segments_kernel");
  } else {
    TIANYAN_CUDA_CHECK(cudaMemsetAsync(a.nsegs, 0, sizeof(uint32_t) * a.nser, stream));
  }
  scale_zap_kernel<<<grid_of(blocks_for(a.nbins, kThreads), a.nser), kThreads, 0, stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("scale_zap_kernel");
}

void half_bin_powers(const float* spec, uint64_t spec_stride, uint64_t nbins, float* p,
                     uint64_t p_stride, int nser, cudaStream_t stream) {
  if (nser == 0 || nbins == 0) return;
  half_bin_kernel<<<grid_of(blocks_for(nbins, kThreads), nser), kThreads, 0, stream>>>(
      spec, spec_stride, nbins, p, p_stride);
  TIANYAN_CUDA_CHECK_LAUNCH("half_bin_kernel");
}

void resample_accel(const float* x, float* xa, uint64_t stride, uint64_t nsamp, uint64_t nfft,
                    double e, double m, int nser, cudaStream_t stream) {
  if (nser == 0 || nfft == 0) return;
  resample_accel_kernel<<<grid_of(blocks_for(nfft, kThreads), nser), kThreads, 0, stream>>>(
      x, xa, stride, nsamp, nfft, e, m);
  TIANYAN_CUDA_CHECK_LAUNCH("resample_accel_kernel");
}

void harmonic_points(const HarmonicArgs& a, cudaStream_t stream) {
  if (a.nser == 0 || a.j_end <= a.j_begin) return;
  harmonic_kernel<<<grid_of(blocks_for(a.j_end - a.j_begin, kThreads), a.nser), kThreads, 0,
                    stream>>>(a);
  TIANYAN_CUDA_CHECK_LAUNCH("harmonic_kernel");
}

}  // namespace tianyan::search_cuda
