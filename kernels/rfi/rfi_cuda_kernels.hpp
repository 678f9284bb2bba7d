#pragma once
// Launchers of the CUDA RFI kernels (rfi_cuda_kernels.cu): raw device pointers in, work
// queued on `stream`. The host class (rfi_clean_cuda.cpp) owns the memory and makes the
// per-block decisions with the CPU's own functions. C++17: nvcc compiles this header.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/rfi/rfi_elements.hpp"

namespace tianyan::rfi_cuda {

// The largest robust subsample (robust_count of any block, rfi_cpu.hpp) a kernel sorts.
constexpr uint64_t kMaxRobust = 8192;

// partials[(k * 4 + q) * nchan + c] = sum over chunk k of rows (rows / `chunk` of them, the
// last one short) of (x - shift[c])^(q + 1), in the CPU's order (rfi_elements.hpp).
void moment_sums(const float* block, uint64_t n, size_t nchan, const float* shift,
                 uint64_t chunk, float* partials, cudaStream_t stream);

// median[c] and mad[c] of the m samples block[(i * stride) * nchan + c], i < m <= kMaxRobust
// (exact order statistics, as the CPU's selection finds them).
void robust_stats(const float* block, uint64_t stride, uint64_t m, size_t nchan, float* median,
                  float* mad, cudaStream_t stream);

// The clipping series and the cleaned block over every row (rfi_elements.hpp).
void clip_series(const rfi_elements::ClipArgs& a, cudaStream_t stream);
void clean_block(const rfi_elements::CleanArgs& a, cudaStream_t stream);

}  // namespace tianyan::rfi_cuda
