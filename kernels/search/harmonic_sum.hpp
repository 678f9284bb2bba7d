#pragma once
// Incoherent harmonic summing on the grid of the highest harmonic (docs/search.md), as PRESTO
// does: index j of the accumulator is the half-bin index of harmonic N (frequency j / 2 bins),
// and stage N holds S_N(j) = sum_{h=1..N} p[round(h j / N)], p the half-bin powers of
// spectrum.hpp (p[m] at m / 2 bins). Stages double in place: S_2N(j) keeps S_N(j) (its even
// harmonics) and adds the odd ones, so all stages to 32 cost 32 additions per grid point.
// The fundamental of point j at stage N is j / (2 N) bins: the grid steps 1 / (2 N) bins at
// the fundamental, fine enough for every harmonic to land within a quarter bin.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/search/search_elements.hpp"

namespace tianyan {

// The rounding rule in one place, shared by the CPU loop, the CUDA kernel and the tests:
// the half-bin index of harmonic h (of N) for grid point j, round(h j / N) with ties upward.
using search_elements::harmonic_half_bin;

struct HarmonicPeak {
  int nharm = 1;           // the stage: 1, 2, 4, 8, 16 or 32
  uint64_t j = 0;          // grid index at that stage (half-bins of harmonic nharm)
  float power = 0;         // S_nharm(j), noise mean nharm
  double r_fund() const { return static_cast<double>(j) / (2.0 * nharm); }  // bins
};

struct HarmonicSearchRange {
  double r_min = 1.0;  // lowest fundamental searched, bins (> 0)
  double r_max = 0;    // highest fundamental searched, bins (0: up to the end of p)
};

// Searches every stage N = 1, 2, 4, ..., max_harm over the fundamentals [r_min, r_max] whose
// highest harmonic lies inside p (j < np). power_threshold[s] is the threshold of stage
// 2^s (max_harm's log2 + 1 values). A peak is the largest S_N within a run of points above
// threshold in which gaps are shorter than 2 N points (one fundamental bin); per stage only
// the max_peaks strongest are kept. `acc` is working memory for the sums (one tile of a few
// thousand floats, kept in cache; resized as needed, reused; its contents are unspecified).
// Peaks are returned in order of stage, then j.
void harmonic_sum_search(const float* p, size_t np, int max_harm, const HarmonicSearchRange& range,
                         const std::vector<float>& power_threshold, size_t max_peaks,
                         std::vector<float>& acc, std::vector<HarmonicPeak>& peaks);

// The slow obvious reference: S_N(j) summed directly from the definition (for tests).
float harmonic_sum_reference(const float* p, size_t np, int nharm, uint64_t j);

}  // namespace tianyan
