#include "pipeline/simulate/noise.hpp"

#include <array>
#include <bit>
#include <cmath>

namespace tianyan {
namespace {

constexpr int kTableBits = 12;
constexpr uint32_t kTableSize = 1u << kTableBits;
constexpr int kFracBits = 32 - kTableBits;
constexpr uint32_t kEdge = 2;   // intervals [0, kEdge) and [size - kEdge, size) take the exact path
constexpr size_t kChunk = 512;  // channels per pass; keeps the scratch arrays in L1

// splitmix64 finaliser (Steele, Lea & Flood 2014): a 64-bit bijection with full avalanche.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// lowbias32 (C. Wellons, hash-prospector): 32-bit multiply-xorshift bijection; vectorises with
// 32-bit integer multiplies.
inline uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

inline uint32_t hash_channel(uint64_t key, uint32_t c) {
  const auto k1 = static_cast<uint32_t>(key);
  const auto k2 = static_cast<uint32_t>(key >> 32);
  return lowbias32(lowbias32(c ^ k1) + k2);
}

inline double uniform_of(uint32_t h) { return (static_cast<double>(h) + 0.5) * 0x1p-32; }

struct InverseCdfTable {
  // Entry i packs x = inverse CDF at i / size (low 32 bits) and the step to entry i + 1 (high
  // 32 bits), both float, so that one 64-bit load serves a value. The entries of the two edge
  // intervals are never read: values there take the exact inverse CDF instead.
  std::array<uint64_t, kTableSize> xd{};
  InverseCdfTable() {
    std::array<double, kTableSize + 1> q{};
    for (uint32_t i = 1; i < kTableSize; ++i) {
      q[i] = inverse_normal_cdf(static_cast<double>(i) / kTableSize);
    }
    q[0] = q[1];
    q[kTableSize] = q[kTableSize - 1];
    for (uint32_t i = 0; i < kTableSize; ++i) {
      const auto x = std::bit_cast<uint32_t>(static_cast<float>(q[i]));
      const auto d = std::bit_cast<uint32_t>(static_cast<float>(q[i + 1] - q[i]));
      xd[i] = static_cast<uint64_t>(x) | (static_cast<uint64_t>(d) << 32);
    }
  }
};

const InverseCdfTable& table() {
  static const InverseCdfTable t;
  return t;
}

inline float table_normal(const InverseCdfTable& t, uint32_t h) {
  const uint32_t i = h >> kFracBits;
  const float frac = static_cast<float>(h & ((1u << kFracBits) - 1u)) * 0x1p-20f + 0x1p-21f;
  const uint64_t xd = t.xd[i];
  return std::bit_cast<float>(static_cast<uint32_t>(xd)) +
         frac * std::bit_cast<float>(static_cast<uint32_t>(xd >> 32));
}

inline bool is_edge(uint32_t h) {
  const uint32_t i = h >> kFracBits;
  return i < kEdge || i >= kTableSize - kEdge;
}

// One chunk of a row: hashes, table look-ups, then the rare exact tail values, then the
// output. Separate passes keep the first and last vectorisable.
__attribute__((target_clones("avx512f", "avx2", "default"))) void fill_chunk(
    uint64_t key, uint32_t c0, size_t n, const float* mean, const float* sigma, const float* signal,
    float scale, float* out) {
  const InverseCdfTable& t = table();
  uint32_t h[kChunk];
  float x[kChunk];
  for (size_t k = 0; k < n; ++k) h[k] = hash_channel(key, c0 + static_cast<uint32_t>(k));
  for (size_t k = 0; k < n; ++k) x[k] = table_normal(t, h[k]);
  for (size_t k = 0; k < n; ++k) {
    if (is_edge(h[k])) [[unlikely]] {
      x[k] = static_cast<float>(inverse_normal_cdf(uniform_of(h[k])));
    }
  }
  if (signal) {
    for (size_t k = 0; k < n; ++k) out[k] = mean[k] + sigma[k] * (x[k] + scale * signal[k]);
  } else {
    for (size_t k = 0; k < n; ++k) out[k] = mean[k] + sigma[k] * x[k];
  }
}

}  // namespace

double inverse_normal_cdf(double p) {
  // P. J. Acklam's rational approximation (2003), relative error below 1.15e-9.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  if (p < kLow || p > 1.0 - kLow) {
    const double q = std::sqrt(-2.0 * std::log(p < kLow ? p : 1.0 - p));
    const double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                     ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    return p < kLow ? x : -x;
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
}

GaussianNoise::GaussianNoise(uint64_t seed) : seed_(seed) { table(); }

uint64_t GaussianNoise::row_key(int beam, int pol, uint64_t sample) const {
  // sample < 2^32 (validated), beam < 256, pol < 4: the row index is unique.
  const uint64_t row = (static_cast<uint64_t>(beam) << 36) | (static_cast<uint64_t>(pol) << 32) |
                       (sample & 0xffffffffULL);
  return splitmix64(splitmix64(seed_) ^ row);
}

void GaussianNoise::fill_row(uint64_t key, size_t nchan, const float* mean, const float* sigma,
                             const float* signal, float scale, float* out) const {
  for (size_t c0 = 0; c0 < nchan; c0 += kChunk) {
    const size_t n = nchan - c0 < kChunk ? nchan - c0 : kChunk;
    fill_chunk(key, static_cast<uint32_t>(c0), n, mean + c0, sigma + c0,
               signal ? signal + c0 : nullptr, scale, out + c0);
  }
}

float GaussianNoise::normal(uint64_t key, uint32_t channel) const {
  const uint32_t h = hash_channel(key, channel);
  if (is_edge(h)) return static_cast<float>(inverse_normal_cdf(uniform_of(h)));
  return table_normal(table(), h);
}

}  // namespace tianyan
