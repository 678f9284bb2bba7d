#pragma once
// CUDA helpers of the GPU benchmarks (gpu_probe.cu): what the device is, the bandwidth of a
// large device-to-device copy (the yardstick of every memory-bandwidth floor), host-to-device
// copies, and device-resident timings of the search's batched real FFT and of the subband
// dedispersion kernels (the same launchers and arguments as the CUDA dedisperser, without its
// PCIe transfers). Plain C++17 interface: the benchmark's C++20 sources do not include the CUDA
// runtime. Failed CUDA calls throw the project's errors (kernels/cuda/cuda_util.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/dedisp/dedisperser.hpp"

namespace tianyan::bench {

struct GpuInfo {
  std::string name;
  int cc_major = 0, cc_minor = 0;
  int multiprocessors = 0;
  size_t memory_bytes = 0;  // total device memory
  size_t free_bytes = 0;    // free when asked
  int memory_bus_bits = 0;
  double memory_clock_mhz = 0;
  // 2 x memory clock x bus width (double data rate): the datasheet's peak, GB/s; 0 if unknown.
  double peak_bandwidth_gbs = 0;
  int pci_bus = 0;
  int runtime_version = 0, driver_version = 0;
};
GpuInfo gpu_info(int device);

struct Bandwidth {
  size_t bytes = 0;   // bytes copied per repetition
  double best_s = 0;  // fastest repetition
  double gbs = 0;     // GB/s (1e9 bytes): read + write bytes for D2D, copied bytes for H2D
  int reps = 0;
};
// cudaMemcpy device to device of `bytes` (halved until both buffers fit in 80% of the free
// memory), timed with cudaEvents, best of `reps` after one warm-up. gbs counts 2 x bytes (each
// byte is read once and written once), so floors below are (read + write bytes) / gbs.
Bandwidth d2d_bandwidth(int device, size_t bytes, int reps);
// Host to device copies of `bytes` from pageable (std::vector-like) or page-locked memory.
Bandwidth h2d_bandwidth(int device, size_t bytes, bool pinned, int reps);

struct KernelTiming {
  double best_s = 0;    // fastest repetition
  double median_s = 0;  // median repetition
  int reps = 0;
  size_t device_bytes = 0;  // device memory the timing held
};
// The search's real-to-complex cuFFT (tianyan::cuda::RealFftBatch, out of place) of `batch`
// series of nfft floats, on device-resident noise. The floor's bytes are
// batch x (nfft x 4 + (nfft / 2 + 1) x 8).
KernelTiming time_real_fft_batch(int device, size_t nfft, int batch, int reps);

// The CUDA dedisperser's kernels for one gulp of `nfresh` fresh samples (plus the plan's
// overlap) already on the device: the transpose to channel-major, then per group the subband
// and the combine kernels, exactly the launches of dedisp_subband_cuda.cpp minus its upload and
// downloads. transpose_s: the transpose alone (best).
struct DedispKernelTiming {
  KernelTiming all;
  double transpose_best_s = 0;
  uint64_t overlap = 0;  // the plan's look-ahead, input samples
  size_t groups = 0;     // subband groups (kernel pairs) per gulp
};
DedispKernelTiming time_dedisp_kernels(const DedispSetup& setup, uint64_t nfresh, int reps);

// Page-locks [p, p + bytes) for the life of the object (cudaHostRegister), so that transfers
// from it run at the bus's speed; ok() is false (and nothing is locked) when the driver refuses.
class PinnedRegion {
 public:
  PinnedRegion(void* p, size_t bytes);
  ~PinnedRegion();
  PinnedRegion(const PinnedRegion&) = delete;
  PinnedRegion& operator=(const PinnedRegion&) = delete;
  bool ok() const { return p_ != nullptr; }
  const std::string& error() const { return error_; }

 private:
  void* p_ = nullptr;
  std::string error_;
};

}  // namespace tianyan::bench
