#pragma once
// The acceleration grid's resampling map (accel_plan.hpp, resample_accel), one sample at a
// time: written once for the CPU's run-by-run copy and the CUDA kernel's gather, so that both
// pick the same source sample for every output sample. C++17, no standard library: nvcc
// compiles it.
#include <cmath>
#include <cstdint>

#include "kernels/common/hd.hpp"

namespace tianyan::accel_elements {

// floor(0.5 - e (k - m)^2), the rounded shift of output sample k, where e = a tsamp / (2c) and
// m = (n - 1) / 2. Products and the difference are rounded one by one (nvcc would fuse them);
// the clamp keeps absurd accelerations out of int64 overflow (any shift past the series'
// length clamps to an end sample anyway).
TIANYAN_HD int64_t round_shift(int64_t k, double e, double m) {
  const double d = hd::add_rn(static_cast<double>(k), -m);
  double v = floor(hd::add_rn(0.5, -hd::mul_rn(hd::mul_rn(e, d), d)));
  if (v < -1e18) v = -1e18;
  if (v > 1e18) v = 1e18;
  return static_cast<int64_t>(v);
}

// The input sample resample_accel copies to output sample k of a series of n samples.
TIANYAN_HD int64_t source_sample(int64_t k, double e, double m, int64_t n) {
  const int64_t j = round_shift(k, e, m);
  // k + j without overflow: |j| <= 1e18 and 0 <= k < n.
  const int64_t src = j < -k ? 0 : k + j;
  return src > n - 1 ? n - 1 : src;
}

}  // namespace tianyan::accel_elements
