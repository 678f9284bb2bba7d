#pragma once
// Internals of optimise_fold shared by its source files (not a public interface).
//
// A trial model is a point (u, v, w) in grid steps: u frequency steps of df at the cube's
// middle epoch t_mid, v fdot steps of dfdot, w DM steps of ddm. The pulse that the trial model
// puts at phase 0 lies, in cell (subint i, subband j) of the cube, at phase (turns)
//   psi_ij = -dphi_i(u, v) + dmphi_j(w),
// dphi_i: the phase the model change adds at t_i (relative to ref_s), dmphi_j: the folding
// frequency times the delay the DM change adds at f_j. Rotating cell ij so that bin b takes
// old bin b + psi_ij nbin (mod nbin) and summing gives the profile folded at the trial model.
#include <complex>
#include <cstddef>
#include <vector>

#include "kernels/common/backend.hpp"
#include "kernels/fold/fold.hpp"
#include "kernels/fold/fold_grid_elements.hpp"

namespace tianyan::fold_detail {

struct Geometry {
  size_t ns = 0, nf = 0, nb = 0;
  FoldModel model;                    // the folding model
  double t_mid = 0;                   // bin_var-weighted mean of subint_mid_s
  double df = 0, dfdot = 0, ddm = 0;  // grid steps: Hz, Hz/s, pc cm^-3 (0: not searchable)
  int nu = 0, nv = 0;                 // u in [-nu, nu], v in [-nv, nv]
  int w_lo = 0, w_hi = 0;  // w in [w_lo, w_hi] (w_lo > -(dm_span nbin) when DM would be < 0)
  // Which parameters the cube can measure: the frequency needs two sub-integration times,
  // fdot three, DM two subband frequencies (with something folded in them).
  bool fit_f = false, fit_fdot = false, fit_dm = false;
  std::vector<double> tau;   // [ns] subint_mid_s - ref_s
  std::vector<double> xdel;  // [nf] dispersion delay per unit DM at freqs_mhz, s
  std::vector<double> var;   // [ns][nf] bin_var as double
  double var_total = 0;

  double dfreq_ref(double u, double v) const { return u * df + v * dfdot * (model.ref_s - t_mid); }
  double dphi(double u, double v, size_t i) const {
    return dfreq_ref(u, v) * tau[i] + 0.5 * v * dfdot * tau[i] * tau[i];
  }
  double dmphi(double w, size_t j) const { return fold_grid::dm_phase(model.freq_hz, w, ddm, xdel[j]); }
};

Geometry make_geometry(const FoldCube& cube, const FoldConfig& config);

// Integer rotation in bins for a phase psi (turns): round(psi nbin) mod nbin, in [0, nbin).
size_t bin_shift(double psi, size_t nbin);

// Where the grid scans run: OpenMP threads on the CPU, or CUDA device `device`; both give
// the same S/N at every point (kernels/fold/fold_grid_elements.hpp).
struct GridTarget {
  Backend backend = Backend::Cpu;
  int device = 0;
  int threads = 1;
};

// Grid scans (fold_optimise_grid.cpp), integer-bin rotations, S/N by profile_snr_fast.
// DM curve at (u, v): one S/N per w in [w_lo, w_hi].
std::vector<double> dm_curve(const Geometry& g, const FoldCube& cube, double u, double v,
                             const GridTarget& target);
// Frequency-fdot map at w: [2 nv + 1][2 nu + 1], v-major.
std::vector<float> freq_fdot_map(const Geometry& g, const FoldCube& cube, double w,
                                 const GridTarget& target);

// What the scans sum: the cube's subband profiles folded at (u, v), or its sub-integration
// profiles dedispersed at w, each stored twice over ([nf or ns][2 nb]) so that a rotation is
// one contiguous read; and the map's phases, -dphi(u, v, i) = base[v row][i] + u slope[i].
std::vector<float> dm_sub_profiles(const Geometry& g, const FoldCube& cube, double u, double v);
std::vector<float> map_sub_profiles(const Geometry& g, const FoldCube& cube, double w);
void map_phases(const Geometry& g, std::vector<double>& base, std::vector<double>& slope);

// The scans on a CUDA device (fold_grid_cuda.cpp; without the CUDA backend a stand-in that
// throws Environment). check_grid_device throws Environment, saying why, when `device`
// cannot run them; the scans throw it when its free memory cannot hold their work space.
void check_grid_device(int device);
std::vector<double> dm_curve_cuda(int device, const Geometry& g, const std::vector<float>& sub);
std::vector<float> freq_fdot_map_cuda(int device, const Geometry& g, const std::vector<float>& sub,
                                      const std::vector<double>& base,
                                      const std::vector<double>& slope);

// Fourier side (fold_optimise_refine.cpp). Spectra of every cell, [ns][nf][nb / 2 + 1],
// FFTW's convention X_k = sum_b x_b exp(-2 pi i k b / nb).
using Spectra = std::vector<std::complex<float>>;
Spectra cell_spectra(const Geometry& g, const FoldCube& cube, int threads);
// Refines (u, v, w) from a grid point by maximising the power of the summed profile's
// harmonics 1 .. below Nyquist, weighted by a Gaussian pulse's of sigma_bins (a low-pass that
// keeps the noise of harmonics with no signal out), with fractional rotations, within +-1.5
// steps.
void refine(const Geometry& g, const Spectra& spec, double sigma_bins, double& u, double& v,
            double& w);

// The cube folded at (u, v, w) with fractional rotations, written into best (profile,
// time_phase, freq_phase); returns the noise variance of one bin of the summed profile
// (slightly below var_total: a rotated Nyquist harmonic keeps only its real part).
double fold_at(const Geometry& g, const Spectra& spec, double u, double v, double w,
               FoldOptimum& best);

}  // namespace tianyan::fold_detail
