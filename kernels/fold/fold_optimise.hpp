#pragma once
// The P/Pdot/DM optimiser of a folded cube (prepfold's method): sub-integrations are rotated
// by the phase a change of frequency and fdot adds at their middle time, subbands by the phase
// a change of DM adds at their centre frequency, and the rotated profiles are summed. It needs
// the cube alone, so plots and archives can be redrawn without the raw data.
// Grids, S/N, errors and measured figures: docs/fold_optimise.md.
#include "kernels/common/backend.hpp"
#include "kernels/fold/fold.hpp"
#include "kernels/fold/profile_stats.hpp"

namespace tianyan {

// Searches the grids of config (p_span_turns, pdot_span_turns, dm_span_turns) around
// cube.model with integer-bin rotations: a DM scan at the folded frequency and fdot, the
// frequency-fdot map at the best DM, the DM curve at the best frequency and fdot (repeated
// until the best DM stops moving), then refines the best point with Fourier (fractional-bin)
// rotations by maximising the profile's harmonic power under a low-pass set by the pulse
// width (the profile's chi-square, less the harmonics that hold only noise). Every field of
// FoldOptimum is filled:
//  * model: the refined model at cube.model.ref_s; DM is never negative;
//  * freq_err_hz, fdot_err_hz_s, dm_err: 1-sigma errors from the Fisher matrix of the cells'
//    phases (0 where the cube cannot measure that parameter: one sub-integration for the
//    frequency, fewer than three for fdot, one subband frequency for DM);
//  * snr, redchi2, width_bins, peak_bin: profile_stats of `profile`;
//  * profile [nbin], time_phase [nsubint][nbin], freq_phase [nsubband][nbin]: the cube folded
//    at the refined model (Fourier rotations), phase 0 at the model's ref_s;
//  * dm_grid / dm_snr: the DM curve at the best grid frequency and fdot;
//  * freq_grid_hz (the spin frequency at the cube's middle epoch, the bin_var-weighted mean of
//    subint_mid_s, which is ref_s's frequency when ref_s is that middle, the search's
//    convention) and fdot_grid_hz_s, with freq_fdot_snr [fdot][freq] at the best grid DM.
// threads: OpenMP threads for the grids (values below 1 mean 1).
// Throws BadInput ("fold cube: ...") when the cube's sizes are inconsistent, nbin < 4, a
// time, frequency or variance is not finite, the model's frequency is not positive, or
// nothing was folded (every bin_var is 0).
FoldOptimum optimise_fold(const FoldCube& cube, const FoldConfig& config, int threads);

// The same, with the integer-bin grid scans (the DM curve and the frequency-fdot map: many
// points, each a sum of rotated profiles) on `backend`, CUDA device `device`
// (kernels/fold/fold_grid_cuda.cpp); the Fourier refinement stays on the host. The scans'
// S/N are the CPU's bit for bit (kernels/fold/fold_grid_elements.hpp), so the result is the
// CPU's. Throws Environment, saying why, when the device cannot run them (never a CPU run
// instead), or its free memory cannot hold a scan's work space.
FoldOptimum optimise_fold(const FoldCube& cube, const FoldConfig& config, int threads,
                          Backend backend, int device);

}  // namespace tianyan
