#pragma once
// Portable 8-float vectors (GCC/Clang vector extensions) for the row kernels of the CPU RFI
// stage. GCC does not vectorise their selects on its own (a select of two loads reads as a
// conditional load), and plain `+=` chains over channels are serial; written with these, the
// AVX2 clone uses ymm registers and the default clone pairs of SSE registers, with the same
// per-lane operations, hence the same results.
#include <cstdint>
#include <cstring>

// The helpers pass vectors by value, which GCC warns (at every call) changes the ABI of the
// default clone; they are always inlined, so no call crosses that ABI. The warning is off for
// the kernel files that include this header (only kernels/rfi/*_cpu.cpp do).
#pragma GCC diagnostic ignored "-Wpsabi"

// clang checks that vector ABI at each call before inlining, and rejects an AVX2 clone calling
// these (default-target) helpers; clang builds (sanitizers, fuzzing) keep only the default
// clone of the kernels, whose per-lane operations, hence results, are the same.
#if defined(__clang__)
#define TIANYAN_RFI_CLONES
#else
#define TIANYAN_RFI_CLONES [[gnu::target_clones("avx2", "default")]]
#endif

namespace tianyan::rfi_detail {

using v8f = float __attribute__((vector_size(32)));
using v8u = uint32_t __attribute__((vector_size(32)));

[[gnu::always_inline]] inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
[[gnu::always_inline]] inline v8u load8(const uint32_t* p) {
  v8u v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
[[gnu::always_inline]] inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof(v)); }

// keep ? a : b, keep all ones or all zeros per lane.
[[gnu::always_inline]] inline v8f select8(v8u keep, v8f a, v8f b) {
  return reinterpret_cast<v8f>((reinterpret_cast<v8u>(a) & keep) |
                               (reinterpret_cast<v8u>(b) & ~keep));
}

// Masks of the select: all ones (keep) or zero per channel.
constexpr uint32_t kKeep = 0xffffffffu;

}  // namespace tianyan::rfi_detail
