#pragma once
// TIANYAN_HD marks per-sample physics shared by the CPU and CUDA paths: written once, compiled
// for both (ARCHITECTURE.md, "share the math, not the loops").
#if defined(__CUDACC__)
#define TIANYAN_HD __host__ __device__ __forceinline__
#else
#define TIANYAN_HD inline
#endif

namespace tianyan::hd {

// A product and a sum each rounded on its own. Where the CPU's result must be matched bit for
// bit: nvcc contracts a * b + c into one fused multiply-add by default, which rounds once.
TIANYAN_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

TIANYAN_HD float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

TIANYAN_HD double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

TIANYAN_HD double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}

}  // namespace tianyan::hd
