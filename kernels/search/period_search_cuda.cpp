// The periodicity search on a CUDA device. Per batch of series of one length: one upload, then
// on the device the baseline removal, cuFFT real transforms batched over the series, the
// whitening and zapping, the half-bin powers and the harmonic sums, which leave only the grid
// points above threshold (a few per series) to come back. The host turns those into peaks with
// the CPU's own peak finder (harmonic_sum_detail.hpp) and candidates with the CPU's own code
// (candidate_build.hpp), fetching of each spectrum only the bins the Fourier-interpolation
// refinement reads. With acceleration trials, each trial resamples the baselined series on the
// device (accel_elements.hpp: the CPU's map) and is searched like the zero trial; the merge
// over trials and the refinement between them run on the host in the CPU's own code
// (CpuPeriodSearcher::refine_accel_batch) on the baselined series fetched back. Two steps
// are in flight: while the host refines group k (its spectra
// fetched on a second stream from one of two spectrum buffers), the device removes baselines,
// transforms and sums group k + 1 into the other. Device memory is sized by the group, at most
// kMaxBatch series.
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/cuda/cufft_plan.hpp"
#include "kernels/fft/real_fft.hpp"
#include "kernels/common/constants.hpp"
#include "kernels/search/candidate_build.hpp"
#include "kernels/search/harmonic_sum_detail.hpp"
#include "kernels/search/period_search_cpu.hpp"
#include "kernels/search/period_search_cuda.hpp"
#include "kernels/search/period_search_cuda_kernels.hpp"
#include "kernels/search/spectrum_detail.hpp"

namespace tianyan::search_detail {
namespace {

using cuda::DeviceBuffer;
using search_cuda::HarmonicPoint;

// Series per device batch: enough to keep an H100 busy with series of a million samples
// (cuFFT's batched transforms saturate at a few tens), few enough that a batch's device
// memory stays in the low GiB and the host's refinement of one batch is short.
constexpr int kMaxBatch = 256;
// Points above threshold per series before the harmonic pass is rerun with more room: noise
// leaves a handful; a bright pulsar a few thousand.
constexpr uint32_t kFirstCapacity = 8192;

double gib(size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0); }

// Everything that depends only on (nsamp, tsamp) and the birdies, on host and device.
struct Geometry {
  SeriesGeometry g;
  SeriesTables t;
  double tsamp_s = 0;
  uint64_t nsamp = 0, np = 0;
  uint64_t before = 0, after = 0;  // the baseline window around each sample
  int nblocks = 0, nstages = 1;
  std::array<harmonic_detail::StageBounds, search_cuda::kMaxStages> bounds{};
  uint64_t j_begin = 0, j_end = 0;
  DeviceBuffer<uint64_t> block_lo, block_hi, zap_lo, zap_hi;
  DeviceBuffer<double> expected;
};

template <typename T>
DeviceBuffer<T> upload_table(const std::vector<T>& v, cudaStream_t s) {
  DeviceBuffer<T> d(v.size());
  if (!v.empty()) d.upload(v.data(), v.size(), s);
  return d;
}

class CudaPeriodSearcher final : public PeriodSearcher {
 public:
  CudaPeriodSearcher(const SearchConfig& cfg, int device, int threads)
      : cfg_(cfg), device_(device), threads_(threads), scope_(device) {
    if (cfg.accel.enabled) refiner_ = std::make_unique<CpuPeriodSearcher>(cfg, threads);
  }

  std::vector<std::vector<Candidate>> search(const std::vector<SeriesInput>& batch) override;

  void set_extra_birdies(std::vector<BirdieConfig> birdies) override {
    if (refiner_) refiner_->set_extra_birdies(birdies);
    extra_birdies_ = std::move(birdies);
    geometries_.clear();  // zap ranges change
  }

  std::vector<std::complex<float>> spectrum(const SeriesInput& series) override;

  // Host memory: the points and the refinement's spectrum windows of one batch's series.
  // With acceleration trials, also the baselined series fetched for the refinement between
  // trials (threads_ at a time) and the CPU refiner's workspaces.
  size_t workspace_bytes(size_t max_nsamp) const override {
    const size_t nbins = good_fft_size(max_nsamp) / 2 + 1;
    const size_t accel = refiner_ ? static_cast<size_t>(threads_) * max_nsamp * sizeof(float) +
                                        refiner_->workspace_bytes(max_nsamp)
                                  : 0;
    return static_cast<size_t>(threads_) * nbins * sizeof(std::complex<float>) +
           static_cast<size_t>(kMaxBatch) * kFirstCapacity * sizeof(HarmonicPoint) + accel;
  }

 private:
  // Device buffers of a batch of `capacity` series of one geometry; grown, never shrunk.
  struct Buffers {
    int capacity = 0;
    uint64_t nfft = 0, nbins = 0, np = 0, nsamp = 0;
    int nblocks = 0;
    uint32_t points_capacity = kFirstCapacity;
    DeviceBuffer<float> x, p, mean_scale, scale;
    DeviceBuffer<float> xa;  // a series resampled at an acceleration trial (accel only)
    // Group k's spectra are in spec[k % 2]: the host refines from one while the next group's
    // transforms write the other.
    std::array<DeviceBuffer<cufftComplex>, 2> spec;
    DeviceBuffer<double> prefix, chunk;
    DeviceBuffer<search_elements::ScaleSegment> segs;
    DeviceBuffer<uint32_t> nsegs, count;
    DeviceBuffer<HarmonicPoint> points;
  };

  const Geometry& geometry(uint64_t nsamp, double tsamp_s);
  int batch_capacity(const Geometry& geo) const;
  void ensure_buffers(const Geometry& geo, int nser);
  const cuda::RealFftBatch& fft_plan(const Geometry& geo, int nser);
  // Queues the upload of the series and their baseline removal (into bufs_.x).
  void load_series(const Geometry& geo, const SeriesInput* const* series, int nser);
  // Queues the kernels that leave the whitened, zapped spectra of the loaded series at
  // acceleration `accel` in bufs_.spec[slot]; returns without waiting.
  void make_spectra(const Geometry& geo, int nser, int slot, double accel);
  // Queues the half-bin powers and harmonic sums of bufs_.spec[slot]; returns without waiting.
  void launch_sums(const Geometry& geo, int nser, int slot);
  // Waits for launch_sums, reruns it with more room for points when one series overflowed,
  // and returns each series' harmonic peaks (the CPU's peak finder on the points).
  std::vector<std::vector<HarmonicPeak>> collect_peaks(const Geometry& geo, int nser, int slot);
  // Candidates of a group at acceleration `accel` whose peaks are known, refined from
  // bufs_.spec[slot] (not merged); the spectra are fetched on copy_, so the device may be
  // working on the other slot meanwhile.
  std::vector<std::vector<Candidate>> refine_group(
      const Geometry& geo, const std::vector<const SeriesInput*>& series,
      const std::vector<std::vector<HarmonicPeak>>& peaks, int slot, double accel);
  // The refinement between acceleration trials of a group's merged candidates, on the host,
  // from the baselined series still in bufs_.x.
  void refine_accels(const Geometry& geo, const std::vector<const SeriesInput*>& series,
                     std::vector<std::vector<Candidate>>& cands);

  SearchConfig cfg_;
  int device_;
  int threads_;
  cuda::DeviceScope scope_;  // the device is current on the constructing thread
  cuda::Stream stream_;
  cuda::Stream copy_;  // the refinement's spectrum windows
  std::vector<BirdieConfig> extra_birdies_;
  std::map<std::pair<uint64_t, double>, std::unique_ptr<Geometry>> geometries_;
  std::map<std::pair<uint64_t, int>, std::unique_ptr<cuda::RealFftBatch>> plans_;
  Buffers bufs_;
  std::unique_ptr<CpuPeriodSearcher> refiner_;  // acceleration search only
};

const Geometry& CudaPeriodSearcher::geometry(uint64_t nsamp, double tsamp_s) {
  auto& slot = geometries_[{nsamp, tsamp_s}];
  if (slot) return *slot;
  auto geo = std::make_unique<Geometry>();
  geo->g = series_geometry(cfg_, nsamp, tsamp_s);
  geo->t = series_tables(cfg_, extra_birdies_, geo->g);
  geo->nsamp = nsamp;
  geo->tsamp_s = tsamp_s;
  geo->np = 2 * geo->g.nbins - 1;
  // remove_baseline's window: centred, at most the whole series on both sides.
  const auto w = static_cast<uint64_t>(std::max(1.0, std::round(cfg_.baseline_s / tsamp_s)));
  const uint64_t window = std::min({w, nsamp, 2 * nsamp});
  geo->before = (window - 1) / 2;
  geo->after = window - 1 - geo->before;

  const std::vector<RednoiseBlock> blocks = rednoise_blocks(geo->g.nbins, cfg_.rednoise);
  std::vector<uint64_t> lo, hi, zlo, zhi;
  std::vector<double> expected;
  for (const RednoiseBlock& b : blocks) {
    lo.push_back(b.o), hi.push_back(b.e), expected.push_back(b.expected_median);
  }
  for (const ZapRange& z : geo->t.zaps) zlo.push_back(z.lo), zhi.push_back(z.hi);
  geo->nblocks = static_cast<int>(blocks.size());
  const cudaStream_t s = stream_.get();
  geo->block_lo = upload_table(lo, s);
  geo->block_hi = upload_table(hi, s);
  geo->expected = upload_table(expected, s);
  geo->zap_lo = upload_table(zlo, s);
  geo->zap_hi = upload_table(zhi, s);
  stream_.synchronize("upload of the search tables");

  geo->nstages = static_cast<int>(geo->t.thresholds.size());
  const HarmonicSearchRange range{geo->g.r_min, geo->g.r_max};
  for (int st = 0; st < geo->nstages; ++st) {
    geo->bounds[st] = harmonic_detail::stage_bounds(st, geo->np, range);
    geo->j_end = std::max(geo->j_end, geo->bounds[st].hi);
  }
  geo->j_begin = geo->bounds[0].lo;
  slot = std::move(geo);
  return *slot;
}

int CudaPeriodSearcher::batch_capacity(const Geometry& geo) const {
  const uint64_t nfft = geo.g.nfft, nbins = geo.g.nbins;
  const uint64_t per_series =
      4 * nfft * (geo.g.accels.size() > 1 ? 2 : 1) + 2 * 8 * nbins + 4 * geo.np + 8 * (geo.nsamp + 1) +
      24 * search_cuda::chunks_of(geo.nsamp) + 8 + (4 + 24) * (geo.nblocks + 1) + 8 +
      sizeof(HarmonicPoint) * kFirstCapacity;
  // cuFFT's work area of an out-of-place real transform is at most about its output.
  const uint64_t with_fft = per_series + 8 * nbins;
  const auto [free, total] = cuda::memory_info();
  const uint64_t usable = free / 10 * 8;  // leave room for the runtime and other stages
  const uint64_t n = usable / with_fft;
  if (n == 0) {
    throw environment_error(
        "CUDA device {}: the search of one series of {} samples needs {:.2f} GiB of device "
        "memory, {:.2f} GiB of {:.2f} are free",
        device_, geo.nsamp, gib(with_fft), gib(free), gib(total));
  }
  return static_cast<int>(std::min<uint64_t>(n, kMaxBatch));
}

void CudaPeriodSearcher::ensure_buffers(const Geometry& geo, int nser) {
  Buffers& b = bufs_;
  const bool xa_fits = geo.g.accels.size() < 2 ||
                       b.xa.size() >= static_cast<size_t>(nser) * geo.g.nfft;
  const bool fits = nser <= b.capacity && geo.g.nfft <= b.nfft && geo.g.nbins <= b.nbins &&
                    geo.np <= b.np && geo.nsamp <= b.nsamp && geo.nblocks <= b.nblocks &&
                    xa_fits;
  if (fits && geo.g.nfft == b.nfft && geo.g.nbins == b.nbins) return;
  // Strides follow the geometry (cuFFT's distances), so a new length reallocates.
  const uint32_t points_capacity = b.points_capacity;
  b = Buffers{};
  b.points_capacity = points_capacity;
  b.capacity = nser;
  b.nfft = geo.g.nfft, b.nbins = geo.g.nbins, b.np = geo.np, b.nsamp = geo.nsamp;
  b.nblocks = geo.nblocks;
  const auto n = static_cast<size_t>(nser);
  b.x = DeviceBuffer<float>(n * b.nfft);
  if (geo.g.accels.size() > 1) b.xa = DeviceBuffer<float>(n * b.nfft);
  for (auto& sp : b.spec) sp = DeviceBuffer<cufftComplex>(n * b.nbins);
  b.p = DeviceBuffer<float>(n * b.np);
  b.prefix = DeviceBuffer<double>(n * (b.nsamp + 1));
  b.chunk = DeviceBuffer<double>(n * 3 * search_cuda::chunks_of(b.nsamp));
  b.mean_scale = DeviceBuffer<float>(2 * n);
  b.scale = DeviceBuffer<float>(n * std::max(1, b.nblocks));
  b.segs = DeviceBuffer<search_elements::ScaleSegment>(n * (b.nblocks + 1));
  b.nsegs = DeviceBuffer<uint32_t>(n);
  b.count = DeviceBuffer<uint32_t>(n);
  b.points = DeviceBuffer<HarmonicPoint>(n * b.points_capacity);
}

const cuda::RealFftBatch& CudaPeriodSearcher::fft_plan(const Geometry& geo, int nser) {
  auto& slot = plans_[{geo.g.nfft, nser}];
  if (!slot) {
    // Each plan holds a work area on the device; a run needs few (a full batch and the last,
    // shorter one, per length).
    if (plans_.size() >= 4) {
      plans_.clear();
      return fft_plan(geo, nser);
    }
    slot = std::make_unique<cuda::RealFftBatch>(geo.g.nfft, nser, geo.g.nfft, geo.g.nbins,
                                                stream_.get());
  }
  return *slot;
}

void CudaPeriodSearcher::load_series(const Geometry& geo, const SeriesInput* const* series,
                                     int nser) {
  ensure_buffers(geo, nser);
  const cudaStream_t s = stream_.get();
  for (int i = 0; i < nser; ++i) {
    bufs_.x.upload_at(static_cast<size_t>(i) * geo.g.nfft, series[i]->data, geo.nsamp, s);
  }
  search_cuda::BaselineArgs ba;
  ba.x = bufs_.x.data();
  ba.x_stride = geo.g.nfft;
  ba.nsamp = geo.nsamp;
  ba.nfft = geo.g.nfft;
  ba.before = geo.before;
  ba.after = geo.after;
  ba.prefix = bufs_.prefix.data();
  ba.chunk = bufs_.chunk.data();
  ba.mean_scale = bufs_.mean_scale.data();
  ba.nser = nser;
  search_cuda::remove_baseline(ba, s);
}

void CudaPeriodSearcher::make_spectra(const Geometry& geo, int nser, int slot, double accel) {
  const cudaStream_t s = stream_.get();
  float* x = bufs_.x.data();  // cuFFT's R2C leaves its input intact (only C2R overwrites)
  if (accel != 0.0) {
    // resample_accel's map: the same constants the CPU computes (accel_plan.cpp).
    const double e = accel * geo.tsamp_s / (2 * kSpeedOfLight);
    const double m = 0.5 * static_cast<double>(static_cast<int64_t>(geo.nsamp) - 1);
    search_cuda::resample_accel(bufs_.x.data(), bufs_.xa.data(), geo.g.nfft, geo.nsamp,
                                geo.g.nfft, e, m, nser, s);
    x = bufs_.xa.data();
  }
  fft_plan(geo, nser).execute(x, bufs_.spec[slot].data());

  search_cuda::WhitenArgs wa;
  wa.spec = reinterpret_cast<float*>(bufs_.spec[slot].data());
  wa.spec_stride = 2 * geo.g.nbins;
  wa.nbins = geo.g.nbins;
  wa.block_lo = geo.block_lo.data();
  wa.block_hi = geo.block_hi.data();
  wa.expected = geo.expected.data();
  wa.nblocks = geo.nblocks;
  wa.scale = bufs_.scale.data();
  wa.segs = bufs_.segs.data();
  wa.nsegs = bufs_.nsegs.data();
  wa.zap_lo = geo.zap_lo.data();
  wa.zap_hi = geo.zap_hi.data();
  wa.nzaps = static_cast<int>(geo.t.zaps.size());
  wa.nser = nser;
  search_cuda::whiten(wa, s);
}

namespace {

search_cuda::HarmonicArgs harmonic_args(const Geometry& geo, float* p, int nser) {
  search_cuda::HarmonicArgs ha;
  ha.p = p;
  ha.p_stride = geo.np;
  ha.np = geo.np;
  ha.nstages = geo.nstages;
  for (int st = 0; st < geo.nstages; ++st) {
    ha.lo[st] = geo.bounds[st].lo;
    ha.hi[st] = geo.bounds[st].hi;
    ha.threshold[st] = geo.t.thresholds[st];
  }
  ha.j_begin = geo.j_begin;
  ha.j_end = geo.j_end;
  ha.nser = nser;
  return ha;
}

}  // namespace

void CudaPeriodSearcher::launch_sums(const Geometry& geo, int nser, int slot) {
  const cudaStream_t s = stream_.get();
  search_cuda::half_bin_powers(reinterpret_cast<const float*>(bufs_.spec[slot].data()),
                               2 * geo.g.nbins, geo.g.nbins, bufs_.p.data(), geo.np, nser, s);
  search_cuda::HarmonicArgs ha = harmonic_args(geo, bufs_.p.data(), nser);
  ha.points = bufs_.points.data();
  ha.capacity = bufs_.points_capacity;
  ha.count = bufs_.count.data();
  TIANYAN_CUDA_CHECK(cudaMemsetAsync(ha.count, 0, sizeof(uint32_t) * nser, s));
  search_cuda::harmonic_points(ha, s);
}

std::vector<std::vector<HarmonicPeak>> CudaPeriodSearcher::collect_peaks(const Geometry& geo,
                                                                        int nser, int slot) {
  const cudaStream_t s = stream_.get();
  std::vector<uint32_t> count(static_cast<size_t>(nser));
  for (;;) {
    TIANYAN_CUDA_CHECK(cudaMemcpyAsync(count.data(), bufs_.count.data(),
                                       sizeof(uint32_t) * nser, cudaMemcpyDeviceToHost, s));
    stream_.synchronize("harmonic sums");
    const uint32_t most = *std::max_element(count.begin(), count.end());
    if (most <= bufs_.points_capacity) break;
    // Rare (a very bright source or strong RFI): rerun with room for every point.
    bufs_.points = DeviceBuffer<HarmonicPoint>();
    bufs_.points_capacity = most + most / 4;
    bufs_.points = DeviceBuffer<HarmonicPoint>(static_cast<size_t>(bufs_.capacity) *
                                               bufs_.points_capacity);
    launch_sums(geo, nser, slot);
  }
  std::vector<std::vector<HarmonicPoint>> points(static_cast<size_t>(nser));
  for (int i = 0; i < nser; ++i) {
    points[i].resize(count[i]);
    if (count[i] == 0) continue;
    TIANYAN_CUDA_CHECK(cudaMemcpyAsync(points[i].data(),
                                       bufs_.points.data() +
                                           static_cast<size_t>(i) * bufs_.points_capacity,
                                       sizeof(HarmonicPoint) * count[i], cudaMemcpyDeviceToHost,
                                       s));
  }
  stream_.synchronize("download of the harmonic points");

  // The CPU's own peak finder, on the same points in the same order.
  const auto max_peaks = static_cast<size_t>(cfg_.max_candidates_per_series);
  std::vector<std::vector<HarmonicPeak>> peaks(static_cast<size_t>(nser));
  for (int i = 0; i < nser; ++i) {
    harmonic_detail::peaks_from_points(points[i], geo.nstages, geo.bounds.data(),
                                       geo.t.thresholds.data(), max_peaks, peaks[i]);
  }
  return peaks;
}

std::vector<std::vector<Candidate>> CudaPeriodSearcher::refine_group(
    const Geometry& geo, const std::vector<const SeriesInput*>& series,
    const std::vector<std::vector<HarmonicPeak>>& peaks, int slot, double accel) {
  const int nser = static_cast<int>(series.size());
  const auto max_cands = static_cast<size_t>(cfg_.max_candidates_per_series);
  std::vector<std::vector<Candidate>> out(static_cast<size_t>(nser));
  for (int i = 0; i < nser; ++i) {
    out[i] = candidates_from_peaks(peaks[i], geo.g, geo.t.trials, *series[i], accel, max_cands);
  }
  // Refinement on the host, threads_ series at a time, each fetching only the bins it reads.
  const cudaStream_t s = copy_.get();
  std::vector<std::vector<std::complex<float>>> window(static_cast<size_t>(threads_));
  for (int first = 0; first < nser; first += threads_) {
    const int last = std::min(nser, first + threads_);
    for (int i = first; i < last; ++i) {
      if (out[i].empty()) continue;
      const size_t n = refine_extent(out[i], geo.g.nbins);
      std::vector<std::complex<float>>& w = window[i - first];
      w.resize(geo.g.nbins);  // refine_peak may be told nbins; it reads only the first n
      TIANYAN_CUDA_CHECK(cudaMemcpyAsync(w.data(), bufs_.spec[slot].data() + i * geo.g.nbins,
                                         n * sizeof(std::complex<float>),
                                         cudaMemcpyDeviceToHost, s));
    }
    copy_.synchronize("download of the spectra to refine");
    std::exception_ptr error;
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1)
    for (int i = first; i < last; ++i) {
      try {
        refine_candidates(out[i], window[i - first].data(), geo.g.nbins);
      } catch (...) {
#pragma omp critical(tianyan_cuda_refine_error)
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
  }
  return out;
}

void CudaPeriodSearcher::refine_accels(const Geometry& geo,
                                       const std::vector<const SeriesInput*>& series,
                                       std::vector<std::vector<Candidate>>& cands) {
  // Only series with a candidate the refinement takes come back, threads_ at a time.
  const auto n_refine = static_cast<size_t>(cfg_.accel.refine_candidates);
  std::vector<size_t> need;
  for (size_t i = 0; i < series.size(); ++i) {
    const size_t n = std::min(cands[i].size(), n_refine);
    for (size_t c = 0; c < n; ++c) {
      if (cands[i][c].sigma >= cfg_.accel.refine_min_sigma) {
        need.push_back(i);
        break;
      }
    }
  }
  const auto chunk = static_cast<size_t>(threads_);
  std::vector<std::vector<float>> baselined(chunk);
  for (size_t first = 0; first < need.size(); first += chunk) {
    const size_t last = std::min(need.size(), first + chunk);
    std::vector<const SeriesInput*> in;
    std::vector<const float*> data;
    std::vector<std::vector<Candidate>> lists;
    for (size_t q = first; q < last; ++q) {
      std::vector<float>& b = baselined[q - first];
      b.resize(geo.nsamp);
      TIANYAN_CUDA_CHECK(cudaMemcpyAsync(b.data(), bufs_.x.data() + need[q] * geo.g.nfft,
                                         geo.nsamp * sizeof(float), cudaMemcpyDeviceToHost,
                                         copy_.get()));
      in.push_back(series[need[q]]);
      data.push_back(b.data());
      lists.push_back(std::move(cands[need[q]]));
    }
    copy_.synchronize("download of the baselined series to refine");
    refiner_->refine_accel_batch(in, data, lists);
    for (size_t q = first; q < last; ++q) cands[need[q]] = std::move(lists[q - first]);
  }
}

std::vector<std::vector<Candidate>> CudaPeriodSearcher::search(
    const std::vector<SeriesInput>& batch) {
  cuda::DeviceScope scope(device_);
  std::vector<std::vector<Candidate>> out(batch.size());
  // Series of one length go to the device together, in the batch's order.
  std::map<std::pair<uint64_t, double>, std::vector<size_t>> groups;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].data == nullptr) throw internal_error("series {} has no data", i);
    groups[{batch[i].nsamp, batch[i].tsamp_s}].push_back(i);
  }
  for (const auto& [key, members] : groups) {
    const Geometry& geo = geometry(key.first, key.second);
    if (bufs_.nfft != geo.g.nfft) {  // another length: free the last one's before sizing
      const uint32_t points_capacity = bufs_.points_capacity;
      bufs_ = Buffers{};
      bufs_.points_capacity = points_capacity;
    }
    const auto cap = static_cast<size_t>(batch_capacity(geo));
    std::vector<std::vector<const SeriesInput*>> parts;
    for (size_t first = 0; first < members.size(); first += cap) {
      parts.emplace_back();
      for (size_t k = first; k < std::min(members.size(), first + cap); ++k) {
        parts.back().push_back(&batch[members[k]]);
      }
    }
    // Steps (part k, acceleration trial a) in order; step i's spectra go to slot i % 2. Step
    // i + 1 is queued before step i is refined, so the device works while the host refines,
    // except where step i + 1 loads the next part while step i's part still needs its
    // baselined series in bufs_.x (the refinement between acceleration trials).
    const size_t naccel = geo.g.accels.size();
    const size_t nsteps = parts.size() * naccel;
    const auto queue = [&](size_t i) {
      const size_t k = i / naccel, a = i % naccel;
      const int nser = static_cast<int>(parts[k].size());
      if (a == 0) load_series(geo, parts[k].data(), nser);
      make_spectra(geo, nser, static_cast<int>(i % 2), geo.g.accels[a]);
      launch_sums(geo, nser, static_cast<int>(i % 2));
    };
    const auto max_cands = static_cast<size_t>(cfg_.max_candidates_per_series);
    std::vector<std::vector<Candidate>> found;
    queue(0);
    for (size_t i = 0; i < nsteps; ++i) {
      const size_t k = i / naccel, a = i % naccel;
      const int nser = static_cast<int>(parts[k].size());
      const int slot = static_cast<int>(i % 2);
      const std::vector<std::vector<HarmonicPeak>> peaks = collect_peaks(geo, nser, slot);
      if (a == 0) {
        // The series are on the device (collect_peaks waited for the stream).
        for (const SeriesInput* in : parts[k]) {
          if (in->on_loaded) in->on_loaded();
        }
        found.assign(parts[k].size(), {});
      }
      const bool last = a + 1 == naccel;
      const bool early = i + 1 < nsteps && (!last || naccel == 1);
      if (early) queue(i + 1);
      std::vector<std::vector<Candidate>> at =
          refine_group(geo, parts[k], peaks, slot, geo.g.accels[a]);
      for (size_t j = 0; j < at.size(); ++j) {
        found[j].insert(found[j].end(), at[j].begin(), at[j].end());
      }
      if (!last) continue;
      for (auto& f : found) f = merge_accel_candidates(f, max_cands);
      if (naccel > 1) refine_accels(geo, parts[k], found);
      for (size_t j = 0; j < found.size(); ++j) out[members[k * cap + j]] = std::move(found[j]);
      if (!early && i + 1 < nsteps) queue(i + 1);
    }
  }
  return out;
}

std::vector<std::complex<float>> CudaPeriodSearcher::spectrum(const SeriesInput& series) {
  cuda::DeviceScope scope(device_);
  if (series.data == nullptr) throw internal_error("the series has no data");
  const Geometry& geo = geometry(series.nsamp, series.tsamp_s);
  const SeriesInput* one[1] = {&series};
  load_series(geo, one, 1);
  make_spectra(geo, 1, 0, 0.0);
  std::vector<std::complex<float>> spec(geo.g.nbins);
  TIANYAN_CUDA_CHECK(cudaMemcpyAsync(spec.data(), bufs_.spec[0].data(),
                                     geo.g.nbins * sizeof(std::complex<float>),
                                     cudaMemcpyDeviceToHost, stream_.get()));
  stream_.synchronize("download of a spectrum");
  if (series.on_loaded) series.on_loaded();
  return spec;
}

}  // namespace

std::unique_ptr<PeriodSearcher> make_period_searcher_cuda(const SearchConfig& cfg, int device,
                                                          int threads) {
  if (const auto problem = cuda_device_problem(device, query_cuda_devices())) {
    throw environment_error("the CUDA periodicity search cannot run: {}", *problem);
  }
  return std::make_unique<CudaPeriodSearcher>(cfg, device, std::max(1, threads));
}

}  // namespace tianyan::search_detail
