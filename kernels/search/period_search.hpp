#pragma once
// The periodicity search of whole dedispersed time series (docs/search.md), behind one
// backend-neutral interface (ARCHITECTURE.md, practice 1): per series, baseline removal, real
// FFT (zero-padded to good_fft_size), red-noise whitening, birdie zapping, interbinned half-bin
// powers, harmonic summing to SearchConfig::max_harmonics, then for every acceleration trial
// the same on the resampled series; peaks above the sigma threshold are refined by Fourier
// interpolation and returned as candidates, the strongest max_candidates_per_series per series.
#include <complex>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "kernels/common/backend.hpp"
#include "kernels/search/candidate.hpp"
#include "kernels/search/search_config.hpp"

namespace tianyan {

// One series to search: nsamp samples at tsamp_s (the series is read, not modified).
struct SeriesInput {
  const float* data = nullptr;
  size_t nsamp = 0;
  double tsamp_s = 0;
  double dm = 0;
  size_t dm_index = 0;
  // Called once the searcher has copied `data` and will not read it again: a caller holding
  // the only copy of a very long series frees it there, so that the series and the search's
  // buffers are not all held at once (the search of one series of N samples then peaks at
  // about 8 N bytes instead of 12 N; tests/long_slow).
  std::function<void()> on_loaded;
};

// The geometry a series is searched with: its FFT length and what follows from it.
struct SeriesGeometry {
  size_t nfft = 0;         // good_fft_size(nsamp): zero-padded length
  size_t nbins = 0;        // nfft / 2 + 1
  double tobs_s = 0;       // nfft x tsamp: Fourier bin k is at k / tobs_s Hz
  double r_min = 0, r_max = 0;  // fundamentals searched, bins
  std::vector<double> accels;   // acceleration trials, m/s^2 (0 first)
};

// Independent trials behind the sigma of a stage-N candidate (docs/search.md, "Trials"): the
// grid points searched at that stage, 2N per fundamental bin over r_max(N) - r_min (r_max(N)
// limited so that the N-th harmonic stays below Nyquist), times the acceleration trials.
double independent_trials(const SeriesGeometry& g, int nharm);

SeriesGeometry series_geometry(const SearchConfig& cfg, size_t nsamp, double tsamp_s);

class PeriodSearcher {
 public:
  virtual ~PeriodSearcher() = default;
  // Candidates of each series of the batch, in the batch's order, each list ranked by sigma.
  // Series are searched concurrently (threads of the factory). Candidates carry freq_hz,
  // r_bins, accel_ms2, nharm, power, sigma, snr, refined_power, dm, dm_index and tobs_s.
  virtual std::vector<std::vector<Candidate>> search(const std::vector<SeriesInput>& batch) = 0;
  // Extra birdies (found from the DM 0 series) zapped from now on, on top of the configured.
  virtual void set_extra_birdies(std::vector<BirdieConfig> birdies) = 0;
  // The normalised, zapped spectrum of a series at zero acceleration (what harmonic summing
  // sees), nbins amplitudes with noise power mean 1: for birdie finding and for tests.
  virtual std::vector<std::complex<float>> spectrum(const SeriesInput& series) = 0;
  // Host bytes the search holds for series of up to max_nsamp samples (all threads).
  virtual size_t workspace_bytes(size_t max_nsamp) const = 0;
};

// On the CPU with `threads` threads, or on CUDA device `device` (its host threads refine the
// candidates, and with acceleration trials refine between them). Throws BadInput for an
// invalid configuration; for Backend::Cuda, Environment when the device is not usable (never a
// silent CPU fallback).
std::unique_ptr<PeriodSearcher> make_period_searcher(Backend backend, const SearchConfig& cfg,
                                                     int threads, int device = 0);
// On several CUDA devices (Backend::Cuda, more than one device): one searcher per device, fed
// chunks of each batch from a queue (period_search_queue.hpp), `threads` host threads shared
// among them. One device: make_period_searcher above.
std::unique_ptr<PeriodSearcher> make_period_searcher(Backend backend, const SearchConfig& cfg,
                                                     int threads, const std::vector<int>& devices);

}  // namespace tianyan
