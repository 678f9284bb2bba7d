#pragma once
// `--backend cpu|cuda|auto` and `--device N`, checked against what this build and this
// machine have. `cuda` that cannot run is an error saying why (ARCHITECTURE.md, practice 6:
// never a silent CPU run); `auto` takes the GPU when there is a usable one and says which it
// picked, and why, in `why`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/common/backend.hpp"
#include "kernels/common/device_query.hpp"

namespace tianyan {

struct ComputeTarget {
  Backend backend = Backend::Cpu;
  int device = 0;   // CUDA device index (Backend::Cuda); the first of `devices`
  std::string why;  // one line for the log: what was picked and why
  // Every device asked for (`--device all` or a list) when more than one; stages that run on
  // one device take `device`.
  std::vector<int> devices;
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

// The same for a device list: "N", "N,M,..." (distinct indices) or "all" (every device of the
// machine). Usage for a malformed list; for "cuda", Environment when any listed device cannot
// run (for "all": when the machine has none that can); "auto" falls back to the CPU when the
// CUDA runtime has no device at all or a listed one cannot run, and says why.
ComputeTarget choose_backend(std::string_view requested, std::string_view devices,
                             const CudaStatus& status);

}  // namespace tianyan
