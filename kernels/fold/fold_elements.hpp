#pragma once
// The folding pass's per-sample arithmetic, written once for the CPU engine (fold_cpu.cpp,
// fold_subband.cpp) and the CUDA kernels (fold_cuda_kernels.cu): where a sample's phase bin
// is, the order in which a subband's channels and a profile's samples are added, and the
// first-difference variance sums. Both backends run these functions in the same order over the
// same tiles, so the GPU's cubes equal the CPU's bit for bit (docs/cuda.md, "Folding on the
// GPU"). Products are rounded on their own (dmul_rn, dadd_rn) and kernels/fold/*.cpp
// build with -ffp-contract=off: nvcc, and GCC in the AVX-512 clones, would otherwise fuse
// them into multiply-adds, which move a sample near a bin edge into the next bin.
#include <cstddef>
#include <cstdint>

#include "kernels/common/hd.hpp"

namespace tianyan::fold_elements {

// Double products and sums each rounded on their own: hd.hpp's, under the names the fold
// code reads (every argument a double, so no float overload is picked by accident).
TIANYAN_HD double dmul_rn(double a, double b) { return hd::mul_rn(a, b); }
TIANYAN_HD double dadd_rn(double a, double b) { return hd::add_rn(a, b); }

// Adding and subtracting 1.5 x 2^52 rounds a double of magnitude below 2^51 to an integer in
// two vectorisable additions (no libm floor, which the baseline x86-64 target cannot inline).
constexpr double kRoundMagic = 6755399441055744.0;

// Emission time (s from the model's epoch) of output j of a subband series whose output 0
// is emitted at t0_top.
TIANYAN_HD double output_time(double t0_top, int64_t j, double tsamp) {
  return dadd_rn(t0_top, dmul_rn(static_cast<double>(j), tsamp));
}

// Phase bin of sample i of a run that starts at time t (s from the epoch):
// floor(frac(phi(t_i)) nbin), t_i = t + i tsamp, phi(t) = t (freq + half_fdot t); nb = nbin,
// last = nbin - 1. Exact in double for |phi| < 2^50 turns.
TIANYAN_HD int32_t phase_bin(double t, double tsamp, uint64_t i, double freq_hz,
                             double half_fdot, double nb, int32_t last) {
  const double ti = dadd_rn(t, dmul_rn(static_cast<double>(i), tsamp));
  const double phase = dmul_rn(ti, dadd_rn(freq_hz, dmul_rn(half_fdot, ti)));
  double frac = phase - ((phase + kRoundMagic) - kRoundMagic);  // in [-1/2, 1/2]
  frac = frac < 0.0 ? frac + 1.0 : frac;
  const auto b = static_cast<int32_t>(dmul_rn(frac, nb));
  return b < last ? b : last;
}

// Adds a run of samples into a profile: consecutive samples of one bin are summed first (in
// a register on the CPU: no store-to-load dependency through the profile on every sample),
// then added to their bin. The sums, and so the rounding, depend on where runs break, which
// is why both backends cut the same runs (a tile's part of one sub-integration).
struct RunSum {
  int32_t cur = 0;
  float acc = 0.0f;
};

TIANYAN_HD void run_add(RunSum& r, int32_t bin, float x, float* profile) {
  if (bin != r.cur) {
    profile[r.cur] += r.acc;
    r.acc = 0.0f;
    r.cur = bin;
  }
  r.acc += x;
}

TIANYAN_HD void run_flush(const RunSum& r, float* profile) { profile[r.cur] += r.acc; }

// acc + d^2, rounded twice (the variance sums).
TIANYAN_HD double add_square(double acc, double d) { return dadd_rn(acc, dmul_rn(d, d)); }

// Sum of (x[i] - x[i - 1])^2 over 0 < i < n in double (0 when n < 2), in eight lanes (so that
// the CPU's loop vectorises without reassociating one chain), the lanes added last in order.
TIANYAN_HD double diff_sumsq(const float* x, size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 1;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) {
      acc[k] = add_square(acc[k], static_cast<double>(x[i + k]) - x[i + k - 1]);
    }
  }
  for (; i < n; ++i) acc[0] = add_square(acc[0], static_cast<double>(x[i]) - x[i - 1]);
  double sum = 0;
  for (size_t k = 0; k < 8; ++k) sum += acc[k];
  return sum;
}

// One output of a subband series: the sum of its channels' samples x(0) .. x(n - 1) in the
// order of the CPU's sum_rows (fold_subband.cpp), four channels a pass: ((x0 + x1) + (x2 +
// x3)), then += ((x4 + x5) + (x6 + x7)) ..., then the remaining ones one by one; with fewer
// than four, x0 then += x1 ... (0 for no channel).
template <typename Sample>
TIANYAN_HD float subband_sum(size_t n, const Sample& x) {
  if (n == 0) return 0.0f;
  float o;
  size_t q;
  if (n >= 4) {
    o = (x(0) + x(1)) + (x(2) + x(3));
    q = 4;
  } else {
    o = x(0);
    q = 1;
  }
  for (; q + 4 <= n; q += 4) o += (x(q) + x(q + 1)) + (x(q + 2) + x(q + 3));
  for (; q < n; ++q) o += x(q);
  return o;
}

// The part of tile [ts, te) that sub-integration k (< nk) of a subband holds, given its
// boundaries b[0..nk] (b[k]: its first output; the last one runs to the tile's end): outputs
// [lo, hi), empty when lo >= hi. The CPU engine walks a tile's sub-integrations in order
// (fold_cpu.cpp); a GPU thread holds one.
TIANYAN_HD void subint_run(const int64_t* b, size_t nk, size_t k, int64_t ts, int64_t te,
                           int64_t& lo, int64_t& hi) {
  lo = b[k] > ts ? b[k] : ts;
  hi = k + 1 < nk ? (b[k + 1] < te ? b[k + 1] : te) : te;
}

}  // namespace tianyan::fold_elements
