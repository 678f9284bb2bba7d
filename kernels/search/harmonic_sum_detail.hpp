#pragma once
// Internals of the harmonic sum (harmonic_sum.cpp, harmonic_sum_kernels.cpp), exposed so that
// the tests can check every stage sum of every kernel against harmonic_sum_reference(), not
// only the peaks that survive the search, and the benchmark can compare kernels.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/search/harmonic_sum.hpp"

namespace tianyan::harmonic_detail {

// The inner loops: Generic is portable C++; Avx2 and Avx512 fetch each harmonic's 8 or 16
// consecutive grid points with one unaligned load and one lane permutation (x86-64 CPUs that
// have them, picked at run time). All add the harmonics in the same order, so their sums are
// bit-identical. Auto picks the widest the CPU has.
enum class Kernel { Auto, Generic, Avx2, Avx512 };

bool kernel_available(Kernel kernel);
// Auto made concrete; throws Internal for a kernel this CPU lacks.
Kernel resolve_kernel(Kernel kernel);

// Adds the odd harmonics of stage s (nharm 2^s, 1 <= s <= 5) to the sums of the grid points
// [j0, j1), held in tile[j - j0], turning S_{2^(s-1)} into S_{2^s}; stage 1 starts from
// S_1 = p itself, not from the tile. j0 is a multiple of 32; every p index read is < j1.
// Returns flags: kSumsAbove unless no new sum reached `threshold`, and (stage 1 only)
// kPowersAbove unless no p[j] reached `p_threshold`. The SIMD kernels check in registers, so
// that most tiles need no scan; Generic sets both.
constexpr unsigned kSumsAbove = 1, kPowersAbove = 2;
unsigned add_stage(Kernel kernel, int s, const float* p, float* tile, uint64_t j0, uint64_t j1,
                   float threshold, float p_threshold);

// The first i < n with a[i] >= threshold, or n.
size_t find_at_or_above(Kernel kernel, const float* a, size_t n, float threshold);

// harmonic_sum_search with a chosen kernel (harmonic_sum_search uses Auto).
void harmonic_sum_search_with(Kernel kernel, const float* p, size_t np, int max_harm,
                              const HarmonicSearchRange& range,
                              const std::vector<float>& power_threshold, size_t max_peaks,
                              std::vector<float>& acc, std::vector<HarmonicPeak>& peaks);

// stages[s][j - j_begin] = S_{2^s}(j) for s = 0..log2(max_harm) and j in [j_begin, j_end),
// j_end <= np, computed by the same tiled in-place doubling as harmonic_sum_search.
void harmonic_sum_stages(const float* p, size_t np, int max_harm, uint64_t j_begin, uint64_t j_end,
                         Kernel kernel, std::vector<std::vector<float>>& stages);

// The grid points [lo, hi) that stage s (N = 2^s) scans: the fundamentals of `range` whose
// N-th harmonic lies inside p (np points).
struct StageBounds {
  uint64_t lo = 0, hi = 0;
};
StageBounds stage_bounds(int s, size_t np, const HarmonicSearchRange& range);

// One stage's peak finder: above-threshold points closer than one fundamental bin (2 N grid
// points) form a run, whose first largest point is a peak; a bounded heap keeps the strongest.
class StagePeaks {
 public:
  StagePeaks() = default;
  StagePeaks(int nharm, float threshold, uint64_t lo, uint64_t hi, size_t max_peaks)
      : nharm_(nharm),
        threshold_(threshold),
        lo_(lo),
        hi_(hi),
        gap_(2 * static_cast<uint64_t>(nharm)),
        cap_(max_peaks) {}

  uint64_t lo() const { return lo_; }
  uint64_t hi() const { return hi_; }

  // Scans this stage's sums of [j0, j1) (sums[j - j0]), tiles in increasing j.
  void scan(Kernel kernel, const float* sums, uint64_t j0, uint64_t j1) {
    const uint64_t hi = std::min(j1, hi_);
    for (uint64_t j = std::max(j0, lo_); j < hi; ++j) {
      j += find_at_or_above(kernel, sums + (j - j0), hi - j, threshold_);
      if (j < hi) point(j, sums[j - j0]);
    }
  }

  // One point at or above threshold, in increasing j within [lo, hi): what scan() finds, and
  // what the CUDA search's compacted points feed in (period_search_cuda.cpp).
  void point(uint64_t j, float v) {
    if (open_ && j - last_ < gap_) {
      if (v > best_.power) {
        best_.power = v;
        best_.j = j;
      }
    } else {
      if (open_) emit();
      open_ = true;
      best_ = HarmonicPeak{nharm_, j, v};
    }
    last_ = j;
  }

  // Closes the last run and appends the kept peaks in order of j.
  void finish(std::vector<HarmonicPeak>& out) {
    if (open_) emit();
    open_ = false;
    std::sort(heap_.begin(), heap_.end(),
              [](const HarmonicPeak& a, const HarmonicPeak& b) { return a.j < b.j; });
    out.insert(out.end(), heap_.begin(), heap_.end());
    heap_.clear();
  }

 private:
  static bool stronger(const HarmonicPeak& a, const HarmonicPeak& b) {
    return a.power > b.power || (a.power == b.power && a.j < b.j);
  }

  // The heap's front is the weakest kept peak (stronger() as the heap's "less").
  void emit() {
    if (cap_ == 0) return;
    if (heap_.size() < cap_) {
      heap_.push_back(best_);
      std::push_heap(heap_.begin(), heap_.end(), stronger);
    } else if (stronger(best_, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), stronger);
      heap_.back() = best_;
      std::push_heap(heap_.begin(), heap_.end(), stronger);
    }
  }

  int nharm_ = 1;
  float threshold_ = 0;
  uint64_t lo_ = 0, hi_ = 0;
  uint64_t gap_ = 2;
  size_t cap_ = 0;
  bool open_ = false;
  uint64_t last_ = 0;
  HarmonicPeak best_;
  std::vector<HarmonicPeak> heap_;
};


// The peaks of harmonic_sum_search from the points at or above threshold of every stage, in
// any order (sorted here): what a backend that sums on a device hands back. bounds[s] and
// power_threshold[s] as harmonic_sum_search computes them; peaks are appended in order of
// stage, then j, exactly as harmonic_sum_search returns them.
void peaks_from_points(std::vector<search_elements::HarmonicPoint>& points, int nstages,
                       const StageBounds* bounds, const float* power_threshold, size_t max_peaks,
                       std::vector<HarmonicPeak>& peaks);

}  // namespace tianyan::harmonic_detail
