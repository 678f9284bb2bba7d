#pragma once
// Statistics of one folded pulse profile: the boxcar S/N and prepfold's reduced chi-square.
// Definitions and measured figures: docs/fold_optimise.md.
#include <cstddef>

namespace tianyan {

struct ProfileStats {
  double snr = 0;         // best boxcar S/N over all circular phases and widths 1..nbin/2
  double redchi2 = 0;     // sum((p - mean)^2) / bin_var / (nbin - 1); noise gives 1 on average
  double width_bins = 0;  // width w of the best boxcar, bins
  size_t peak_bin = 0;    // first bin of that boxcar: it covers peak_bin .. + w - 1 (mod nbin)
  double mean = 0;        // mean of the bins outside the best boxcar (the off-pulse baseline)
};

// profile: nbin values (bin fastest, phase 0 at bin 0); bin_var: the noise variance of one bin.
// For a window of w bins starting at b (circular), with S its sum and m the mean of the other
// nbin - w bins, S/N(b, w) = (S - w m) / sqrt(w bin_var); snr is the maximum over b and
// w = 1..nbin/2 (ties keep the narrowest, then the first bin).
// Throws Internal when nbin < 2 or bin_var is not a positive finite number.
ProfileStats profile_stats(const float* profile, size_t nbin, double bin_var);

// The snr of profile_stats over a dense set of widths (all up to 8 bins, then steps of w / 8,
// so never above profile_stats' and within about 1% of it for a real pulse), in float, with
// no allocation: the inner loop of the optimiser's grids. scratch: at least 2 nbin + 1 floats.
// Returns 0 for a constant profile.
double profile_snr_fast(const float* profile, size_t nbin, double bin_var, float* scratch);

// Ratio of the best boxcar S/N to the matched-filter S/N for a Gaussian pulse (continuous
// phase, known baseline): max over w of sqrt(2 pi) erf(w / (2 sqrt 2 sigma)) / sqrt(w sqrt(pi)
// / sigma), reached at w = kBoxcarGaussWidth sigma.
inline constexpr double kBoxcarGaussEfficiency = 0.94345;
inline constexpr double kBoxcarGaussWidth = 2.80;

}  // namespace tianyan
