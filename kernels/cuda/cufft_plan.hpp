#pragma once
// A batched real-to-complex cuFFT plan owned for the life of a stage, every cuFFT call
// checked (CUFFT_ALLOC_FAILED is Environment: the device lacks memory; the rest Internal).
// Included only by sources built with the CUDA backend.
#include <cufft.h>

#include <cstddef>

#include "kernels/common/error.hpp"

namespace tianyan::cuda {

void check_cufft(cufftResult r, const char* what);

// `batch` transforms of n real floats at a distance of idist floats, into n / 2 + 1 complex
// bins at a distance of odist bins, out of place, on `stream`.
class RealFftBatch {
 public:
  RealFftBatch(size_t n, int batch, size_t idist, size_t odist, cudaStream_t stream);
  ~RealFftBatch();
  RealFftBatch(const RealFftBatch&) = delete;
  RealFftBatch& operator=(const RealFftBatch&) = delete;

  void execute(float* in, cufftComplex* out) const;
  size_t n() const { return n_; }
  int batch() const { return batch_; }
  size_t work_bytes() const { return work_bytes_; }

 private:
  cufftHandle plan_ = 0;
  size_t n_ = 0;
  int batch_ = 0;
  size_t work_bytes_ = 0;
};

}  // namespace tianyan::cuda
