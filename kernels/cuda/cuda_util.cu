#include "kernels/cuda/cuda_util.hpp"

namespace tianyan::cuda {

void check(cudaError_t err, const char* what, const char* file, int line) {
  if (err == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so that the next call starts clean
  const char* name = cudaGetErrorName(err);
  const char* text = cudaGetErrorString(err);
  switch (err) {
    case cudaErrorMemoryAllocation:
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorDevicesUnavailable:
    case cudaErrorECCUncorrectable:
    case cudaErrorInvalidDevice:
      throw environment_error("CUDA: {} failed: {} ({})", what, text, name);
    default:
      throw internal_error("CUDA: {} failed at {}:{}: {} ({})", what, file, line, text, name);
  }
}

DeviceScope::DeviceScope(int device) {
  TIANYAN_CUDA_CHECK(cudaGetDevice(&previous_));
  TIANYAN_CUDA_CHECK(cudaSetDevice(device));
}

DeviceScope::~DeviceScope() { cudaSetDevice(previous_); }

std::pair<size_t, size_t> memory_info() {
  size_t free = 0, total = 0;
  TIANYAN_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return {free, total};
}

void Stream::synchronize(const char* what) const {
  check(cudaStreamSynchronize(s_), what, __FILE__, __LINE__);
}

}  // namespace tianyan::cuda
