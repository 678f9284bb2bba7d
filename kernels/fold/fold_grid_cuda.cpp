// The optimiser's grid scans on a CUDA device: the profiles to rotate (small: a cube's
// subbands or sub-integrations) are formed on the host by the CPU's code and uploaded, then
// every grid point is one thread (fold_grid_cuda_kernels.cu) and only the S/N come back.
// Buffers live for one scan: a cube's scans are few (at most nine) and small.
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/fold/fold_grid_cuda_kernels.hpp"
#include "kernels/fold/fold_optimise_detail.hpp"

namespace tianyan::fold_detail {
namespace {

using cuda::DeviceBuffer;

constexpr double kMiB = 1024.0 * 1024.0;

void check_free(int device, const char* scan, size_t points, size_t bytes) {
  const auto [free, total] = cuda::memory_info();
  if (bytes > free) {
    throw environment_error(
        "CUDA device {}: the fold optimiser's {} ({} points) needs {:.1f} MiB of device memory, "
        "{:.1f} MiB of {:.1f} are free; use smaller fold spans or fewer bins",
        device, scan, points, static_cast<double>(bytes) / kMiB,
        static_cast<double>(free) / kMiB, static_cast<double>(total) / kMiB);
  }
}

template <typename T>
DeviceBuffer<T> upload_new(const std::vector<T>& host, cudaStream_t stream) {
  DeviceBuffer<T> d(host.size());
  if (!host.empty()) d.upload(host.data(), host.size(), stream);
  return d;
}

template <typename T>
std::vector<T> download(const DeviceBuffer<T>& d, const cuda::Stream& stream) {
  std::vector<T> h(d.size());
  if (!h.empty()) {
    TIANYAN_CUDA_CHECK(cudaMemcpyAsync(h.data(), d.data(), d.bytes(), cudaMemcpyDeviceToHost,
                                       stream.get()));
  }
  stream.synchronize("the fold optimiser's grid scan");
  return h;
}

}  // namespace

void check_grid_device(int device) {
  if (const auto problem = cuda_device_problem(device, query_cuda_devices())) {
    throw environment_error("the CUDA fold optimiser cannot run: {}", *problem);
  }
}

std::vector<double> dm_curve_cuda(int device, const Geometry& g, const std::vector<float>& sub) {
  cuda::DeviceScope scope(device);
  const auto nw = static_cast<uint32_t>(g.w_hi - g.w_lo + 1);
  const size_t per_point = (3 * g.nb + 1) * sizeof(float) + g.nf * sizeof(uint32_t);
  check_free(device, "DM curve", nw,
             nw * (per_point + sizeof(double)) + (sub.size() + 2 * g.nf) * sizeof(float) * 2);
  cuda::Stream stream;
  const DeviceBuffer<float> d_sub = upload_new(sub, stream.get());
  const DeviceBuffer<double> d_xdel = upload_new(g.xdel, stream.get());
  DeviceBuffer<float> scratch(static_cast<size_t>(nw) * (3 * g.nb + 1));
  DeviceBuffer<uint32_t> shift(static_cast<size_t>(nw) * g.nf);
  DeviceBuffer<double> snr(nw);
  fold_grid::DmCurveArgs a;
  a.sub = d_sub.data();
  a.nf = static_cast<uint32_t>(g.nf);
  a.nb = static_cast<uint32_t>(g.nb);
  a.nw = nw;
  a.w_lo = g.w_lo;
  a.freq_hz = g.model.freq_hz;
  a.ddm = g.ddm;
  a.var_total = g.var_total;
  a.xdel = d_xdel.data();
  a.scratch = scratch.data();
  a.shift = shift.data();
  a.snr = snr.data();
  fold_grid::dm_curve_points(a, stream.get());
  return download(snr, stream);
}

std::vector<float> freq_fdot_map_cuda(int device, const Geometry& g, const std::vector<float>& sub,
                                      const std::vector<double>& base,
                                      const std::vector<double>& slope) {
  cuda::DeviceScope scope(device);
  const auto nrow = static_cast<uint32_t>(2 * g.nv + 1), ncol = static_cast<uint32_t>(2 * g.nu + 1);
  const size_t npoint = static_cast<size_t>(nrow) * ncol;
  const size_t per_point = (3 * g.nb + 1) * sizeof(float) + g.ns * sizeof(uint32_t);
  check_free(device, "frequency-fdot map", npoint,
             npoint * (per_point + sizeof(float)) + sub.size() * sizeof(float) +
                 (base.size() + slope.size()) * sizeof(double));
  cuda::Stream stream;
  const DeviceBuffer<float> d_sub = upload_new(sub, stream.get());
  const DeviceBuffer<double> d_base = upload_new(base, stream.get());
  const DeviceBuffer<double> d_slope = upload_new(slope, stream.get());
  DeviceBuffer<float> scratch(npoint * (3 * g.nb + 1));
  DeviceBuffer<uint32_t> shift(npoint * g.ns);
  DeviceBuffer<float> snr(npoint);
  fold_grid::FreqFdotArgs a;
  a.sub = d_sub.data();
  a.ns = static_cast<uint32_t>(g.ns);
  a.nb = static_cast<uint32_t>(g.nb);
  a.nrow = nrow;
  a.ncol = ncol;
  a.nu = g.nu;
  a.var_total = g.var_total;
  a.base = d_base.data();
  a.slope = d_slope.data();
  a.scratch = scratch.data();
  a.shift = shift.data();
  a.snr = snr.data();
  fold_grid::freq_fdot_points(a, stream.get());
  return download(snr, stream);
}

}  // namespace tianyan::fold_detail
