#pragma once
// Helpers for the spectrum tests: seeded series, a one-shot FFT, and simple statistics.
#include <cmath>
#include <complex>
#include <cstddef>
#include <random>
#include <vector>

#include "kernels/fft/real_fft.hpp"

namespace tianyan::test {

inline constexpr double kPi = 3.14159265358979323846;

// Gaussian white noise of the given sigma.
inline std::vector<float> gaussian_noise(size_t n, double sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = static_cast<float>(g(rng));
  return x;
}

// x_t += amp cos(2 pi r t / n + phase): frequency r in Fourier bins.
inline void add_sinusoid(std::vector<float>& x, double r, double amp, double phase) {
  const double n = static_cast<double>(x.size());
  for (size_t t = 0; t < x.size(); ++t) {
    x[t] += static_cast<float>(amp * std::cos(2 * kPi * r * static_cast<double>(t) / n + phase));
  }
}

// The unnormalised r2c spectrum of x (n / 2 + 1 bins), through the process-wide plan cache.
inline std::vector<std::complex<float>> spectrum_of(const std::vector<float>& x) {
  auto plan = real_fft_plan(x.size(), FftEffort::Estimate);
  FftRealBuffer in = fft_alloc_real(x.size());
  FftComplexBuffer out = fft_alloc_complex(plan->nbins());
  std::copy(x.begin(), x.end(), in.get());
  plan->execute(in.get(), out.get());
  return std::vector<std::complex<float>>(out.get(), out.get() + plan->nbins());
}

inline double mean_power(const std::vector<std::complex<float>>& a, size_t k0, size_t k1) {
  double s = 0;
  for (size_t k = k0; k < k1; ++k) s += std::norm(a[k]);
  return s / static_cast<double>(k1 - k0);
}

}  // namespace tianyan::test
