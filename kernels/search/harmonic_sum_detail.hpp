#pragma once
// Internals of the harmonic sum (harmonic_sum.cpp, harmonic_sum_kernels.cpp), exposed so that
// the tests can check every stage sum of every kernel against harmonic_sum_reference(), not
// only the peaks that survive the search, and the benchmark can compare kernels.
#include <cstddef>
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

}  // namespace tianyan::harmonic_detail
