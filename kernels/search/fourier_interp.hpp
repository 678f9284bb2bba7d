#pragma once
// Fourier interpolation of a complex spectrum at fractional frequencies, and the refinement of
// candidates by it (docs/search.md, "Refinement"). For a series of n samples the amplitude at
// fractional bin r is sum_k a_k exp(-i pi (r - k)) sinc(pi (r - k)) over all k (exact for a
// real series of length n up to terms of order 1/n per neighbour), with the sign convention of
// FFTW's forward transform, a_k = sum_t x_t exp(-2 pi i k t / n). Truncating to
// |r - k| <= half_width neighbours loses up to 4 / (pi^2 half_width) of a sinusoid's power
// (1.3% for 32, half-way between bins; nothing at integer r), and leaves noise an rms error of
// about 1 / (pi sqrt(half_width)) of its amplitude. Near the ends the window continues into
// the conjugate images: a_{-k} = conj(a_k), and above the last bin the bins mirror about it
// as for an even n = 2 (nbins - 1).
#include <complex>
#include <cstddef>
#include <vector>

namespace tianyan {

// The interpolated amplitude at bin r (0 <= r < nbins); an integer r returns a_r exactly.
std::complex<double> fourier_interp(const std::complex<float>* a, size_t nbins, double r,
                                    int half_width = 32);

struct RefinedPeak {
  double r_fund = 0;               // the fundamental, bins
  double power = 0;                // sum_h |A(h r)|^2 at r_fund (noise mean nharm)
  std::vector<double> harm_power;  // |A(h r)|^2 for h = 1..nharm
};

// Maximises sum_{h=1..nharm} |A(h r)|^2 over r in [r0 - half_range, r0 + half_range]: a scan
// at steps of 1 / (8 nharm) bins, then golden-section search around the best step to 1e-4
// bins / nharm. Harmonics at or beyond nbins contribute 0.
RefinedPeak refine_peak(const std::complex<float>* a, size_t nbins, double r0, int nharm,
                        double half_range, int half_width = 32);

}  // namespace tianyan
