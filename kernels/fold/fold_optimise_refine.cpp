// The Fourier side of optimise_fold: cell spectra, the chi-square refinement with fractional
// rotations, and the final fold at the refined model.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/common/golden_section.hpp"
#include "kernels/fft/real_fft.hpp"
#include "kernels/fold/fold_optimise_detail.hpp"

namespace tianyan::fold_detail {
namespace {

using cd = std::complex<double>;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

size_t nharm(size_t nb) { return nb / 2 + 1; }
// Harmonics 1..kmax(nb) enter the chi-square; an even nb's Nyquist term is left out (a
// fractional rotation cannot keep it real).
size_t kmax(size_t nb) { return (nb - 1) / 2; }

// rows[r][k] (k = 1..K stored at k - 1) times exp(2 pi i k phase_r), summed over r, then
// sum_k |.|^2: the profile's power above the mean, i.e. (nb / 2) x its sum of squares.
double chi_power(const std::vector<cd>& rows, size_t nrow, size_t K,
                 const std::vector<double>& phase, const std::vector<double>& weight,
                 std::vector<cd>& acc) {
  std::fill(acc.begin(), acc.end(), cd(0, 0));
  for (size_t r = 0; r < nrow; ++r) {
    const cd z = std::polar(1.0, kTwoPi * phase[r]);
    cd rot = z;
    const cd* row = rows.data() + r * K;
    for (size_t k = 0; k < K; ++k, rot *= z) acc[k] += row[k] * rot;
  }
  double sum = 0;
  for (size_t k = 0; k < K; ++k) sum += weight[k] * std::norm(acc[k]);
  return sum;
}

// Collapses the cells over subbands (by_subint) or over sub-integrations, each cell rotated by
// exp(2 pi i k phase): phase_j for subbands, phase_i for sub-integrations.
std::vector<cd> collapse(const Geometry& g, const Spectra& spec, bool by_subint,
                         const std::vector<double>& phase) {
  const size_t nh = nharm(g.nb), K = kmax(g.nb);
  std::vector<cd> rows((by_subint ? g.ns : g.nf) * K, cd(0, 0));
  for (size_t i = 0; i < g.ns; ++i)
    for (size_t j = 0; j < g.nf; ++j) {
      const cd z = std::polar(1.0, kTwoPi * (by_subint ? phase[j] : phase[i]));
      cd rot = z;
      const std::complex<float>* c = spec.data() + (i * g.nf + j) * nh;
      cd* row = rows.data() + (by_subint ? i : j) * K;
      for (size_t k = 1; k <= K; ++k, rot *= z) row[k - 1] += cd(c[k]) * rot;
    }
  return rows;
}

std::vector<double> subint_phases(const Geometry& g, double u, double v) {
  std::vector<double> p(g.ns);
  for (size_t i = 0; i < g.ns; ++i) p[i] = -g.dphi(u, v, i);
  return p;
}

std::vector<double> subband_phases(const Geometry& g, double w) {
  std::vector<double> p(g.nf);
  for (size_t j = 0; j < g.nf; ++j) p[j] = g.dmphi(w, j);
  return p;
}

// Inverse of a half spectrum (nb / 2 + 1 values) into nb real samples.
void inverse_real(const cd* x, size_t nb, const std::vector<cd>& twiddle, float* out) {
  const size_t K = kmax(nb);
  for (size_t b = 0; b < nb; ++b) {
    double s = x[0].real();
    for (size_t k = 1; k <= K; ++k) s += 2.0 * (x[k] * twiddle[(k * b) % nb]).real();
    if (nb % 2 == 0) s += x[nb / 2].real() * ((b % 2) ? -1.0 : 1.0);
    out[b] = static_cast<float>(s / static_cast<double>(nb));
  }
}

}  // namespace

Spectra cell_spectra(const Geometry& g, const FoldCube& cube, int threads) {
  const size_t nh = nharm(g.nb), ncell = g.ns * g.nf;
  Spectra spec(ncell * nh);
  const auto plan = real_fft_plan(g.nb, FftEffort::Estimate, 1);
#pragma omp parallel num_threads(threads)
  {
    FftRealBuffer in = fft_alloc_real(g.nb);
    FftComplexBuffer out = fft_alloc_complex(nh);
#pragma omp for schedule(static)
    for (size_t c = 0; c < ncell; ++c) {
      std::copy_n(cube.data.data() + c * g.nb, g.nb, in.get());
      plan->execute(in.get(), out.get());
      std::copy_n(out.get(), nh, spec.data() + c * nh);
    }
  }
  return spec;
}

void refine(const Geometry& g, const Spectra& spec, double sigma_bins, double& u, double& v,
            double& w) {
  const size_t K = kmax(g.nb);
  if (K == 0) return;
  std::vector<double> weight(K);
  for (size_t k = 1; k <= K; ++k) {
    const double x = kTwoPi * static_cast<double>(k) * sigma_bins / static_cast<double>(g.nb);
    weight[k - 1] = std::exp(-0.25 * x * x);
  }
  std::vector<cd> acc(K);
  constexpr double kHalfRange = 1.5, kTol = 1e-3;
  for (int round = 0; round < 3; ++round) {
    if (g.fit_f || g.fit_fdot) {
      const std::vector<cd> rows = collapse(g, spec, true, subband_phases(g, w));
      auto chi_uv = [&](double uu, double vv) {
        return chi_power(rows, g.ns, K, subint_phases(g, uu, vv), weight, acc);
      };
      double best = chi_uv(u, v);
      if (g.fit_f) {
        double x = u;
        golden_max([&](double t) { return chi_uv(t, v); }, u - kHalfRange, u + kHalfRange, kTol, x,
                   best);
        u = x;
      }
      if (g.fit_fdot) {
        double x = v;
        golden_max([&](double t) { return chi_uv(u, t); }, v - kHalfRange, v + kHalfRange, kTol, x,
                   best);
        v = x;
      }
    }
    if (g.fit_dm) {
      const std::vector<cd> rows = collapse(g, spec, false, subint_phases(g, u, v));
      auto chi_w = [&](double ww) {
        return chi_power(rows, g.nf, K, subband_phases(g, ww), weight, acc);
      };
      double best = chi_w(w), x = w;
      const double w_min = -g.model.dm / g.ddm;  // DM stays >= 0
      golden_max(chi_w, std::max(w - kHalfRange, w_min), w + kHalfRange, kTol, x, best);
      w = x;
    }
  }
}

double fold_at(const Geometry& g, const Spectra& spec, double u, double v, double w,
               FoldOptimum& best) {
  const size_t nb = g.nb, nh = nharm(nb);
  const bool even = nb % 2 == 0;
  std::vector<cd> ts(g.ns * nh, cd(0, 0)), fs(g.nf * nh, cd(0, 0)), total(nh, cd(0, 0));
  const std::vector<double> pi_ = subint_phases(g, u, v), pj = subband_phases(g, w);
  double var = 0;
  for (size_t i = 0; i < g.ns; ++i)
    for (size_t j = 0; j < g.nf; ++j) {
      const double psi = pi_[i] + pj[j];
      const cd z = std::polar(1.0, kTwoPi * psi);
      cd rot(1, 0);
      const std::complex<float>* c = spec.data() + (i * g.nf + j) * nh;
      for (size_t k = 0; k < nh; ++k, rot *= z) {
        cd r = cd(c[k]) * rot;
        if (even && k == nb / 2) r = cd(r.real(), 0);
        ts[i * nh + k] += r;
        fs[j * nh + k] += r;
        total[k] += r;
      }
      // Keeping only the real part of the rotated Nyquist term removes sin^2 of its angle
      // from one of the nb equal shares of the cell's noise.
      const double s = even ? std::sin(std::numbers::pi * static_cast<double>(nb) * psi) : 0.0;
      var += g.var[i * g.nf + j] * (1.0 - s * s / static_cast<double>(nb));
    }
  std::vector<cd> twiddle(nb);
  for (size_t m = 0; m < nb; ++m)
    twiddle[m] = std::polar(1.0, kTwoPi * static_cast<double>(m) / static_cast<double>(nb));
  best.profile.assign(nb, 0.0f);
  best.time_phase.assign(g.ns * nb, 0.0f);
  best.freq_phase.assign(g.nf * nb, 0.0f);
  inverse_real(total.data(), nb, twiddle, best.profile.data());
  for (size_t i = 0; i < g.ns; ++i)
    inverse_real(ts.data() + i * nh, nb, twiddle, best.time_phase.data() + i * nb);
  for (size_t j = 0; j < g.nf; ++j)
    inverse_real(fs.data() + j * nh, nb, twiddle, best.freq_phase.data() + j * nb);
  return var;
}

}  // namespace tianyan::fold_detail
