#pragma once
// Page-locks ("pins") host memory that CUDA stages copy to and from, for the object's
// lifetime. Copies from pageable memory are staged by the driver through its own pinned
// bounce buffer at roughly half the bus speed, and a cudaMemcpyAsync from pageable memory
// does not overlap with kernels; pinned, they run at full PCIe speed and asynchronously.
// Pinning is an optimisation only: where it fails (no device, a locked-memory limit) the
// memory stays pageable and a warning says so; memory already pinned (inside a larger pinned
// buffer) is left as it is; builds without CUDA pin nothing.
#include <cstddef>

namespace tianyan {

class HostPin {
 public:
  HostPin() = default;
  // Pins [p, p + bytes); `what` names the buffer in the warning.
  HostPin(void* p, size_t bytes, const char* what);
  ~HostPin();
  HostPin(HostPin&& o) noexcept;
  HostPin& operator=(HostPin&& o) noexcept;
  HostPin(const HostPin&) = delete;
  HostPin& operator=(const HostPin&) = delete;

  // Whether this object pinned its range (false where it was pinned already, or failed).
  bool pinned() const { return p_ != nullptr; }

 private:
  void release();
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace tianyan
