#pragma once
// Launchers of the optimiser's grid kernels (fold_grid_cuda_kernels.cu): one thread per grid
// point, the point's work fold_grid_cuda_args.hpp's. C++17: nvcc compiles this header.
#include <cuda_runtime.h>

#include "kernels/fold/fold_grid_cuda_args.hpp"

namespace tianyan::fold_grid {

void dm_curve_points(const DmCurveArgs& a, cudaStream_t stream);
void freq_fdot_points(const FreqFdotArgs& a, cudaStream_t stream);

}  // namespace tianyan::fold_grid
