#pragma once
// The CPU periodicity search: OpenMP over the series of a batch, one workspace per thread,
// FFT plans shared (kernels/fft/real_fft.hpp). Geometries (FFT length, zap ranges,
// thresholds) are prepared serially before each batch, so the parallel loop never plans
// (except for series longer than kMeasureMaxLength, see Prepared::plan).
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

  // The acceleration search's last step on series searched elsewhere (the CUDA search runs
  // the grid on the device): for each i, cands[i] (merged over the grid, best first) are
  // refined between the grid's trials exactly as search() refines its own, from baselined[i],
  // series[i]'s samples with the baseline already removed. Parallel over the series.
  void refine_accel_batch(const std::vector<const SeriesInput*>& series,
                          const std::vector<const float*>& baselined,
                          std::vector<std::vector<Candidate>>& cands);

 private:
  struct Prepared {  // everything that depends only on (nsamp, tsamp)
    SeriesGeometry g;
    // In place when the series is transformed once (no acceleration trials): the spectrum
    // then overwrites ws.in, and no second buffer of the series' size exists.
    FftPlacement placement = FftPlacement::OutOfPlace;
    // Null for an in-place transform longer than kMeasureMaxLength: FFTW's twiddle tables are
    // then about as large as the series (4 bytes per sample), so such a plan is made for the
    // one transform and destroyed before the powers are allocated (a cached plan would hold
    // them for the whole search). Planning with FFTW_ESTIMATE costs seconds against the
    // minutes the search of such a series takes.
    std::shared_ptr<const RealFftPlan> plan;
    std::vector<ZapRange> zaps;
    std::vector<float> thresholds;  // per stage, power units
    std::vector<double> trials;     // per stage, independent trials
  };
  // Buffers grow to the longest series seen and are reused. A search holds `in` (the loaded
  // series, in_place_floats(nfft) so the in-place spectrum fits) and `p` (the half-bin
  // powers, allocated only once the series is loaded and its caller's copy released); an
  // acceleration search adds `work` (the resampled series) and `spec_buf`.
  struct Workspace {
    size_t capacity = 0;        // nfft `in` holds
    size_t accel_capacity = 0;  // nfft `work` and `spec_buf` hold
    FftRealBuffer in, work;
    FftComplexBuffer spec_buf;
    std::complex<float>* spec = nullptr;  // the spectrum: spec_buf, or `in` for in-place plans
    std::vector<float> p, acc, scratch;
    std::vector<HarmonicPeak> peaks;
    void reserve(size_t nfft, FftPlacement placement);
  };

  const Prepared& prepare(size_t nsamp, double tsamp_s);
  // Baseline-removed, zero-padded copy of the series in ws.in; then s.on_loaded().
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
  // refine_accel of the best cfg.accel.refine_candidates of `all` (merged, best first) that
  // reach cfg.accel.refine_min_sigma; ws.in holds the baselined series.
  void refine_accels(const SeriesInput& s, const Prepared& pr, Workspace& ws,
                     std::vector<Candidate>& all) const;

  SearchConfig cfg_;
  int threads_;
  std::vector<BirdieConfig> extra_birdies_;
  std::map<std::pair<size_t, double>, std::unique_ptr<Prepared>> prepared_;
  std::vector<Workspace> workspaces_;
};

}  // namespace tianyan
