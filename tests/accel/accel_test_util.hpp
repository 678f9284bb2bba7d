#pragma once
// Reference spectra for the acceleration and interpolation tests, computed independently of
// the code under test: FFTW directly, and the DFT at a fractional frequency in double.
#include <fftw3.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

namespace tianyan::test {

// X_k = sum_t x_t exp(-2 pi i k t / nfft) for k = 0..nfft/2, the series zero-padded to nfft
// (>= x.size()): padding by p samples the same spectrum every 1/p bins of the unpadded series.
inline std::vector<std::complex<float>> real_spectrum(const std::vector<float>& x, size_t nfft) {
  std::vector<float> in(nfft, 0.0f);
  std::copy(x.begin(), x.end(), in.begin());
  std::vector<std::complex<float>> out(nfft / 2 + 1);
  fftwf_plan plan =
      fftwf_plan_dft_r2c_1d(static_cast<int>(nfft), in.data(),
                            reinterpret_cast<fftwf_complex*>(out.data()), FFTW_ESTIMATE);
  EXPECT_NE(plan, nullptr);
  fftwf_execute(plan);
  fftwf_destroy_plan(plan);
  return out;
}

// sum_t x_t exp(-2 pi i r t / n) at a fractional bin r, in double; the phase is reduced mod 1
// before the sine so that it stays exact for long series.
template <typename T>
std::complex<double> direct_dft(const std::vector<T>& x, double r) {
  const double n = static_cast<double>(x.size());
  std::complex<double> sum = 0;
  for (size_t t = 0; t < x.size(); ++t) {
    const double turns = r * static_cast<double>(t) / n;
    const double angle = -2 * std::numbers::pi * (turns - std::floor(turns));
    sum += static_cast<double>(x[t]) * std::polar(1.0, angle);
  }
  return sum;
}

}  // namespace tianyan::test
