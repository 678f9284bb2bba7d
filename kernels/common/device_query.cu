#include <cuda_runtime.h>

#include "kernels/common/device_query.hpp"

namespace tianyan {

CudaStatus query_cuda_devices() {
  CudaStatus status;
  status.compiled = true;
  cudaRuntimeGetVersion(&status.runtime_version);
  if (cudaDriverGetVersion(&status.driver_version) != cudaSuccess || status.driver_version == 0) {
    status.problem = "no CUDA device: no NVIDIA driver is installed on this machine";
    return status;
  }
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    status.problem = std::string("no CUDA device: ") +
                     (err != cudaSuccess ? cudaGetErrorString(err) : "the driver reports none");
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return status;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    status.devices.push_back(CudaDevice{i, prop.name, prop.major, prop.minor, prop.totalGlobalMem,
                                        prop.multiProcessorCount});
  }
  if (status.devices.empty()) status.problem = "no CUDA device: properties could not be read";
  return status;
}

}  // namespace tianyan
