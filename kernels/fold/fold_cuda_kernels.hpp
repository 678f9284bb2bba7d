#pragma once
// Launchers of the CUDA folding kernels (fold_cuda_kernels.cu): the per-thread work is
// fold_cuda_args.hpp's, queued on `stream`. C++17: nvcc compiles this header.
#include <cuda_runtime.h>

#include "kernels/fold/fold_cuda_args.hpp"

namespace tianyan::fold_cuda {

// One thread per (subband, output): subband_output.
void form_subbands(const SubbandArgs& a, cudaStream_t stream);
// One thread per (member, subband, sub-integration): fold_cell.
void fold_group(const FoldArgs& a, cudaStream_t stream);
// last_y[s] = y[s * ystride + span - 1], s < nsub: the output before the next call's j0.
void keep_last(const float* y, int64_t ystride, int64_t span, uint32_t nsub, float* last_y,
               cudaStream_t stream);

}  // namespace tianyan::fold_cuda
