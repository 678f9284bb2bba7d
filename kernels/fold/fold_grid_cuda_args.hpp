#pragma once
// What one CUDA thread of the optimiser's grid scans does (one grid point), as
// __host__ __device__ functions over plain arguments: the kernels
// (fold_grid_cuda_kernels.cu) call them once per thread, and
// tests/fold_opt/fold_grid_elements_test.cpp calls them on the host for every point, against
// the CPU's scans, on every machine. Each point has its own work space in `scratch` (3 nb + 1
// floats) and `shift` (one rotation per row). C++17: nvcc compiles it.
#include <cstddef>
#include <cstdint>

#include "kernels/fold/fold_grid_elements.hpp"

namespace tianyan::fold_grid {

struct DmCurveArgs {
  const float* sub = nullptr;  // [nf][2 nb]
  uint32_t nf = 0, nb = 0, nw = 0;
  int32_t w_lo = 0;
  double freq_hz = 0, ddm = 0, var_total = 0;
  const double* xdel = nullptr;  // [nf]
  float* scratch = nullptr;
  uint32_t* shift = nullptr;
  double* snr = nullptr;  // [nw]
};

struct FreqFdotArgs {
  const float* sub = nullptr;  // [ns][2 nb]
  uint32_t ns = 0, nb = 0, nrow = 0, ncol = 0;
  int32_t nu = 0;
  double var_total = 0;
  const double* base = nullptr;   // [nrow][ns]
  const double* slope = nullptr;  // [ns]
  float* scratch = nullptr;
  uint32_t* shift = nullptr;
  float* snr = nullptr;  // [nrow][ncol]
};

// Point k of the DM curve: w = w_lo + k.
TIANYAN_HD void dm_curve_point(const DmCurveArgs& a, uint32_t k) {
  float* acc = a.scratch + static_cast<size_t>(k) * (3 * a.nb + 1);
  uint32_t* shift = a.shift + static_cast<size_t>(k) * a.nf;
  const double w = a.w_lo + static_cast<int32_t>(k);
  for (uint32_t j = 0; j < a.nf; ++j) {
    shift[j] = bin_shift(dm_phase(a.freq_hz, w, a.ddm, a.xdel[j]), a.nb);
  }
  sum_rotated_in_order(a.sub, a.nf, a.nb, shift, acc);
  a.snr[k] = snr_fast(acc, a.nb, a.var_total, acc + a.nb);
}

// Point p = row r x ncol + column c of the frequency-fdot map: u = c - nu, fdot row r.
TIANYAN_HD void freq_fdot_point(const FreqFdotArgs& a, uint64_t p) {
  const auto r = static_cast<uint32_t>(p / a.ncol), c = static_cast<uint32_t>(p % a.ncol);
  float* acc = a.scratch + p * (3 * a.nb + 1);
  uint32_t* shift = a.shift + p * a.ns;
  const double u = static_cast<int32_t>(c) - a.nu;
  const double* base = a.base + static_cast<size_t>(r) * a.ns;
  for (uint32_t i = 0; i < a.ns; ++i) shift[i] = map_shift(base[i], a.slope[i], u, a.nb);
  sum_rotated(a.sub, a.ns, a.nb, shift, acc);
  a.snr[p] = static_cast<float>(snr_fast(acc, a.nb, a.var_total, acc + a.nb));
}

}  // namespace tianyan::fold_grid
