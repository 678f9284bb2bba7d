#include "kernels/common/backend_select.hpp"

#include <fmt/format.h>

#include <optional>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

std::string device_name(int device, const CudaStatus& s) {
  for (const CudaDevice& d : s.devices) {
    if (d.index == device) return d.name;
  }
  return "?";
}

}  // namespace

std::optional<std::string> cuda_device_problem(int device, const CudaStatus& s) {
  if (!s.compiled || s.devices.empty()) return s.problem;
  for (const CudaDevice& d : s.devices) {
    if (d.index != device) continue;
    if (d.cc_major * 10 + d.cc_minor < kMinComputeCapability) {
      return fmt::format(
          "CUDA device {} ({}) has compute capability {}.{}; this build runs on {}.{} and newer",
          d.index, d.name, d.cc_major, d.cc_minor, kMinComputeCapability / 10,
          kMinComputeCapability % 10);
    }
    return std::nullopt;
  }
  return fmt::format("no CUDA device {}: this machine has {} (0 to {})", device, s.devices.size(),
                     s.devices.size() - 1);
}

ComputeTarget choose_backend(std::string_view requested, int device, const CudaStatus& status) {
  if (requested != "cpu" && requested != "cuda" && requested != "auto") {
    throw usage_error("--backend {}: expected cpu, cuda or auto", requested);
  }
  if (device < 0) throw usage_error("--device {}: expected a device index (0, 1, ...)", device);
  ComputeTarget t;
  if (requested == "cpu") {
    t.why = "backend cpu (requested)";
    return t;
  }
  const std::optional<std::string> problem = cuda_device_problem(device, status);
  if (requested == "cuda") {
    if (problem) throw environment_error("--backend cuda: {}", *problem);
    t.backend = Backend::Cuda;
    t.device = device;
    t.why = fmt::format("backend cuda: device {} ({})", device, device_name(device, status));
    return t;
  }
  if (problem) {
    t.why = fmt::format("backend auto: CPU ({})", *problem);
    return t;
  }
  t.backend = Backend::Cuda;
  t.device = device;
  t.why = fmt::format("backend auto: CUDA device {} ({})", device, device_name(device, status));
  return t;
}

}  // namespace tianyan
