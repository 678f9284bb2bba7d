#include "kernels/common/device_query.hpp"

namespace tianyan {

CudaStatus query_cuda_devices() {
  CudaStatus status;
  status.problem =
      "no CUDA device: this build of tianyan has no CUDA backend (configured with TIANYAN_CUDA=OFF)";
  return status;
}

}  // namespace tianyan
