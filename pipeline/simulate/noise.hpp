#pragma once
// Counter-based Gaussian noise: every value is a pure function of (seed, beam, pol, sample,
// channel), so any thread can generate any block and the output does not depend on the number
// of threads or on the block size.
//
// Uniforms come from two rounds of Wellons' "lowbias32" integer hash (hash-prospector; a
// 32-bit bijection with very low avalanche bias) keyed by a splitmix64 hash of the row
// (seed, beam, pol, sample); Gaussians from a 4096-interval inverse-CDF table with linear
// interpolation. The two outermost intervals at each end (probability 1/1024) take an exact
// inverse-normal path (Acklam's rational approximation, relative error < 1.2e-9), so the tails
// reach about 6.2 sigma; the interpolation error elsewhere is below 0.005 sigma.
#include <cstddef>
#include <cstdint>

namespace tianyan {

class GaussianNoise {
 public:
  explicit GaussianNoise(uint64_t seed);

  // Key of one row of channels.
  uint64_t row_key(int beam, int pol, uint64_t sample) const;

  // out[c] = mean[c] + sigma[c] * (n(key, c) + scale * signal[c]) for c in [0, nchan).
  // signal may be nullptr (no signal). Vectorisable; the hot loop of the simulator.
  void fill_row(uint64_t key, size_t nchan, const float* mean, const float* sigma,
                const float* signal, float scale, float* out) const;

  // One standard normal value (slow path; tests and statistics).
  float normal(uint64_t key, uint32_t channel) const;

 private:
  uint64_t seed_;
};

// Inverse of the standard normal CDF, for p in (0, 1) (Acklam's algorithm).
double inverse_normal_cdf(double p);

}  // namespace tianyan
