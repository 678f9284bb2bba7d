#pragma once
// What the harmonic-sum tests share: noise powers with the statistics of a whitened spectrum,
// and the comparison of two peak lists.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/search/harmonic_sum.hpp"

namespace tianyan::test {

// n powers of unit-mean exponential noise (a whitened spectrum's), seeded.
inline std::vector<float> exponential_powers(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<float> e(1.0f);
  std::vector<float> p(n);
  for (float& v : p) v = e(rng);
  return p;
}

// The same peaks, in the same order: stage, grid point and power exactly.
inline void expect_same_peaks(const std::vector<HarmonicPeak>& got,
                              const std::vector<HarmonicPeak>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].nharm, want[i].nharm) << i;
    EXPECT_EQ(got[i].j, want[i].j) << i;
    EXPECT_EQ(got[i].power, want[i].power) << i;
  }
}

}  // namespace tianyan::test
