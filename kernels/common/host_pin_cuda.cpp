// HostPin on the CUDA runtime (kernels/common/host_pin.hpp).
#include <cuda_runtime.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "kernels/common/host_pin.hpp"

namespace tianyan {

HostPin::HostPin(void* p, size_t bytes, const char* what) {
  if (p == nullptr || bytes == 0) return;
  // Already page-locked (a caller pinned a larger buffer this one lies in): nothing to do, and
  // registering it again would fail.
  cudaPointerAttributes attr{};
  if (cudaPointerGetAttributes(&attr, p) == cudaSuccess && attr.type == cudaMemoryTypeHost) {
    return;
  }
  cudaGetLastError();
  // Portable: every device of a multi-GPU node sees the range as pinned.
  const cudaError_t err = cudaHostRegister(p, bytes, cudaHostRegisterPortable);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the error so the next checked call does not report it
    spdlog::warn("{} ({:.1f} MB) could not be pinned for CUDA copies ({}); copies of it run "
                 "at pageable speed",
                 what, static_cast<double>(bytes) / 1e6, cudaGetErrorString(err));
    return;
  }
  p_ = p;
  bytes_ = bytes;
}

void HostPin::release() {
  if (p_ != nullptr) cudaHostUnregister(p_);  // never throws: called from the destructor
  p_ = nullptr;
  bytes_ = 0;
}

HostPin::~HostPin() { release(); }

HostPin::HostPin(HostPin&& o) noexcept
    : p_(std::exchange(o.p_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}

HostPin& HostPin::operator=(HostPin&& o) noexcept {
  if (this != &o) {
    release();
    p_ = std::exchange(o.p_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

}  // namespace tianyan
