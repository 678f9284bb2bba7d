#include "kernels/search/period_search.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/accel/accel_plan.hpp"
#include "kernels/common/error.hpp"
#include "kernels/fft/real_fft.hpp"
#include "kernels/search/period_search_cpu.hpp"
#include "kernels/search/period_search_queue.hpp"
#include "kernels/search/period_search_cuda.hpp"

namespace tianyan {

SeriesGeometry series_geometry(const SearchConfig& cfg, size_t nsamp, double tsamp_s) {
  if (nsamp < 16 || !(tsamp_s > 0)) {
    throw bad_input("periodicity search", "a series needs at least 16 samples and tsamp > 0 "
                    "(got {} samples, tsamp {} s)", nsamp, tsamp_s);
  }
  SeriesGeometry g;
  g.nfft = good_fft_size(nsamp);
  g.nbins = g.nfft / 2 + 1;
  g.tobs_s = static_cast<double>(g.nfft) * tsamp_s;
  const double r_nyquist = static_cast<double>(g.nbins - 1);
  g.r_min = std::max(1.0, cfg.f_min_hz * g.tobs_s);
  g.r_max = std::min(cfg.f_max_hz * g.tobs_s, r_nyquist);
  // The highest frequency any stage sums is the top harmonic of the highest fundamental.
  const double f_top = std::min(cfg.f_max_hz * cfg.max_harmonics, r_nyquist / g.tobs_s);
  g.accels = accel_trials(cfg.accel, static_cast<double>(nsamp) * tsamp_s, f_top);
  return g;
}

double independent_trials(const SeriesGeometry& g, int nharm) {
  const double r_top = std::min(g.r_max, static_cast<double>(g.nbins - 1) / nharm);
  // Every point of the stage's grid (2N per fundamental bin) behaves as an independent trial:
  // neighbouring points sum different bins of the high harmonics, and half-bin points are
  // nearly independent of their integer neighbours (measured, docs/search.md, "Trials").
  const double points = 2.0 * nharm * std::max(1.0, r_top - g.r_min);
  return points * static_cast<double>(std::max<size_t>(1, g.accels.size()));
}

std::unique_ptr<PeriodSearcher> make_period_searcher(Backend backend, const SearchConfig& cfg,
                                                     int threads, int device) {
  if (cfg.max_harmonics < 1 || cfg.max_harmonics > 32 ||
      (cfg.max_harmonics & (cfg.max_harmonics - 1)) != 0) {
    throw bad_input("search configuration", "max_harmonics {} is not 1, 2, 4, 8, 16 or 32",
                    cfg.max_harmonics);
  }
  if (backend == Backend::Cuda) {
    return search_detail::make_period_searcher_cuda(cfg, device, std::max(1, threads));
  }
  return std::make_unique<CpuPeriodSearcher>(cfg, std::max(1, threads));
}

std::unique_ptr<PeriodSearcher> make_period_searcher(Backend backend, const SearchConfig& cfg,
                                                     int threads, const std::vector<int>& devices) {
  if (backend != Backend::Cuda || devices.size() < 2) {
    return make_period_searcher(backend, cfg, threads, devices.empty() ? 0 : devices.front());
  }
  const int each = std::max(1, threads / static_cast<int>(devices.size()));
  std::vector<std::unique_ptr<PeriodSearcher>> workers;
  for (const int d : devices) workers.push_back(make_period_searcher(backend, cfg, each, d));
  return make_queued_searcher(std::move(workers));
}

}  // namespace tianyan
