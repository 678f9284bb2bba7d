#include "kernels/fold/fold_optimise.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"
#include "kernels/fold/fold_optimise_detail.hpp"

namespace tianyan {
namespace fold_detail {
namespace {

template <typename... Args>
[[nodiscard]] Error cube_error(fmt::format_string<Args...> what, Args&&... args) {
  return Error(ErrorKind::BadInput, "fold cube: " + fmt::format(what, std::forward<Args>(args)...));
}

void validate(const FoldCube& c) {
  if (c.nsubint == 0 || c.nsubband == 0)
    throw cube_error("empty ({} sub-integrations x {} subbands)", c.nsubint, c.nsubband);
  if (c.nbin < 4) throw cube_error("{} phase bins, need at least 4", c.nbin);
  const size_t ncell = c.nsubint * c.nsubband;
  if (c.data.size() != ncell * c.nbin)
    throw cube_error("data holds {} values, {} x {} x {} expected", c.data.size(), c.nsubint,
                     c.nsubband, c.nbin);
  if (c.bin_var.size() != ncell)
    throw cube_error("bin_var holds {} values, {} x {} expected", c.bin_var.size(), c.nsubint,
                     c.nsubband);
  if (c.freqs_mhz.size() != c.nsubband)
    throw cube_error("{} subband frequencies for {} subbands", c.freqs_mhz.size(), c.nsubband);
  if (c.subint_mid_s.size() != c.nsubint)
    throw cube_error("{} sub-integration times for {} sub-integrations", c.subint_mid_s.size(),
                     c.nsubint);
  for (double f : c.freqs_mhz)
    if (!(f > 0) || !std::isfinite(f)) throw cube_error("subband frequency {} MHz", f);
  if (!(c.ref_freq_mhz > 0) || !std::isfinite(c.ref_freq_mhz))
    throw cube_error("reference frequency {} MHz", c.ref_freq_mhz);
  for (double t : c.subint_mid_s)
    if (!std::isfinite(t)) throw cube_error("sub-integration time {} s", t);
  if (!(c.tobs_s > 0) || !std::isfinite(c.tobs_s))
    throw cube_error("observation length {} s", c.tobs_s);
  const FoldModel& m = c.model;
  if (!(m.freq_hz > 0) || !std::isfinite(m.freq_hz) || !std::isfinite(m.fdot_hz_s) ||
      !std::isfinite(m.dm) || !std::isfinite(m.ref_s))
    throw cube_error("folding model f = {} Hz, fdot = {} Hz/s, DM = {}, ref = {} s", m.freq_hz,
                     m.fdot_hz_s, m.dm, m.ref_s);
  double total = 0;
  for (float v : c.bin_var) {
    if (!(v >= 0) || !std::isfinite(v)) throw cube_error("bin variance {}", v);
    total += v;
  }
  if (!(total > 0)) throw cube_error("nothing folded (every bin_var is 0)");
}

int grid_half(double span_turns, size_t nb) {
  return static_cast<int>(std::lround(std::max(0.0, span_turns) * static_cast<double>(nb)));
}

}  // namespace

Geometry make_geometry(const FoldCube& cube, const FoldConfig& config) {
  Geometry g;
  g.ns = cube.nsubint, g.nf = cube.nsubband, g.nb = cube.nbin;
  g.model = cube.model;
  g.var.assign(cube.bin_var.begin(), cube.bin_var.end());
  std::vector<double> wi(g.ns, 0.0), wj(g.nf, 0.0);
  for (size_t i = 0; i < g.ns; ++i)
    for (size_t j = 0; j < g.nf; ++j) wi[i] += g.var[i * g.nf + j], wj[j] += g.var[i * g.nf + j];
  double tw = 0;
  size_t nt = 0;
  for (size_t i = 0; i < g.ns; ++i) {
    g.var_total += wi[i], tw += wi[i] * cube.subint_mid_s[i];
    nt += wi[i] > 0;
  }
  g.t_mid = tw / g.var_total;
  g.tau.resize(g.ns);
  for (size_t i = 0; i < g.ns; ++i) g.tau[i] = cube.subint_mid_s[i] - g.model.ref_s;
  const double nb = static_cast<double>(g.nb), T = cube.tobs_s;
  // One bin of drift end to end (frequency) and at the ends against the middle (fdot).
  g.df = 1.0 / (nb * T);
  g.dfdot = 8.0 / (nb * T * T);
  g.fit_f = nt >= 2, g.fit_fdot = nt >= 3;
  g.nu = g.fit_f ? grid_half(config.p_span_turns, g.nb) : 0;
  g.nv = g.fit_fdot ? grid_half(config.pdot_span_turns, g.nb) : 0;
  g.xdel.resize(g.nf);
  double xlo = INFINITY, xhi = -INFINITY;
  for (size_t j = 0; j < g.nf; ++j) {
    g.xdel[j] = dispersion_delay_s(1.0, cube.freqs_mhz[j], cube.ref_freq_mhz);
    if (wj[j] > 0) xlo = std::min(xlo, g.xdel[j]), xhi = std::max(xhi, g.xdel[j]);
  }
  // One DM step changes the delay between the extreme subbands by one bin.
  g.fit_dm = xhi > xlo;
  if (g.fit_dm) {
    g.ddm = 1.0 / (nb * g.model.freq_hz * (xhi - xlo));
    g.w_hi = grid_half(config.dm_span_turns, g.nb);
    const double w_min = -std::max(g.model.dm, 0.0) / g.ddm;  // grid DMs stay >= 0
    g.w_lo = std::max(-g.w_hi, static_cast<int>(std::ceil(w_min - 1e-9)));
  }
  return g;
}

namespace {

size_t argmax(const auto& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Covariance of (u, v, w), in steps, from the Fisher matrix of the cells' phases: a cell
// holding the share var_c / V of the signal has the phase error sigma_shift sqrt(V / var_c)
// (bins), sigma_shift being the error of the whole profile; the constant phase is a nuisance
// parameter. sigma_shift comes from the Gaussian pulse that gives the measured boxcar:
// sigma_gauss = width / kBoxcarGaussWidth, matched-filter S/N = snr / kBoxcarGaussEfficiency,
// and a Gaussian's shift error is sqrt(2) sigma_gauss / (matched-filter S/N). Parameters the
// cube cannot measure keep 0.
using Cov = std::array<std::array<double, 3>, 3>;
Cov step_covariance(const Geometry& g, double snr, double width_bins) {
  Cov cov{};
  if (!(snr > 0)) return cov;
  const double sigma_shift =
      std::sqrt(2.0) * kBoxcarGaussEfficiency * width_bins / (kBoxcarGaussWidth * snr);
  const bool fit[4] = {true, g.fit_f, g.fit_fdot, g.fit_dm};
  double F[4][4] = {};
  const double nb = static_cast<double>(g.nb);
  for (size_t i = 0; i < g.ns; ++i)
    for (size_t j = 0; j < g.nf; ++j) {
      const double wc = g.var[i * g.nf + j] / g.var_total;
      if (wc <= 0) continue;
      const double d[4] = {1.0, -g.dphi(1, 0, i) * nb, -g.dphi(0, 1, i) * nb, g.dmphi(1, j) * nb};
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) F[a][b] += wc * d[a] * d[b];
    }
  // Invert the block of fitted parameters (Gauss-Jordan with partial pivoting, 4x4 at most).
  int idx[4], n = 0;
  for (int a = 0; a < 4; ++a)
    if (fit[a]) idx[n++] = a;
  double A[4][8] = {};
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) A[a][b] = F[idx[a]][idx[b]];
    A[a][n + a] = 1.0;
  }
  for (int col = 0; col < n; ++col) {
    int piv = col;
    for (int r = col + 1; r < n; ++r)
      if (std::fabs(A[r][col]) > std::fabs(A[piv][col])) piv = r;
    if (!(std::fabs(A[piv][col]) > 1e-12 * std::fabs(F[idx[col]][idx[col]]))) return cov;
    std::swap(A[col], A[piv]);
    const double p = A[col][col];
    for (int b = 0; b < 2 * n; ++b) A[col][b] /= p;
    for (int r = 0; r < n; ++r)
      if (r != col) {
        const double f = A[r][col];
        for (int b = 0; b < 2 * n; ++b) A[r][b] -= f * A[col][b];
      }
  }
  const double s2 = sigma_shift * sigma_shift;
  for (int a = 1; a < n; ++a)
    for (int b = 1; b < n; ++b)
      cov[static_cast<size_t>(idx[a] - 1)][static_cast<size_t>(idx[b] - 1)] = s2 * A[a][n + b];
  return cov;
}

// The integer-bin grid search: DM curve at the folded model, then map and curve in turn until
// the best DM stops moving. Fills the grids of best; returns the best grid point.
std::array<double, 3> grid_search(const Geometry& g, const FoldCube& cube,
                                  const GridTarget& target, FoldOptimum& best) {
  double u = 0, v = 0;
  std::vector<double> curve = dm_curve(g, cube, u, v, target);
  double w = g.w_lo + static_cast<double>(argmax(curve));
  std::vector<float> map;
  for (int iter = 0; iter < 4; ++iter) {
    map = freq_fdot_map(g, cube, w, target);
    const size_t k = argmax(map), ncol = static_cast<size_t>(2 * g.nu + 1);
    u = static_cast<double>(k % ncol) - g.nu;
    v = static_cast<double>(k / ncol) - g.nv;
    curve = dm_curve(g, cube, u, v, target);
    const double w_new = g.w_lo + static_cast<double>(argmax(curve));
    if (w_new == w) break;
    w = w_new;
  }
  best.dm_grid.resize(curve.size());
  for (size_t k = 0; k < curve.size(); ++k)
    best.dm_grid[k] = g.model.dm + (g.w_lo + static_cast<double>(k)) * g.ddm;
  best.dm_snr = std::move(curve);
  const double f_mid = g.model.freq_hz + g.model.fdot_hz_s * (g.t_mid - g.model.ref_s);
  best.freq_grid_hz.resize(static_cast<size_t>(2 * g.nu + 1));
  for (size_t c = 0; c < best.freq_grid_hz.size(); ++c)
    best.freq_grid_hz[c] = f_mid + (static_cast<double>(c) - g.nu) * g.df;
  best.fdot_grid_hz_s.resize(static_cast<size_t>(2 * g.nv + 1));
  for (size_t r = 0; r < best.fdot_grid_hz_s.size(); ++r)
    best.fdot_grid_hz_s[r] = g.model.fdot_hz_s + (static_cast<double>(r) - g.nv) * g.dfdot;
  best.freq_fdot_snr = std::move(map);
  return {u, v, w};
}

}  // namespace
}  // namespace fold_detail

FoldOptimum optimise_fold(const FoldCube& cube, const FoldConfig& config, int threads) {
  return optimise_fold(cube, config, threads, Backend::Cpu, 0);
}

FoldOptimum optimise_fold(const FoldCube& cube, const FoldConfig& config, int threads,
                          Backend backend, int device) {
  using namespace fold_detail;
  validate(cube);
  threads = std::max(threads, 1);
  if (backend == Backend::Cuda) check_grid_device(device);
  const Geometry g = make_geometry(cube, config);
  FoldOptimum best;
  auto [u, v, w] = grid_search(g, cube, GridTarget{backend, device, threads}, best);
  const Spectra spec = cell_spectra(g, cube, threads);
  // The grid's best profile sets the low-pass of the refinement.
  const double var0 = fold_at(g, spec, u, v, w, best);
  const ProfileStats st0 = profile_stats(best.profile.data(), g.nb, var0);
  refine(g, spec, st0.width_bins / kBoxcarGaussWidth, u, v, w);
  const double var = fold_at(g, spec, u, v, w, best);
  const ProfileStats st = profile_stats(best.profile.data(), g.nb, var);
  best.snr = st.snr, best.redchi2 = st.redchi2;
  best.width_bins = st.width_bins, best.peak_bin = st.peak_bin;
  best.model = g.model;
  best.model.freq_hz += g.dfreq_ref(u, v);
  best.model.fdot_hz_s += v * g.dfdot;
  best.model.dm = std::max(0.0, g.model.dm + w * g.ddm);
  const Cov c = step_covariance(g, st.snr, st.width_bins);
  // The model's frequency is at ref_s: f_ref = f_mid + fdot (ref_s - t_mid).
  const double a = g.df, b = g.dfdot * (g.model.ref_s - g.t_mid);
  best.freq_err_hz =
      std::sqrt(std::max(0.0, a * a * c[0][0] + b * b * c[1][1] + 2 * a * b * c[0][1]));
  best.fdot_err_hz_s = g.dfdot * std::sqrt(c[1][1]);
  best.dm_err = g.ddm * std::sqrt(c[2][2]);
  return best;
}

}  // namespace tianyan
