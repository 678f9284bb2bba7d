#include "kernels/common/backend_select.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

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

namespace {

// "N,M,...": distinct non-negative indices, in the order given.
std::vector<int> parse_device_list(std::string_view spec) {
  std::vector<int> out;
  size_t at = 0;
  while (at <= spec.size()) {
    const size_t comma = std::min(spec.find(',', at), spec.size());
    const std::string_view item = spec.substr(at, comma - at);
    int v = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || v < 0) {
      throw usage_error("--device {}: expected a device index, a comma-separated list of them "
                        "or all", spec);
    }
    if (std::find(out.begin(), out.end(), v) != out.end()) {
      throw usage_error("--device {}: device {} is listed twice", spec, v);
    }
    out.push_back(v);
    at = comma + 1;
  }
  return out;
}

std::string joined(const std::vector<int>& v) {
  std::string s;
  for (const int d : v) {
    if (!s.empty()) s += ',';
    s += std::to_string(d);
  }
  return s;
}

}  // namespace

ComputeTarget choose_backend(std::string_view requested, std::string_view devices,
                             const CudaStatus& status) {
  if (requested != "cpu" && requested != "cuda" && requested != "auto") {
    throw usage_error("--backend {}: expected cpu, cuda or auto", requested);
  }
  std::vector<int> list;
  if (devices == "all") {
    if (requested == "cpu") return choose_backend(requested, 0, status);
    for (const CudaDevice& d : status.devices) {
      if (!cuda_device_problem(d.index, status)) list.push_back(d.index);
    }
    if (list.empty()) {
      // No usable device: the single-device rules say why (no driver, too old, ...).
      return choose_backend(requested, 0, status);
    }
  } else {
    list = parse_device_list(devices);
  }
  if (requested == "cpu") return choose_backend(requested, list.front(), status);
  for (const int d : list) {
    ComputeTarget one = choose_backend(requested, d, status);
    if (one.backend == Backend::Cpu) return one;  // auto without this device: the CPU
  }
  ComputeTarget t = choose_backend(requested, list.front(), status);
  if (list.size() > 1) {
    t.devices = list;
    t.why = fmt::format("backend {}: CUDA devices {} (", requested, joined(list));
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) t.why += ", ";
      t.why += device_name(list[i], status);
    }
    t.why += ")";
  }
  return t;
}

}  // namespace tianyan
