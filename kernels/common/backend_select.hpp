#pragma once
// `--backend cpu|cuda|auto` and `--device N`, checked against what this build and this
// machine have. `cuda` that cannot run is an error saying why (ARCHITECTURE.md, practice 6:
// never a silent CPU run); `auto` takes the GPU when there is a usable one and says which it
// picked, and why, in `why`.
#include <optional>
#include <string>
#include <string_view>

#include "kernels/common/backend.hpp"
#include "kernels/common/device_query.hpp"

namespace tianyan {

struct ComputeTarget {
  Backend backend = Backend::Cpu;
  int device = 0;   // CUDA device index (Backend::Cuda)
  std::string why;  // one line for the log: what was picked and why
};

// The oldest compute capability this build runs on (CMAKE_CUDA_ARCHITECTURES starts at 75:
// CUDA 13 builds nothing older).
constexpr int kMinComputeCapability = 75;

// Why CUDA device `device` cannot run this build's kernels (no CUDA backend, no driver, no
// such device, too old), or nothing when it can.
std::optional<std::string> cuda_device_problem(int device, const CudaStatus& status);

// `requested` is "cpu", "cuda" or "auto" (else Usage); `device` a device index. Throws
// Environment for "cuda" without a usable device (no CUDA in this build, no driver, no such
// device, too old a GPU).
ComputeTarget choose_backend(std::string_view requested, int device, const CudaStatus& status);

}  // namespace tianyan
