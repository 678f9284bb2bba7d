#pragma once
// What every CUDA stage needs on the host side: errors turned into the project's exception,
// device memory owned by RAII buffers, the current device set for a scope. Included only by
// sources built with the CUDA backend (*_cuda.cpp, *.cu); kept to C++17 for nvcc.
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "kernels/common/error.hpp"

namespace tianyan::cuda {

// Throws for a failed CUDA call: Environment for what the machine lacks (memory, a working
// device), Internal for the rest (a bug: bad launch configuration, invalid argument).
void check(cudaError_t err, const char* what, const char* file, int line);

#define TIANYAN_CUDA_CHECK(call) ::tianyan::cuda::check((call), #call, __FILE__, __LINE__)
// After a kernel launch: launch errors surface here, execution errors at the next sync.
#define TIANYAN_CUDA_CHECK_LAUNCH(name) \
  ::tianyan::cuda::check(cudaGetLastError(), "launch of " name, __FILE__, __LINE__)

// Makes `device` current for the calling thread while it lives (CUDA's current device is
// per thread; a stage may run on a thread that last used another device).
class DeviceScope {
 public:
  explicit DeviceScope(int device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

// Free and total memory of the current device (bytes).
std::pair<size_t, size_t> memory_info();

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n) : n_(n) {
    if (n > 0) TIANYAN_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&p_), n * sizeof(T)));
  }
  ~DeviceBuffer() {
    if (p_ != nullptr) cudaFree(p_);  // never throws from a destructor
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(o.n_) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (p_ != nullptr) cudaFree(p_);
      p_ = std::exchange(o.p_, nullptr);
      n_ = o.n_;
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* data() { return p_; }
  const T* data() const { return p_; }
  size_t size() const { return n_; }
  size_t bytes() const { return n_ * sizeof(T); }

  void upload(const T* host, size_t n, cudaStream_t stream) {
    if (n > n_) throw internal_error("DeviceBuffer: upload of {} elements into {}", n, n_);
    TIANYAN_CUDA_CHECK(cudaMemcpyAsync(p_, host, n * sizeof(T), cudaMemcpyHostToDevice, stream));
  }
  // n elements from `host` to elements [offset, offset + n).
  void upload_at(size_t offset, const T* host, size_t n, cudaStream_t stream) {
    if (offset > n_ || n > n_ - offset) {
      throw internal_error("DeviceBuffer: upload of {} elements at {} into {}", n, offset, n_);
    }
    TIANYAN_CUDA_CHECK(
        cudaMemcpyAsync(p_ + offset, host, n * sizeof(T), cudaMemcpyHostToDevice, stream));
  }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

// A stream owned for the life of a stage.
class Stream {
 public:
  Stream() { TIANYAN_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  ~Stream() {
    if (s_ != nullptr) cudaStreamDestroy(s_);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }
  void synchronize(const char* what) const;

 private:
  cudaStream_t s_ = nullptr;
};

// An event for ordering work between a stage's streams (no timing: cheaper to record).
class Event {
 public:
  Event() { TIANYAN_CUDA_CHECK(cudaEventCreateWithFlags(&e_, cudaEventDisableTiming)); }
  ~Event() {
    if (e_ != nullptr) cudaEventDestroy(e_);
  }
  Event(Event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  Event& operator=(Event&& o) noexcept {
    if (this != &o) {
      if (e_ != nullptr) cudaEventDestroy(e_);
      e_ = std::exchange(o.e_, nullptr);
    }
    return *this;
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }
  // Work queued on `waiter` from now on starts after the work queued on `producer` so far.
  void order(cudaStream_t producer, cudaStream_t waiter) {
    TIANYAN_CUDA_CHECK(cudaEventRecord(e_, producer));
    TIANYAN_CUDA_CHECK(cudaStreamWaitEvent(waiter, e_, 0));
  }

 private:
  cudaEvent_t e_ = nullptr;
};

}  // namespace tianyan::cuda
