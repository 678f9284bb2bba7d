#pragma once
// Per-channel dispersion delays in whole samples: the one rounding rule every dedispersion
// backend (CPU now, CUDA later) applies, so that their outputs agree sample for sample.
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/hd.hpp"

namespace tianyan {

// Delay of f_mhz relative to f_ref_mhz at `dm`, rounded to the nearest sample of tsamp_s
// (halves round up). Non-negative when f_mhz <= f_ref_mhz and dm >= 0.
TIANYAN_HD int32_t delay_samples(double dm, double f_mhz, double f_ref_mhz, double tsamp_s) {
  return static_cast<int32_t>(floor(dispersion_delay_s(dm, f_mhz, f_ref_mhz) / tsamp_s + 0.5));
}

// Delays of every channel (ascending frequencies) relative to the HIGHEST channel.
inline std::vector<int32_t> channel_delays(double dm, const std::vector<double>& freqs_mhz,
                                           double tsamp_s) {
  std::vector<int32_t> d(freqs_mhz.size());
  const double f_ref = freqs_mhz.empty() ? 0.0 : freqs_mhz.back();
  for (size_t c = 0; c < freqs_mhz.size(); ++c) {
    d[c] = delay_samples(dm, freqs_mhz[c], f_ref, tsamp_s);
  }
  return d;
}

}  // namespace tianyan
