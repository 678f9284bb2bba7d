#pragma once
// What one CUDA thread of the folding engine does, as __host__ __device__ functions over plain
// arguments: the kernels (fold_cuda_kernels.cu) call them once per thread, and
// tests/fold/fold_cuda_elements_test.cpp calls them on the host over every thread of every
// launch the engine makes, against the CPU engine, on every machine. C++17: nvcc compiles it.
#include <cstddef>
#include <cstdint>

#include "kernels/fold/fold_elements.hpp"

namespace tianyan::fold_cuda {

// One request's constants and where its tables and sums start in the engine's arrays.
struct RequestArgs {
  double freq_hz = 0, half_fdot = 0, nb = 0;  // nb: nbin as a double
  int32_t last = 0;                           // nbin - 1
  uint32_t nk = 0;                            // sub-integrations
  uint64_t t0_off = 0;      // into t0_top: [nsub]
  uint64_t bounds_off = 0;  // into bounds: [nsub][nk + 1]
  uint64_t cell_off = 0;    // into diff2, count, ndiff: [nk][nsub]
  uint64_t data_off = 0;    // into data: [nk][nsub][nbin]
};

// Forming one group's subband series: y[s * ystride + (j - j0)] for outputs j in
// [j0, j0 + span), from rows[(r - row0) * nchan + c] (stream row r, channel c).
struct SubbandArgs {
  const float* rows = nullptr;
  int64_t row0 = 0;
  uint32_t nchan = 0, per = 0, nsub = 0;
  const int64_t* shift = nullptr;  // [nchan]: the group's n_c
  const uint32_t* chans = nullptr;  // [nsub][per]: the active channels of each subband
  const uint32_t* nact = nullptr;   // [nsub]: how many
  int64_t j0 = 0, span = 0;
  float* y = nullptr;
  int64_t ystride = 0;
};

struct ChannelSample {
  const SubbandArgs* a;
  const uint32_t* chans;
  int64_t j;
  TIANYAN_HD float operator()(size_t q) const {
    const uint32_t c = chans[q];
    return a->rows[static_cast<size_t>(j + a->shift[c] - a->row0) * a->nchan + c];
  }
};

// Thread (s, jj): output j0 + jj of subband s.
TIANYAN_HD void subband_output(const SubbandArgs& a, uint32_t s, int64_t jj) {
  const ChannelSample x{&a, a.chans + static_cast<size_t>(s) * a.per, a.j0 + jj};
  a.y[static_cast<size_t>(s) * a.ystride + jj] = fold_elements::subband_sum(a.nact[s], x);
}

// Folding one group's series (from SubbandArgs' y) over outputs [j0, j1), in tiles of `tile`
// from j0, into its members' cubes.
struct FoldArgs {
  const RequestArgs* reqs = nullptr;
  const uint32_t* members = nullptr;  // the group's requests
  uint32_t nmembers = 0, max_nk = 0, nsub = 0;
  const double* t0_top = nullptr;
  const int64_t* bounds = nullptr;
  const int64_t* first_j = nullptr;  // [nsub]: the group's first output per subband
  const float* y = nullptr;
  int64_t ystride = 0;
  const float* last_y = nullptr;  // [nsub]: the group's output j0 - 1
  int64_t j0 = 0, j1 = 0, tile = 0;
  double tsamp = 0;
  float* data = nullptr;
  double* diff2 = nullptr;
  uint64_t* count = nullptr;
  uint64_t* ndiff = nullptr;
};

// Thread (member mi, subband s, sub-integration k): owns cell (k, s) of the member's cube, and
// adds to it what the CPU's fold_member adds, tile by tile, in the same order.
TIANYAN_HD void fold_cell(const FoldArgs& a, uint32_t mi, uint32_t s, uint32_t k) {
  const RequestArgs& r = a.reqs[a.members[mi]];
  if (k >= r.nk) return;
  const int64_t* b = a.bounds + r.bounds_off + static_cast<size_t>(s) * (r.nk + 1);
  const int64_t first_j = a.first_j[s];
  const float* y = a.y + static_cast<size_t>(s) * a.ystride;
  const double t0_top = a.t0_top[r.t0_off + s];
  const size_t cell = r.cell_off + static_cast<size_t>(k) * a.nsub + s;
  float* profile = a.data + r.data_off + (static_cast<size_t>(k) * a.nsub + s) * (r.last + 1);
  double diff2 = a.diff2[cell];
  uint64_t count = a.count[cell], ndiff = a.ndiff[cell];
  for (int64_t t0 = a.j0; t0 < a.j1; t0 += a.tile) {
    const int64_t len = a.tile < a.j1 - t0 ? a.tile : a.j1 - t0;
    const int64_t skip = first_j - t0 < 0 ? 0 : (first_j - t0 > len ? len : first_j - t0);
    if (skip == len) continue;
    int64_t lo = 0, hi = 0;
    fold_elements::subint_run(b, r.nk, k, t0 + skip, t0 + len, lo, hi);
    if (hi <= lo) continue;
    const auto n = static_cast<size_t>(hi - lo);
    const float* x = y + (lo - a.j0);
    const double t = fold_elements::output_time(t0_top, lo, a.tsamp);
    fold_elements::RunSum run{
        fold_elements::phase_bin(t, a.tsamp, 0, r.freq_hz, r.half_fdot, r.nb, r.last), 0.0f};
    for (size_t i = 0; i < n; ++i) {
      fold_elements::run_add(
          run, fold_elements::phase_bin(t, a.tsamp, i, r.freq_hz, r.half_fdot, r.nb, r.last),
          x[i], profile);
    }
    fold_elements::run_flush(run, profile);
    double d2 = fold_elements::diff_sumsq(x, n);
    uint64_t nd = n - 1;
    if (lo > (b[k] > first_j ? b[k] : first_j)) {
      const float prev = lo > a.j0 ? x[-1] : a.last_y[s];
      d2 = fold_elements::add_square(d2, static_cast<double>(x[0]) - prev);
      ++nd;
    }
    diff2 += d2;
    ndiff += nd;
    count += n;
  }
  a.diff2[cell] = diff2;
  a.count[cell] = count;
  a.ndiff[cell] = ndiff;
}

}  // namespace tianyan::fold_cuda
