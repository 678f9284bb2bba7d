// The integer-bin grid scans of optimise_fold: the DM curve and the frequency-fdot map.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/fold/fold_optimise_detail.hpp"
#include "kernels/fold/profile_stats.hpp"

namespace tianyan::fold_detail {
namespace {

// acc[b] += src[s + b] for b < nb, where src holds a profile twice over (2 nb values), so the
// circular rotation is one contiguous, vectorisable pass.
inline void add_rotated(float* acc, const float* src, size_t s, size_t nb) {
  const float* p = src + s;
#pragma omp simd
  for (size_t b = 0; b < nb; ++b) acc[b] += p[b];
}

// out[b] = sum over r of src[r][b], b < nb (the map's inner loop: the rows are the rotated
// sub-integrations), four rows a pass to cut the loads and stores of out.
inline void sum_rows(const float* const* src, size_t nrow, size_t nb, float* out) {
  std::fill(out, out + nb, 0.0f);
  size_t r = 0;
  for (; r + 4 <= nrow; r += 4) {
    const float *p0 = src[r], *p1 = src[r + 1], *p2 = src[r + 2], *p3 = src[r + 3];
#pragma omp simd
    for (size_t b = 0; b < nb; ++b) out[b] += (p0[b] + p1[b]) + (p2[b] + p3[b]);
  }
  for (; r < nrow; ++r) add_rotated(out, src[r], 0, nb);
}

inline void double_up(std::vector<float>& rows, size_t nb) {
  const size_t nrow = rows.size() / (2 * nb);
  for (size_t r = 0; r < nrow; ++r)
    for (size_t b = 0; b < nb; ++b) rows[(2 * r + 1) * nb + b] = rows[2 * r * nb + b];
}

}  // namespace

size_t bin_shift(double psi, size_t nbin) {
  const long n = static_cast<long>(nbin);
  long r = std::lround(psi * static_cast<double>(nbin)) % n;
  if (r < 0) r += n;
  return static_cast<size_t>(r);
}

std::vector<double> dm_curve(const Geometry& g, const FoldCube& cube, double u, double v,
                             int threads) {
  const size_t nb = g.nb;
  // Subband profiles folded at (u, v), each stored twice over: [nf][2 nb].
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
  const int nw = g.w_hi - g.w_lo + 1;
  std::vector<double> snr(static_cast<size_t>(nw));
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> acc(nb), scratch(2 * nb + 1);
#pragma omp for schedule(static)
    for (int k = 0; k < nw; ++k) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      const double w = g.w_lo + k;
      for (size_t j = 0; j < g.nf; ++j)
        add_rotated(acc.data(), sub.data() + 2 * j * nb, bin_shift(g.dmphi(w, j), nb), nb);
      snr[static_cast<size_t>(k)] = profile_snr_fast(acc.data(), nb, g.var_total, scratch.data());
    }
  }
  return snr;
}

std::vector<float> freq_fdot_map(const Geometry& g, const FoldCube& cube, double w, int threads) {
  const size_t nb = g.nb;
  // Sub-integration profiles dedispersed at w, each stored twice over: [ns][2 nb].
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
  const int nrow = 2 * g.nv + 1, ncol = 2 * g.nu + 1;
  std::vector<float> map(static_cast<size_t>(nrow) * static_cast<size_t>(ncol));
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> acc(nb), scratch(2 * nb + 1);
    std::vector<double> base(g.ns), slope(g.ns);
    std::vector<const float*> src(g.ns);
#pragma omp for schedule(dynamic, 1)
    for (int r = 0; r < nrow; ++r) {
      const double v = r - g.nv;
      // -dphi(u, v, i) = base[i] + u slope[i]
      for (size_t i = 0; i < g.ns; ++i) base[i] = -g.dphi(0, v, i), slope[i] = -g.dphi(1, 0, i);
      for (int c = 0; c < ncol; ++c) {
        const double u = c - g.nu;
        for (size_t i = 0; i < g.ns; ++i)
          src[i] = sub.data() + 2 * i * nb + bin_shift(base[i] + u * slope[i], nb);
        sum_rows(src.data(), g.ns, nb, acc.data());
        map[static_cast<size_t>(r) * static_cast<size_t>(ncol) + static_cast<size_t>(c)] =
            static_cast<float>(profile_snr_fast(acc.data(), nb, g.var_total, scratch.data()));
      }
    }
  }
  return map;
}

}  // namespace tianyan::fold_detail
