#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/fold/fold_cuda.hpp"

namespace tianyan::fold_detail {

std::unique_ptr<Folder> make_folder_cuda(int, FoldBand, size_t, std::vector<FoldSpec>, double) {
  throw environment_error("the CUDA folding engine cannot run: {}", query_cuda_devices().problem);
}

}  // namespace tianyan::fold_detail
