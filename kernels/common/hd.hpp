#pragma once
// TIANYAN_HD marks per-sample physics shared by the CPU and CUDA paths: written once, compiled
// for both (ARCHITECTURE.md, "share the math, not the loops").
#if defined(__CUDACC__)
#define TIANYAN_HD __host__ __device__ __forceinline__
#else
#define TIANYAN_HD inline
#endif
