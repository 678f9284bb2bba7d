// The integer-bin grid scans of optimise_fold: the DM curve and the frequency-fdot map. The
// per-point arithmetic is fold_grid_elements.hpp's, shared with the CUDA scans.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/fold/fold_grid_elements.hpp"
#include "kernels/fold/fold_optimise_detail.hpp"

namespace tianyan::fold_detail {
namespace {

inline void double_up(std::vector<float>& rows, size_t nb) {
  const size_t nrow = rows.size() / (2 * nb);
  for (size_t r = 0; r < nrow; ++r)
    for (size_t b = 0; b < nb; ++b) rows[(2 * r + 1) * nb + b] = rows[2 * r * nb + b];
}

std::vector<double> dm_curve_cpu(const Geometry& g, const std::vector<float>& sub, int threads) {
  const size_t nb = g.nb;
  const int nw = g.w_hi - g.w_lo + 1;
  std::vector<double> snr(static_cast<size_t>(nw));
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> acc(nb), scratch(2 * nb + 1);
    std::vector<uint32_t> shift(g.nf);
#pragma omp for schedule(static)
    for (int k = 0; k < nw; ++k) {
      const double w = g.w_lo + k;
      for (size_t j = 0; j < g.nf; ++j) shift[j] = fold_grid::bin_shift(g.dmphi(w, j), nb);
      fold_grid::sum_rotated_in_order(sub.data(), g.nf, nb, shift.data(), acc.data());
      snr[static_cast<size_t>(k)] =
          fold_grid::snr_fast(acc.data(), nb, g.var_total, scratch.data());
    }
  }
  return snr;
}

std::vector<float> freq_fdot_map_cpu(const Geometry& g, const std::vector<float>& sub,
                                     const std::vector<double>& base,
                                     const std::vector<double>& slope, int threads) {
  const size_t nb = g.nb;
  const int nrow = 2 * g.nv + 1, ncol = 2 * g.nu + 1;
  std::vector<float> map(static_cast<size_t>(nrow) * static_cast<size_t>(ncol));
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> acc(nb), scratch(2 * nb + 1);
    std::vector<uint32_t> shift(g.ns);
#pragma omp for schedule(dynamic, 1)
    for (int r = 0; r < nrow; ++r) {
      const double* b = base.data() + static_cast<size_t>(r) * g.ns;
      for (int c = 0; c < ncol; ++c) {
        const double u = c - g.nu;
        for (size_t i = 0; i < g.ns; ++i) shift[i] = fold_grid::map_shift(b[i], slope[i], u, nb);
        fold_grid::sum_rotated(sub.data(), g.ns, nb, shift.data(), acc.data());
        map[static_cast<size_t>(r) * static_cast<size_t>(ncol) + static_cast<size_t>(c)] =
            static_cast<float>(fold_grid::snr_fast(acc.data(), nb, g.var_total, scratch.data()));
      }
    }
  }
  return map;
}

}  // namespace

size_t bin_shift(double psi, size_t nbin) { return fold_grid::bin_shift(psi, nbin); }

std::vector<float> dm_sub_profiles(const Geometry& g, const FoldCube& cube, double u, double v) {
  const size_t nb = g.nb;
  std::vector<float> sub(g.nf * 2 * nb, 0.0f);
  std::vector<size_t> ts(g.ns);
  for (size_t i = 0; i < g.ns; ++i) ts[i] = bin_shift(-g.dphi(u, v, i), nb);
  for (size_t i = 0; i < g.ns; ++i)
    for (size_t j = 0; j < g.nf; ++j) {
      const float* p = cube.profile(i, j);
      float* acc = sub.data() + 2 * j * nb;
      for (size_t b = 0; b < nb; ++b) {
        const size_t k = b + ts[i];
        acc[b] += p[k < nb ? k : k - nb];
      }
    }
  double_up(sub, nb);
  return sub;
}

std::vector<float> map_sub_profiles(const Geometry& g, const FoldCube& cube, double w) {
  const size_t nb = g.nb;
  std::vector<float> sub(g.ns * 2 * nb, 0.0f);
  std::vector<size_t> fs(g.nf);
  for (size_t j = 0; j < g.nf; ++j) fs[j] = bin_shift(g.dmphi(w, j), nb);
  for (size_t i = 0; i < g.ns; ++i) {
    float* acc = sub.data() + 2 * i * nb;
    for (size_t j = 0; j < g.nf; ++j) {
      const float* p = cube.profile(i, j);
      for (size_t b = 0; b < nb; ++b) {
        const size_t k = b + fs[j];
        acc[b] += p[k < nb ? k : k - nb];
      }
    }
  }
  double_up(sub, nb);
  return sub;
}

void map_phases(const Geometry& g, std::vector<double>& base, std::vector<double>& slope) {
  const int nrow = 2 * g.nv + 1;
  base.resize(static_cast<size_t>(nrow) * g.ns);
  slope.resize(g.ns);
  for (size_t i = 0; i < g.ns; ++i) slope[i] = -g.dphi(1, 0, i);
  for (int r = 0; r < nrow; ++r) {
    const double v = r - g.nv;
    for (size_t i = 0; i < g.ns; ++i) base[static_cast<size_t>(r) * g.ns + i] = -g.dphi(0, v, i);
  }
}

std::vector<double> dm_curve(const Geometry& g, const FoldCube& cube, double u, double v,
                             const GridTarget& target) {
  const std::vector<float> sub = dm_sub_profiles(g, cube, u, v);
  if (target.backend == Backend::Cuda) return dm_curve_cuda(target.device, g, sub);
  return dm_curve_cpu(g, sub, target.threads);
}

std::vector<float> freq_fdot_map(const Geometry& g, const FoldCube& cube, double w,
                                 const GridTarget& target) {
  const std::vector<float> sub = map_sub_profiles(g, cube, w);
  std::vector<double> base, slope;
  map_phases(g, base, slope);
  if (target.backend == Backend::Cuda) {
    return freq_fdot_map_cuda(target.device, g, sub, base, slope);
  }
  return freq_fdot_map_cpu(g, sub, base, slope, target.threads);
}

}  // namespace tianyan::fold_detail
