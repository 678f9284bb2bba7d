#pragma once
// The CPU periodicity search: OpenMP over the series of a batch, one workspace per thread,
// FFT plans shared (kernels/fft/real_fft.hpp). Geometries (FFT length, zap ranges,
// thresholds) are prepared serially before each batch, so the parallel loop never plans.
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/fft/real_fft.hpp"
#include "kernels/search/harmonic_sum.hpp"
#include "kernels/search/period_search.hpp"
#include "kernels/search/spectrum.hpp"

namespace tianyan {

class CpuPeriodSearcher final : public PeriodSearcher {
 public:
  CpuPeriodSearcher(const SearchConfig& cfg, int threads);
  std::vector<std::vector<Candidate>> search(const std::vector<SeriesInput>& batch) override;
  void set_extra_birdies(std::vector<BirdieConfig> birdies) override;
  std::vector<std::complex<float>> spectrum(const SeriesInput& series) override;
  size_t workspace_bytes(size_t max_nsamp) const override;

 private:
  struct Prepared {  // everything that depends only on (nsamp, tsamp)
    SeriesGeometry g;
    std::shared_ptr<const RealFftPlan> plan;
    std::vector<ZapRange> zaps;
    std::vector<float> thresholds;  // per stage, power units
    std::vector<double> trials;     // per stage, independent trials
  };
  struct Workspace {
    size_t capacity = 0;  // nfft the buffers hold
    FftRealBuffer in, work;
    FftComplexBuffer spec;
    std::vector<float> p, acc, scratch;
    std::vector<HarmonicPeak> peaks;
    void reserve(size_t nfft);
  };

  const Prepared& prepare(size_t nsamp, double tsamp_s);
  // Baseline-removed, zero-padded copy of the series in ws.in.
  void load(const SeriesInput& s, const Prepared& pr, Workspace& ws) const;
  // FFT of `x`, whitened and zapped, into ws.spec.
  void make_spectrum(const float* x, const Prepared& pr, Workspace& ws) const;
  std::vector<Candidate> search_one(const SeriesInput& s, const Prepared& pr,
                                    Workspace& ws) const;
  std::vector<Candidate> search_accel(const SeriesInput& s, const Prepared& pr, Workspace& ws,
                                      double accel) const;
  // The spectrum of the series resampled at acceleration `accel`, in ws.spec.
  void spectrum_at_accel(const SeriesInput& s, const Prepared& pr, Workspace& ws,
                         double accel) const;
  // Continuous refinement of c's acceleration and frequency between the grid's trials
  // (period_search_refine.cpp); da is the grid's spacing.
  void refine_accel(const SeriesInput& s, const Prepared& pr, Workspace& ws, Candidate& c,
                    double da) const;

  SearchConfig cfg_;
  int threads_;
  std::vector<BirdieConfig> extra_birdies_;
  std::map<std::pair<size_t, double>, std::unique_ptr<Prepared>> prepared_;
  std::vector<Workspace> workspaces_;
};

// Keeps, among candidates sorted by descending sigma, only those with no stronger kept one
// within tol_bins Fourier bins (of the stronger's tobs); returns them ranked by sigma.
std::vector<Candidate> dedup_by_frequency(std::vector<Candidate> cands, double tol_bins);

}  // namespace tianyan
