#pragma once
// The CUDA folding engine (fold_cuda.cpp, kernels in fold_cuda_kernels.cu), behind
// make_folder(Backend::Cuda). Builds without the CUDA backend get a stand-in
// (fold_cuda_nocuda.cpp) that throws Environment.
#include <memory>
#include <vector>

#include "kernels/fold/folder.hpp"

namespace tianyan::fold_detail {

// Same arguments and contract as StreamFolder, on CUDA device `device`. Throws Environment
// when the device cannot run it or its free memory cannot hold the cubes and a tile of rows.
std::unique_ptr<Folder> make_folder_cuda(int device, FoldBand band, size_t nsubband,
                                         std::vector<FoldSpec> specs, double max_smear_bins);

}  // namespace tianyan::fold_detail
