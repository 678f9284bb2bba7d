#pragma once
// Per-series spectral preparation (docs/search.md, ../shared/docs/SCIENCE.md): baseline
// removal, whitening of the power spectrum to exponential noise of mean 1, interbinning, and
// birdie zapping. Amplitudes are complex Fourier bins k = 0..nbins-1 (k = frequency k / T).
#include <complex>
#include <cstddef>
#include <vector>

#include "kernels/search/search_config.hpp"

namespace tianyan {

// Subtracts a running mean over `window` samples (centred, shrinking at the ends) and scales
// to unit variance (the scale does not matter for normalised powers; it keeps FFT sums well
// inside float range). O(n). A constant series becomes all zeros.
void remove_baseline(float* x, size_t n, size_t window);

// Divides the amplitudes so that noise powers |a_k|^2 are exponential with mean 1: blocks of
// width growing from rn.start_bins to rn.max_bins (logarithmically; the exact rule is in
// spectrum.cpp), each scaled by median(power) / ln 2 (for a block of w bins, the expected
// median of w unit exponentials, which is 2% above ln 2 at w = 100), with the scale
// interpolated linearly between block centres. Bin 0 (the mean) is set to 0. `scratch` is
// resized as needed (no allocation once large enough).
void normalise_spectrum(std::complex<float>* a, size_t nbins, const RednoiseConfig& rn,
                        std::vector<float>& scratch);

// Interbinning (Ransom, Eikenberry & Middleditch 2002): the amplitude half-way between bins
// k and k+1 is about (pi/4)(a_k - a_{k+1}). The raw power at k + 1/2.
inline float interbin_power(std::complex<float> ak, std::complex<float> ak1) {
  const std::complex<float> d = ak - ak1;
  constexpr float kPi2Over16 = 0.61685027506808491f;  // (pi / 4)^2
  return kPi2Over16 * (d.real() * d.real() + d.imag() * d.imag());
}

// Powers on the half-bin grid, p[2k] = |a_k|^2 and p[2k+1] = the interbinned power at
// k + 1/2 divided by pi^2/8, so that noise has mean 1 at every grid point (white noise gives
// raw interbinned powers of mean pi^2/8 = 1.23; docs/search.md). p has 2 nbins - 1 values.
void half_bin_powers(const std::complex<float>* a, size_t nbins, float* p);

// A zapped frequency interval, in Fourier bins [lo, hi] (inclusive, clipped to the spectrum).
struct ZapRange {
  size_t lo = 0;
  size_t hi = 0;
};

// The bins to zap for `birdies` in a spectrum of `nbins` bins of width df_hz = 1 / T: for each
// harmonic h, [h f - w/2, h f + w/2] widened by half a bin on each side. Sorted and merged.
std::vector<ZapRange> birdie_zap_ranges(const std::vector<BirdieConfig>& birdies, double df_hz,
                                        size_t nbins);

// Sets the amplitudes in `ranges` to 0 (zero power never makes a candidate).
void zap_bins(std::complex<float>* a, size_t nbins, const std::vector<ZapRange>& ranges);

// Automatic birdies: the strongest local maxima of the normalised power |a_k|^2 at or above
// cfg.min_power (at most cfg.max_birdies), each as a birdie of one harmonic and width
// cfg.width_bins x df_hz, in order of frequency. Bins below f_min_hz are ignored; none when
// !cfg.enabled.
std::vector<BirdieConfig> find_auto_birdies(const std::complex<float>* a, size_t nbins,
                                            double df_hz, double f_min_hz,
                                            const AutoBirdieConfig& cfg);

}  // namespace tianyan
