#pragma once
// A large float buffer for the pipeline's and the kernels' gulp-sized workspaces: grows on
// demand, is never zeroed (its users write every element before they read it), and is mapped
// for transparent huge pages where Linux offers them (THP "madvise" or "always").
//
// Why huge pages: a buffer's pages are faulted in on first touch. Touching gigabytes in
// 4 KiB pages costs a fault each, and in the order a transpose writes (one cache line per page
// across thousands of pages) far more: on the development VM the first transpose of a FAST
// gulp into a fresh 2.1 GB buffer took 9-14 s in 4 KiB pages and 0.6-1.9 s in huge pages
// (a steady-state pass, 0.5-0.9 s). Growing frees the old memory first. Move-only.
#include <cstddef>

namespace tianyan {

class FloatBuffer {
 public:
  FloatBuffer() = default;
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;
  FloatBuffer(FloatBuffer&& other) noexcept { *this = static_cast<FloatBuffer&&>(other); }
  FloatBuffer& operator=(FloatBuffer&& other) noexcept;
  ~FloatBuffer() { release(); }

  // At least n floats (their values unspecified); the same pointer while n <= size().
  float* ensure(size_t n);
  float* data() const { return data_; }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(float); }

 private:
  void release();
  float* data_ = nullptr;
  size_t size_ = 0;
  void* map_ = nullptr;  // the mapping data_ lies in (null: data_ from new[])
  size_t map_bytes_ = 0;
};

}  // namespace tianyan
