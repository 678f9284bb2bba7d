#pragma once
// Launchers of the CUDA subband dedispersion kernels (dedisp_cuda_kernels.cu): raw device
// pointers in, work queued on `stream`. The host class (dedisp_subband_cuda.cpp) owns the
// memory and the tables (subband_plan.hpp). C++17: nvcc compiles this header.
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/dedisp/dedisp_cuda_elements.hpp"

namespace tianyan::dedisp_cuda {

// Time-major in[t * nchan + c], t < nsamp -> channel-major x[c * stride + t].
void transpose(const float* in, uint64_t nsamp, int nchan, float* x, uint64_t stride,
               cudaStream_t stream);

// Stage 1 and stage 2 of one group, over every element (dedisp_cuda_elements.hpp).
void form_subbands(const FormArgs& a, cudaStream_t stream);

void combine_subbands(const CombineArgs& a, cudaStream_t stream);

}  // namespace tianyan::dedisp_cuda
