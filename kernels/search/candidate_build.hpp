#pragma once
// From harmonic peaks to ranked candidates, the same for every backend: the CPU and CUDA
// searches differ only in how they find the peaks (period_search_cpu.cpp,
// period_search_cuda.cpp).
#include <complex>
#include <cstddef>
#include <vector>

#include "kernels/search/candidate.hpp"
#include "kernels/search/harmonic_sum.hpp"
#include "kernels/search/period_search.hpp"
#include "kernels/search/spectrum.hpp"

namespace tianyan {

// What the search of a series needs besides its geometry, the same on every backend: the
// bins zapped (configured and extra birdies), and per harmonic stage the independent trials
// and the power threshold for cfg.sigma_threshold.
struct SeriesTables {
  std::vector<ZapRange> zaps;
  std::vector<double> trials;     // per stage
  std::vector<float> thresholds;  // per stage, power units
};
SeriesTables series_tables(const SearchConfig& cfg, const std::vector<BirdieConfig>& extra_birdies,
                           const SeriesGeometry& g);

// The peaks of one spectrum (series s at acceleration `accel`) as candidates: sigma from the
// stage's independent trials (trials[log2 nharm]), the strongest per frequency (1.1 bins)
// only, at most max_cands, not yet refined.
std::vector<Candidate> candidates_from_peaks(const std::vector<HarmonicPeak>& peaks,
                                             const SeriesGeometry& g,
                                             const std::vector<double>& trials,
                                             const SeriesInput& s, double accel,
                                             size_t max_cands);

// The bins [0, n) that refine_candidates reads for `cands` (at most nbins): a backend that
// keeps the spectrum elsewhere fetches only those.
size_t refine_extent(const std::vector<Candidate>& cands, size_t nbins);

// Fourier-interpolation refinement of each candidate's frequency on the spectrum `spec`
// (nbins bins; only the first refine_extent() are read): r_bins, freq_hz, refined_power, snr.
void refine_candidates(std::vector<Candidate>& cands, const std::complex<float>* spec,
                       size_t nbins);

// The candidates of all acceleration trials of one series merged: one per frequency (1.1
// bins), the sigma and power of the strongest detection with the frequency and acceleration
// of the best refined S/N among them, at most max_cands.
std::vector<Candidate> merge_accel_candidates(const std::vector<Candidate>& all,
                                              size_t max_cands);

// Keeps, among candidates sorted by descending sigma, only those with no stronger kept one
// within tol_bins Fourier bins (of the stronger's tobs); returns them ranked by sigma.
std::vector<Candidate> dedup_by_frequency(std::vector<Candidate> cands, double tol_bins);

}  // namespace tianyan
