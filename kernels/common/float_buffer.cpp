#include "kernels/common/float_buffer.hpp"

#include <cstdint>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tianyan {

FloatBuffer& FloatBuffer::operator=(FloatBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    map_ = std::exchange(other.map_, nullptr);
    map_bytes_ = std::exchange(other.map_bytes_, 0);
  }
  return *this;
}

float* FloatBuffer::ensure(size_t n) {
  if (n <= size_) return data_;
  release();
  const size_t bytes = n * sizeof(float);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr size_t kHuge = size_t{2} << 20;  // the huge page of x86-64 and 4 KiB-page arm64
  if (bytes >= 4 * kHuge) {
    // Aligned to a huge page so that the whole buffer can be backed by them.
    const size_t len = bytes + kHuge;
    void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
      const auto at = (reinterpret_cast<uintptr_t>(m) + kHuge - 1) / kHuge * kHuge;
      madvise(reinterpret_cast<void*>(at), bytes, MADV_HUGEPAGE);  // advice: failure is fine
      map_ = m;
      map_bytes_ = len;
      data_ = reinterpret_cast<float*>(at);
      size_ = n;
      return data_;
    }
  }
#endif
  data_ = new float[n];  // default-initialised: no pass over the memory
  size_ = n;
  return data_;
}

void FloatBuffer::release() {
#if defined(__linux__)
  if (map_ != nullptr) munmap(map_, map_bytes_);
#endif
  if (map_ == nullptr) delete[] data_;
  map_ = nullptr;
  map_bytes_ = 0;
  data_ = nullptr;
  size_ = 0;
}

}  // namespace tianyan
