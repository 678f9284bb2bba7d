#include "kernels/cuda/cufft_plan.hpp"

namespace tianyan::cuda {

void check_cufft(cufftResult r, const char* what) {
  if (r == CUFFT_SUCCESS) return;
  if (r == CUFFT_ALLOC_FAILED) {
    throw environment_error("cuFFT: {} failed: the device is out of memory", what);
  }
  throw internal_error("cuFFT: {} failed (cufftResult {})", what, static_cast<int>(r));
}

RealFftBatch::RealFftBatch(size_t n, int batch, size_t idist, size_t odist, cudaStream_t stream)
    : n_(n), batch_(batch) {
  check_cufft(cufftCreate(&plan_), "cufftCreate");
  try {
    long long dims[1] = {static_cast<long long>(n)};
    long long inembed[1] = {static_cast<long long>(idist)};
    long long onembed[1] = {static_cast<long long>(odist)};
    check_cufft(cufftMakePlanMany64(plan_, 1, dims, inembed, 1, static_cast<long long>(idist),
                                    onembed, 1, static_cast<long long>(odist), CUFFT_R2C, batch,
                                    &work_bytes_),
                "cufftMakePlanMany64 (real-to-complex)");
    check_cufft(cufftSetStream(plan_, stream), "cufftSetStream");
  } catch (...) {
    cufftDestroy(plan_);
    throw;
  }
}

RealFftBatch::~RealFftBatch() { cufftDestroy(plan_); }

void RealFftBatch::execute(float* in, cufftComplex* out) const {
  check_cufft(cufftExecR2C(plan_, in, out), "cufftExecR2C");
}

}  // namespace tianyan::cuda
