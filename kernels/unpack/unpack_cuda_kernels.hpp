#pragma once
// Launcher of the CUDA unpacking kernel (unpack_cuda_kernels.cu): a view of device memory in,
// work queued on `stream`. The host class (packed_unpacker_cuda.cpp) owns the memory.
// C++17: nvcc compiles this header.
#include <cuda_runtime.h>

#include <cstdint>

#include "io/packed_element.hpp"

namespace tianyan::unpack_cuda {

// out[s * v.nchan + j] = packed_value(v, s, segment_of(v, s), j) for s < n, j < v.nchan.
void unpack(const packed::PackedView& v, uint64_t n, float* out, cudaStream_t stream);

}  // namespace tianyan::unpack_cuda
