// CUDA helpers of the GPU benchmarks (gpu_probe.hpp). C++17 (nvcc).
#include <cuda_runtime.h>
#include <cufft.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench/gpu_probe.hpp"
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/cuda/cufft_plan.hpp"
#include "kernels/dedisp/dedisp_cuda_args.hpp"
#include "kernels/dedisp/dedisp_cuda_kernels.hpp"
#include "kernels/dedisp/subband_plan.hpp"

namespace tianyan::bench {
namespace {

using cuda::DeviceBuffer;

// Noise-like values (a hash of the index): data do not change the work of any kernel timed
// here, but zeros could hit special cases in cuFFT or the caches.
__global__ void fill_kernel(float* p, size_t n, uint32_t seed) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    uint32_t x = static_cast<uint32_t>(i) * 2654435761u ^ static_cast<uint32_t>(i >> 32) ^ seed;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    p[i] = static_cast<float>(x >> 8) * (1.0f / 16777216.0f) - 0.5f;
  }
}

void fill(float* p, size_t n, uint32_t seed, cudaStream_t s) {
  if (n == 0) return;
  const unsigned blocks =
      static_cast<unsigned>(std::min<size_t>((n + 255) / 256, size_t{65535} * 8));
  fill_kernel<<<blocks, 256, 0, s>>>(p, n, seed);
  TIANYAN_CUDA_CHECK_LAUNCH("fill_kernel");
}

class Events {
 public:
  Events() {
    TIANYAN_CUDA_CHECK(cudaEventCreate(&a_));
    TIANYAN_CUDA_CHECK(cudaEventCreate(&b_));
  }
  ~Events() {
    cudaEventDestroy(a_);
    cudaEventDestroy(b_);
  }
  Events(const Events&) = delete;
  Events& operator=(const Events&) = delete;
  void start(cudaStream_t s) { TIANYAN_CUDA_CHECK(cudaEventRecord(a_, s)); }
  double stop(cudaStream_t s) {  // seconds since start()
    TIANYAN_CUDA_CHECK(cudaEventRecord(b_, s));
    TIANYAN_CUDA_CHECK(cudaEventSynchronize(b_));
    float ms = 0;
    TIANYAN_CUDA_CHECK(cudaEventElapsedTime(&ms, a_, b_));
    return static_cast<double>(ms) * 1e-3;
  }

 private:
  cudaEvent_t a_ = nullptr, b_ = nullptr;
};

// Times `reps` runs of `body` (after one warm-up) on `s`: best and median.
template <typename F>
KernelTiming time_reps(int reps, cudaStream_t s, F&& body) {
  reps = std::max(1, reps);
  Events ev;
  body();  // warm-up: plans, caches, clocks
  TIANYAN_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    ev.start(s);
    body();
    t.push_back(ev.stop(s));
  }
  std::sort(t.begin(), t.end());
  KernelTiming k;
  k.reps = reps;
  k.best_s = t.front();
  k.median_s = t[t.size() / 2];
  return k;
}

size_t free_memory() { return cuda::memory_info().first; }

}  // namespace

GpuInfo gpu_info(int device) {
  cuda::DeviceScope scope(device);
  cudaDeviceProp p{};
  TIANYAN_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  GpuInfo g;
  g.name = p.name;
  g.cc_major = p.major;
  g.cc_minor = p.minor;
  g.multiprocessors = p.multiProcessorCount;
  g.memory_bytes = p.totalGlobalMem;
  g.memory_bus_bits = p.memoryBusWidth;
  g.pci_bus = p.pciBusID;
  int clock_khz = 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device) != cudaSuccess) {
    (void)cudaGetLastError();
    clock_khz = 0;
  }
  g.memory_clock_mhz = clock_khz / 1e3;
  g.peak_bandwidth_gbs = 2.0 * clock_khz * 1e3 * (g.memory_bus_bits / 8.0) / 1e9;
  g.free_bytes = free_memory();
  cudaRuntimeGetVersion(&g.runtime_version);
  cudaDriverGetVersion(&g.driver_version);
  return g;
}

Bandwidth d2d_bandwidth(int device, size_t bytes, int reps) {
  cuda::DeviceScope scope(device);
  const size_t room = free_memory() / 10 * 8 / 2;
  while (bytes > room && bytes > (size_t{1} << 20)) bytes /= 2;
  DeviceBuffer<char> a(bytes), b(bytes);
  cuda::Stream stream;
  const cudaStream_t s = stream.get();
  TIANYAN_CUDA_CHECK(cudaMemsetAsync(a.data(), 1, bytes, s));
  TIANYAN_CUDA_CHECK(cudaMemsetAsync(b.data(), 2, bytes, s));
  const KernelTiming k = time_reps(reps, s, [&] {
    TIANYAN_CUDA_CHECK(cudaMemcpyAsync(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice, s));
  });
  Bandwidth bw;
  bw.bytes = bytes;
  bw.best_s = k.best_s;
  bw.reps = k.reps;
  bw.gbs = 2.0 * static_cast<double>(bytes) / k.best_s / 1e9;
  return bw;
}

Bandwidth h2d_bandwidth(int device, size_t bytes, bool pinned, int reps) {
  cuda::DeviceScope scope(device);
  DeviceBuffer<char> d(bytes);
  cuda::Stream stream;
  const cudaStream_t s = stream.get();
  char* host = nullptr;
  std::unique_ptr<char[]> pageable;
  if (pinned) {
    TIANYAN_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&host), bytes));
  } else {
    pageable.reset(new char[bytes]);
    host = pageable.get();
  }
  std::fill(host, host + bytes, static_cast<char>(3));  // touch every page
  KernelTiming k;
  try {
    k = time_reps(reps, s, [&] {
      TIANYAN_CUDA_CHECK(cudaMemcpyAsync(d.data(), host, bytes, cudaMemcpyHostToDevice, s));
    });
  } catch (...) {
    if (pinned) cudaFreeHost(host);
    throw;
  }
  if (pinned) cudaFreeHost(host);
  Bandwidth bw;
  bw.bytes = bytes;
  bw.best_s = k.best_s;
  bw.reps = k.reps;
  bw.gbs = static_cast<double>(bytes) / k.best_s / 1e9;
  return bw;
}

KernelTiming time_real_fft_batch(int device, size_t nfft, int batch, int reps) {
  cuda::DeviceScope scope(device);
  const size_t nbins = nfft / 2 + 1;
  DeviceBuffer<float> in(nfft * static_cast<size_t>(batch));
  DeviceBuffer<cufftComplex> out(nbins * static_cast<size_t>(batch));
  cuda::Stream stream;
  const cudaStream_t s = stream.get();
  fill(in.data(), in.size(), 12345u, s);
  const cuda::RealFftBatch plan(nfft, batch, nfft, nbins, s);
  KernelTiming k = time_reps(reps, s, [&] { plan.execute(in.data(), out.data()); });
  k.device_bytes = in.bytes() + out.bytes() + plan.work_bytes();
  return k;
}

DedispKernelTiming time_dedisp_kernels(const DedispSetup& setup, uint64_t nfresh, int reps) {
  cuda::DeviceScope scope(setup.device);
  const SubbandPlan plan = make_subband_plan(setup, setup.algorithm == DedispAlgorithm::BruteForce);
  const dedisp_cuda::Layout layout = dedisp_cuda::make_layout(plan, setup.max_nfresh);
  if (layout.bytes() > free_memory()) {
    throw environment_error("dedispersion kernels: {} bytes of device memory needed, {} free",
                            layout.bytes(), free_memory());
  }
  cuda::Stream stream;
  const cudaStream_t s = stream.get();
  DeviceBuffer<float> input(layout.input), x(layout.x), sub(layout.sub), out(layout.out);
  const dedisp_cuda::Tables t = dedisp_cuda::flatten_tables(plan);
  auto upload = [&](const std::vector<int32_t>& v) {
    DeviceBuffer<int32_t> d(v.size());
    if (!v.empty()) d.upload(v.data(), v.size(), s);
    return d;
  };
  DeviceBuffer<int32_t> d1 = upload(t.d1), d2min = upload(t.d2min), d2max = upload(t.d2max),
                        d2 = upload(t.d2), sub_begin = upload(t.sub_begin);
  const dedisp_cuda::TablePointers tables{d1.data(), d2min.data(), d2max.data(), d2.data(),
                                          sub_begin.data()};
  const uint64_t nsamp = nfresh + plan.overlap;
  fill(input.data(), nsamp * plan.nchan, 777u, s);
  TIANYAN_CUDA_CHECK(cudaStreamSynchronize(s));

  auto transpose = [&] {
    dedisp_cuda::transpose(input.data(), nsamp, static_cast<int>(plan.nchan), x.data(),
                           layout.x_stride, s);
  };
  auto gulp = [&] {
    transpose();
    for (size_t gi = 0; gi < plan.groups.size(); ++gi) {
      const dedisp_cuda::GroupArgs a = dedisp_cuda::group_args(
          plan, layout, tables, gi, nfresh, setup.max_nfresh, x.data(), sub.data(), out.data());
      dedisp_cuda::form_subbands(a.form, s);
      dedisp_cuda::combine_subbands(a.combine, s);
    }
  };
  DedispKernelTiming r;
  r.all = time_reps(reps, s, gulp);
  r.all.device_bytes = layout.bytes();
  r.transpose_best_s = time_reps(reps, s, transpose).best_s;
  r.overlap = plan.overlap;
  r.groups = plan.groups.size();
  return r;
}

PinnedRegion::PinnedRegion(void* p, size_t bytes) {
  const cudaError_t e = cudaHostRegister(p, bytes, cudaHostRegisterDefault);
  if (e == cudaSuccess) {
    p_ = p;
  } else {
    (void)cudaGetLastError();
    error_ = cudaGetErrorString(e);
  }
}

PinnedRegion::~PinnedRegion() {
  if (p_ != nullptr) cudaHostUnregister(p_);
}

}  // namespace tianyan::bench
