#include "kernels/search/period_search_cpu.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>

#include "kernels/accel/accel_plan.hpp"
#include "kernels/common/error.hpp"
#include "kernels/search/candidate_build.hpp"
#include "kernels/search/search_stats.hpp"

namespace tianyan {

CpuPeriodSearcher::CpuPeriodSearcher(const SearchConfig& cfg, int threads)
    : cfg_(cfg), threads_(threads), workspaces_(static_cast<size_t>(threads)) {}

void CpuPeriodSearcher::Workspace::reserve(size_t nfft, FftPlacement placement) {
  if (capacity < nfft) {
    in.reset();  // before the new one: two series-sized buffers never coexist here
    in = fft_alloc_real(in_place_floats(nfft));
    capacity = nfft;
  }
  const bool in_place = placement == FftPlacement::InPlace;
  if (!in_place && accel_capacity < nfft) {
    work.reset();
    spec_buf.reset();
    work = fft_alloc_real(nfft);
    spec_buf = fft_alloc_complex(nfft / 2 + 1);
    accel_capacity = nfft;
  }
  spec = in_place ? reinterpret_cast<std::complex<float>*>(in.get()) : spec_buf.get();
}

void CpuPeriodSearcher::set_extra_birdies(std::vector<BirdieConfig> birdies) {
  extra_birdies_ = std::move(birdies);
  prepared_.clear();  // zap ranges change
}

const CpuPeriodSearcher::Prepared& CpuPeriodSearcher::prepare(size_t nsamp, double tsamp_s) {
  auto& slot = prepared_[{nsamp, tsamp_s}];
  if (slot) return *slot;
  auto pr = std::make_unique<Prepared>();
  pr->g = series_geometry(cfg_, nsamp, tsamp_s);
  pr->placement = pr->g.accels.size() == 1 ? FftPlacement::InPlace : FftPlacement::OutOfPlace;
  if (pr->placement == FftPlacement::OutOfPlace || pr->g.nfft <= kMeasureMaxLength) {
    pr->plan = real_fft_plan(pr->g.nfft, FftEffort::Measure, 1, pr->placement);
  }
  SeriesTables t = series_tables(cfg_, extra_birdies_, pr->g);
  pr->zaps = std::move(t.zaps);
  pr->trials = std::move(t.trials);
  pr->thresholds = std::move(t.thresholds);
  slot = std::move(pr);
  return *slot;
}

void CpuPeriodSearcher::load(const SeriesInput& s, const Prepared& pr, Workspace& ws) const {
  ws.reserve(pr.g.nfft, pr.placement);
  std::memcpy(ws.in.get(), s.data, s.nsamp * sizeof(float));
  if (s.on_loaded) s.on_loaded();
  const auto window = static_cast<size_t>(std::max(1.0, std::round(cfg_.baseline_s / s.tsamp_s)));
  remove_baseline(ws.in.get(), s.nsamp, std::min(window, s.nsamp));
  std::fill(ws.in.get() + s.nsamp, ws.in.get() + pr.g.nfft, 0.0f);
}

void CpuPeriodSearcher::make_spectrum(const float* x, const Prepared& pr, Workspace& ws) const {
  if (pr.placement == FftPlacement::InPlace) {
    if (x != ws.in.get()) throw internal_error("in-place spectrum of a series not in ws.in");
    if (pr.plan) {
      pr.plan->execute_in_place(ws.in.get());
    } else {
      const RealFftPlan once(pr.g.nfft, FftEffort::Estimate, 1, FftPlacement::InPlace);
      once.execute_in_place(ws.in.get());
    }
  } else {
    pr.plan->execute(x, ws.spec);
  }
  normalise_spectrum(ws.spec, pr.g.nbins, cfg_.rednoise, ws.scratch);
  zap_bins(ws.spec, pr.g.nbins, pr.zaps);
}

void CpuPeriodSearcher::spectrum_at_accel(const SeriesInput& s, const Prepared& pr,
                                          Workspace& ws, double accel) const {
  const float* x = ws.in.get();
  if (accel != 0.0) {
    resample_accel(ws.in.get(), ws.work.get(), s.nsamp, s.tsamp_s, accel);
    std::fill(ws.work.get() + s.nsamp, ws.work.get() + pr.g.nfft, 0.0f);
    x = ws.work.get();
  }
  make_spectrum(x, pr, ws);
}

std::vector<Candidate> CpuPeriodSearcher::search_accel(const SeriesInput& s, const Prepared& pr,
                                                       Workspace& ws, double accel) const {
  const SeriesGeometry& g = pr.g;
  spectrum_at_accel(s, pr, ws, accel);
  const size_t np = 2 * g.nbins - 1;
  if (ws.p.size() < np) ws.p.resize(np);
  half_bin_powers(ws.spec, g.nbins, ws.p.data());
  const auto max_cands = static_cast<size_t>(cfg_.max_candidates_per_series);
  harmonic_sum_search(ws.p.data(), np, cfg_.max_harmonics, {g.r_min, g.r_max}, pr.thresholds,
                      max_cands, ws.acc, ws.peaks);
  std::vector<Candidate> cands =
      candidates_from_peaks(ws.peaks, g, pr.trials, s, accel, max_cands);
  refine_candidates(cands, ws.spec, g.nbins);
  return cands;
}

std::vector<Candidate> CpuPeriodSearcher::search_one(const SeriesInput& s, const Prepared& pr,
                                                     Workspace& ws) const {
  load(s, pr, ws);
  std::vector<Candidate> all;
  for (double accel : pr.g.accels) {
    std::vector<Candidate> c = search_accel(s, pr, ws, accel);
    all.insert(all.end(), c.begin(), c.end());
  }
  all = merge_accel_candidates(all, static_cast<size_t>(cfg_.max_candidates_per_series));
  refine_accels(s, pr, ws, all);
  return all;
}

void CpuPeriodSearcher::refine_accels(const SeriesInput& s, const Prepared& pr, Workspace& ws,
                                      std::vector<Candidate>& all) const {
  if (pr.g.accels.size() < 2) return;
  const double da = std::abs(pr.g.accels[1]);
  const auto n_refine = std::min(all.size(), static_cast<size_t>(cfg_.accel.refine_candidates));
  for (size_t i = 0; i < n_refine; ++i) {
    if (all[i].sigma >= cfg_.accel.refine_min_sigma) refine_accel(s, pr, ws, all[i], da);
  }
}

void CpuPeriodSearcher::refine_accel_batch(const std::vector<const SeriesInput*>& series,
                                           const std::vector<const float*>& baselined,
                                           std::vector<std::vector<Candidate>>& cands) {
  if (baselined.size() != series.size() || cands.size() != series.size()) {
    throw internal_error("refine_accel_batch: {} series, {} baselined, {} candidate lists",
                         series.size(), baselined.size(), cands.size());
  }
  std::vector<const Prepared*> prepared(series.size());
  for (size_t i = 0; i < series.size(); ++i) {  // serially: prepare() plans FFTs
    prepared[i] = &prepare(series[i]->nsamp, series[i]->tsamp_s);
  }
  std::exception_ptr error;
  const auto n = static_cast<long>(series.size());
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1)
  for (long li = 0; li < n; ++li) {
    const auto i = static_cast<size_t>(li);
    try {
      if (cands[i].empty()) continue;
      const Prepared& pr = *prepared[i];
      Workspace& ws = workspaces_[static_cast<size_t>(omp_get_thread_num())];
      ws.reserve(pr.g.nfft, pr.placement);
      std::memcpy(ws.in.get(), baselined[i], series[i]->nsamp * sizeof(float));
      std::fill(ws.in.get() + series[i]->nsamp, ws.in.get() + pr.g.nfft, 0.0f);
      // refine_accel keeps its per-bin scale in ws.p, which search_accel would have sized.
      if (ws.p.size() < 2 * pr.g.nbins - 1) ws.p.resize(2 * pr.g.nbins - 1);
      refine_accels(*series[i], pr, ws, cands[i]);
    } catch (...) {
#pragma omp critical(tianyan_refine_accel_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

std::vector<std::vector<Candidate>> CpuPeriodSearcher::search(
    const std::vector<SeriesInput>& batch) {
  std::vector<const Prepared*> prepared(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].data == nullptr) throw internal_error("series {} has no data", i);
    prepared[i] = &prepare(batch[i].nsamp, batch[i].tsamp_s);
  }
  std::vector<std::vector<Candidate>> out(batch.size());
  std::exception_ptr error;
  const auto n = static_cast<long>(batch.size());
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1)
  for (long i = 0; i < n; ++i) {
    try {
      Workspace& ws = workspaces_[static_cast<size_t>(omp_get_thread_num())];
      out[static_cast<size_t>(i)] =
          search_one(batch[static_cast<size_t>(i)], *prepared[static_cast<size_t>(i)], ws);
    } catch (...) {
#pragma omp critical(tianyan_search_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  return out;
}

std::vector<std::complex<float>> CpuPeriodSearcher::spectrum(const SeriesInput& series) {
  const Prepared& pr = prepare(series.nsamp, series.tsamp_s);
  Workspace& ws = workspaces_.front();
  load(series, pr, ws);
  make_spectrum(ws.in.get(), pr, ws);
  return {ws.spec, ws.spec + pr.g.nbins};
}

size_t CpuPeriodSearcher::workspace_bytes(size_t max_nsamp) const {
  const size_t nfft = good_fft_size(max_nsamp);
  // in (nfft + 2 floats, also the spectrum when in place) and p (nfft + 1); with acceleration
  // trials work (nfft) and spec_buf (nfft + 2). acc, peaks and the whitening scratch are
  // small (a tile, a block).
  const size_t floats = cfg_.accel.enabled ? 4 * nfft + 5 : 2 * nfft + 3;
  const size_t per_thread = sizeof(float) * floats;
  return per_thread * static_cast<size_t>(threads_);
}

}  // namespace tianyan
