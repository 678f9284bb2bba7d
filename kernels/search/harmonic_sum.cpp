// Harmonic summing, PRESTO-style: the accumulator lives on the grid of the highest harmonic and
// each stage adds only its odd harmonics (the inner loops are in harmonic_sum_kernels.cpp).
// Tiles: all stages of a tile of grid points are done, and their peaks found, while the tile
// sits in L1, so the sums never go to memory; only p is read from it. Stage 1 is p itself
// (checked against its threshold as stage 2 reads it), and stage 2 writes the tile's first
// sums.
#include "kernels/search/harmonic_sum.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/common/error.hpp"
#include "kernels/search/harmonic_sum_detail.hpp"

namespace tianyan {
namespace harmonic_detail {
namespace {

constexpr int kMaxStages = 6;  // nharm 1, 2, 4, 8, 16, 32
// Grid points per tile: 8 KiB of sums, which leaves most of L1 to the harmonics' input windows
// (1024 to 8192 measured the same). A multiple of 32, so every stage's blocks start at a
// tile's start.
constexpr uint64_t kTile = 2048;
constexpr uint64_t kAlign = 32;

int stage_count(int max_harm) {
  for (int s = 0; s < kMaxStages; ++s) {
    if (max_harm == (1 << s)) return s + 1;
  }
  throw internal_error("harmonic sum: max_harm {} is not 1, 2, 4, 8, 16 or 32", max_harm);
}

// Computes the stages on [j_begin, j_end) tile by tile (from j_begin rounded down to kAlign);
// a tile stops doubling at the first stage s with j1 <= lo[s] (no point of it scanned there or
// later). After stage s of a tile, on_stage(s, j0, j1, sums, above) sees sums[j - j0] =
// S_{2^s}(j) for j in [j0, j1) (p itself for s = 0, else the tile), with above false only if
// none reached threshold[s]. `tile` holds kTile floats.
template <typename OnStage>
void run_tiles(const float* p, uint64_t j_begin, uint64_t j_end, int nstages, Kernel kernel,
               const float* threshold, const uint64_t* lo, float* tile, OnStage&& on_stage) {
  for (uint64_t j0 = j_begin / kAlign * kAlign; j0 < j_end; j0 += kTile) {
    const uint64_t j1 = std::min(j0 + kTile, j_end);
    const bool doubling = nstages > 1 && j1 > lo[1];
    // Stage 1 checks p against threshold[0] as it reads it, so stage 0 needs no separate pass.
    const unsigned flags = doubling
                               ? add_stage(kernel, 1, p, tile, j0, j1, threshold[1], threshold[0])
                               : kSumsAbove | kPowersAbove;
    on_stage(0, j0, j1, p + j0, (flags & kPowersAbove) != 0);
    if (!doubling) continue;
    on_stage(1, j0, j1, static_cast<const float*>(tile), (flags & kSumsAbove) != 0);
    for (int s = 2; s < nstages && j1 > lo[s]; ++s) {
      const unsigned f = add_stage(kernel, s, p, tile, j0, j1, threshold[s], 0.0f);
      on_stage(s, j0, j1, static_cast<const float*>(tile), (f & kSumsAbove) != 0);
    }
  }
}

// A grid index from a fractional one, clipped to [0, np].
uint64_t clip_index(double x, size_t np) {
  if (!(x > 0)) return 0;
  if (x >= static_cast<double>(np)) return np;
  return static_cast<uint64_t>(x);
}

}  // namespace

StageBounds stage_bounds(int s, size_t np, const HarmonicSearchRange& range) {
  const double g = 2.0 * (1 << s);  // grid points per fundamental bin
  const uint64_t lo = clip_index(std::ceil(g * range.r_min), np);
  const uint64_t hi = range.r_max > 0 ? clip_index(std::floor(g * range.r_max) + 1, np) : np;
  return {lo, hi};
}

void harmonic_sum_search_with(Kernel kernel, const float* p, size_t np, int max_harm,
                              const HarmonicSearchRange& range,
                              const std::vector<float>& power_threshold, size_t max_peaks,
                              std::vector<float>& acc, std::vector<HarmonicPeak>& peaks) {
  const int nstages = stage_count(max_harm);
  if (power_threshold.size() < static_cast<size_t>(nstages)) {
    throw internal_error("harmonic sum: {} thresholds for {} stages", power_threshold.size(),
                         nstages);
  }
  if (!(range.r_min >= 0) || !(range.r_max >= 0)) {
    throw internal_error("harmonic sum: bad range [{}, {}]", range.r_min, range.r_max);
  }
  kernel = resolve_kernel(kernel);
  peaks.clear();
  // Only one tile of sums is ever live, so the accumulator stays in L1 and never goes to memory.
  if (acc.size() < kTile) acc.resize(kTile);
  std::array<StagePeaks, kMaxStages> stage;
  for (int s = 0; s < nstages; ++s) {
    const StageBounds b = stage_bounds(s, np, range);
    stage[s] = StagePeaks(1 << s, power_threshold[s], b.lo, b.hi, max_peaks);
  }
  // Points are needed from where stage 1 starts scanning to where the last stage stops (both
  // bounds grow with N); a tile stops doubling below the next stage's range.
  const uint64_t j_begin = stage[0].lo();
  const uint64_t j_end = stage[nstages - 1].hi();
  std::array<uint64_t, kMaxStages> lo{};
  for (int s = 0; s < nstages; ++s) lo[s] = stage[s].lo();
  if (j_begin < j_end) {
    run_tiles(p, j_begin, j_end, nstages, kernel, power_threshold.data(), lo.data(), acc.data(),
              [&](int s, uint64_t j0, uint64_t j1, const float* sums, bool above) {
                if (above) stage[s].scan(kernel, sums, j0, j1);
              });
  }
  for (int s = 0; s < nstages; ++s) stage[s].finish(peaks);
}

void harmonic_sum_stages(const float* p, size_t np, int max_harm, uint64_t j_begin, uint64_t j_end,
                         Kernel kernel, std::vector<std::vector<float>>& stages) {
  const int nstages = stage_count(max_harm);
  if (j_end > np) throw internal_error("harmonic sum: j_end {} beyond {} powers", j_end, np);
  kernel = resolve_kernel(kernel);
  j_begin = std::min(j_begin, j_end);
  stages.assign(static_cast<size_t>(nstages), std::vector<float>(j_end - j_begin));
  std::vector<float> tile(kTile);
  const std::array<float, kMaxStages> no_threshold{};
  const std::array<uint64_t, kMaxStages> lo{};
  run_tiles(p, j_begin, j_end, nstages, kernel, no_threshold.data(), lo.data(), tile.data(),
            [&](int s, uint64_t j0, uint64_t j1, const float* sums, bool) {
              for (uint64_t j = std::max(j0, j_begin); j < j1; ++j) {
                stages[s][j - j_begin] = sums[j - j0];
              }
            });
}

void peaks_from_points(std::vector<search_elements::HarmonicPoint>& points, int nstages,
                       const StageBounds* bounds, const float* power_threshold, size_t max_peaks,
                       std::vector<HarmonicPeak>& peaks) {
  using search_elements::HarmonicPoint;
  std::sort(points.begin(), points.end(), [](const HarmonicPoint& a, const HarmonicPoint& b) {
    return a.stage != b.stage ? a.stage < b.stage : a.j < b.j;
  });
  size_t next = 0;
  for (int s = 0; s < nstages; ++s) {
    StagePeaks finder(1 << s, power_threshold[s], bounds[s].lo, bounds[s].hi, max_peaks);
    for (; next < points.size() && points[next].stage == s; ++next) {
      const HarmonicPoint& pt = points[next];
      if (pt.j < bounds[s].lo || pt.j >= bounds[s].hi || !(pt.power >= power_threshold[s])) {
        throw internal_error("harmonic point j {} of stage {} outside its range or threshold",
                             pt.j, s);
      }
      finder.point(pt.j, pt.power);
    }
    finder.finish(peaks);
  }
  if (next != points.size()) throw internal_error("harmonic point of stage {} of {}",
                                                  points[next].stage, nstages);
}

}  // namespace harmonic_detail

void harmonic_sum_search(const float* p, size_t np, int max_harm, const HarmonicSearchRange& range,
                         const std::vector<float>& power_threshold, size_t max_peaks,
                         std::vector<float>& acc, std::vector<HarmonicPeak>& peaks) {
  harmonic_detail::harmonic_sum_search_with(harmonic_detail::Kernel::Auto, p, np, max_harm, range,
                                            power_threshold, max_peaks, acc, peaks);
}

float harmonic_sum_reference(const float* p, size_t np, int nharm, uint64_t j) {
  if (nharm < 1 || j >= np) {
    throw internal_error("harmonic sum reference: nharm {} at j {} of {}", nharm, j, np);
  }
  double sum = 0;
  const auto n = static_cast<uint32_t>(nharm);
  for (uint32_t h = 1; h <= n; ++h) sum += p[harmonic_half_bin(j, h, n)];
  return static_cast<float>(sum);
}

}  // namespace tianyan
