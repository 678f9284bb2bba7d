// resample_accel_sinc (kernels/accel/accel_plan.hpp): band-limited interpolation for the
// acceleration refinement.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <vector>

#include "kernels/accel/accel_plan.hpp"
#include "kernels/common/constants.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

constexpr int kHalfTaps = 8;               // Lanczos a: taps j = -7..8 around floor(x)
constexpr int kTaps = 2 * kHalfTaps;
constexpr int kFractions = 1024;           // table rows: mu = row / kFractions

double sinc(double x) {
  if (x == 0) return 1.0;
  const double px = std::numbers::pi * x;
  return std::sin(px) / px;
}

// Row r holds the weights of in[floor(x) + j], j = -7..8, for mu = x - floor(x) = r / 1024,
// normalised to sum 1 so that a constant stays exactly constant.
struct LanczosTable {
  std::vector<std::array<float, kTaps>> rows;
  LanczosTable() : rows(kFractions + 1) {
    for (int r = 0; r <= kFractions; ++r) {
      const double mu = static_cast<double>(r) / kFractions;
      double w[kTaps], sum = 0;
      for (int t = 0; t < kTaps; ++t) {
        const double x = (t - (kHalfTaps - 1)) - mu;
        w[t] = std::abs(x) < kHalfTaps ? sinc(x) * sinc(x / kHalfTaps) : 0.0;
        sum += w[t];
      }
      for (int t = 0; t < kTaps; ++t) rows[static_cast<size_t>(r)][static_cast<size_t>(t)] =
          static_cast<float>(w[t] / sum);
    }
  }
};

const LanczosTable& lanczos_table() {
  static const LanczosTable table;  // built once, thread-safe (magic static)
  return table;
}

}  // namespace

void resample_accel_sinc(const float* in, float* out, size_t n, double tsamp_s, double a_ms2) {
  if (!(tsamp_s > 0) || !std::isfinite(tsamp_s) || !std::isfinite(a_ms2)) {
    throw internal_error("resample_accel_sinc: tsamp {} s, a {} m/s^2", tsamp_s, a_ms2);
  }
  if (n == 0) return;
  if (a_ms2 == 0) {
    std::memcpy(out, in, n * sizeof(float));
    return;
  }
  const auto& rows = lanczos_table().rows;
  const auto nn = static_cast<int64_t>(n);
  const double e = a_ms2 * tsamp_s / (2 * kSpeedOfLight);
  const double m = 0.5 * static_cast<double>(nn - 1);
  for (int64_t k = 0; k < nn; ++k) {
    const double d = static_cast<double>(k) - m;
    const double src = static_cast<double>(k) - e * d * d;
    double fl = std::floor(src);
    auto row = static_cast<int64_t>(std::lround((src - fl) * kFractions));
    if (row == kFractions) row = 0, fl += 1;
    const float* w = rows[static_cast<size_t>(row)].data();
    const int64_t first = static_cast<int64_t>(fl) - (kHalfTaps - 1);
    float acc = 0;
    if (first >= 0 && first + kTaps <= nn) {
      const float* x = in + first;
#pragma omp simd reduction(+ : acc)
      for (int t = 0; t < kTaps; ++t) acc += w[t] * x[t];
    } else {
      for (int t = 0; t < kTaps; ++t) {
        const int64_t i = first + t;
        if (i >= 0 && i < nn) acc += w[t] * in[i];
      }
    }
    out[k] = acc;
  }
}

}  // namespace tianyan
