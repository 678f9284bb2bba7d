#include "kernels/fold/fold_cpu.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/error.hpp"
#include "kernels/fold/fold_elements.hpp"
#include "kernels/fold/fold_plan.hpp"
#include "kernels/fold/fold_subband.hpp"

namespace tianyan {
namespace {

// Per request: the cube and the variance sums.
struct RequestSums {
  std::vector<float> data;      // [nsubint][nsubband][nbin]
  std::vector<double> diff2;    // [nsubint][nsubband]: sum of (y[j] - y[j-1])^2
  std::vector<uint64_t> count;  // [nsubint][nsubband]: samples y[j]
  std::vector<uint64_t> ndiff;  // [nsubint][nsubband]: differences in diff2
};

}  // namespace

struct StreamFolder::Impl {
  FoldPlan plan;
  int threads = 1;
  std::vector<float> last_y;  // [group][nsubband]: y of the tile before
  std::vector<RequestSums> sums;
  // Stream position: outputs [-lookahead, done) are folded; rows [tail_start, next) are held.
  int64_t done = 0;
  int64_t next = 0;
  int64_t tail_start = 0;
  std::vector<float> tail, tail_spare;
  std::vector<float> zeros;
  std::vector<std::vector<float>> scratch;  // per thread: tile, out
  std::vector<std::vector<int32_t>> bins;   // per thread

  const float* row(int64_t r, const float* cur, int64_t cur_start, int64_t cur_n) const;
  void process(int64_t j0, int64_t j1, const float* cur, int64_t cur_start, int64_t cur_n);
  void subband_tile(size_t s, int64_t t0, int64_t len, const float* cur, int64_t cur_start,
                    int64_t cur_n, int thread);
  void fold_member(size_t m, size_t s, int64_t first_j, int64_t t0, int64_t len, const float* y,
                   float prev, int32_t* bin);
  void keep_tail(const float* cur, int64_t cur_start, int64_t cur_n);
};

const float* StreamFolder::Impl::row(int64_t r, const float* cur, int64_t cur_start,
                                     int64_t cur_n) const {
  if (r < 0 || r >= static_cast<int64_t>(plan.band.nsamples)) return zeros.data();
  if (cur != nullptr && r >= cur_start && r < cur_start + cur_n) {
    return cur + static_cast<size_t>(r - cur_start) * plan.nchan;
  }
  if (r >= tail_start && r < next) {
    return tail.data() + static_cast<size_t>(r - tail_start) * plan.nchan;
  }
  // Rows not yet added (finish() before the stream's end): the stream counts as 0 there.
  return zeros.data();
}

// Folds outputs [t0, t0 + len) of subband s into request m; first_j is the first output of
// the subband's series (nothing before it), prev the output at t0 - 1 (when t0 > first_j).
void StreamFolder::Impl::fold_member(size_t m, size_t s, int64_t first_j, int64_t t0,
                                     int64_t len, const float* y, float prev, int32_t* bin) {
  const FoldPlan::Request& r = plan.req[m];
  RequestSums& sum = sums[m];
  const size_t nk = r.spec.nsubint, nbin = r.spec.nbin, nsub = plan.nsub;
  const int64_t* b = r.bounds.data() + s * (nk + 1);
  // The sub-integration holding t0: the last k with b[k] <= t0.
  size_t k = static_cast<size_t>(std::upper_bound(b, b + nk + 1, t0) - b);
  k = k == 0 ? 0 : std::min(k - 1, nk - 1);
  for (; k < nk; ++k) {
    int64_t lo = 0, hi = 0;
    fold_elements::subint_run(b, nk, k, t0, t0 + len, lo, hi);
    if (lo >= t0 + len) break;
    if (hi <= lo) continue;
    const auto i = static_cast<size_t>(lo - t0), n = static_cast<size_t>(hi - lo);
    const double t = fold_elements::output_time(r.t0_top[s], lo, plan.band.tsamp_s);
    phase_bins(t, plan.band.tsamp_s, r.spec.model.freq_hz, r.spec.model.fdot_hz_s, n,
               static_cast<int>(nbin), bin);
    const size_t cell = k * nsub + s;
    fold_into(y + i, bin, n, sum.data.data() + cell * nbin);
    // Differences of consecutive outputs of the same sub-integration, the one before this
    // run included when it belongs to it.
    double d2 = diff_sumsq(y + i, n);
    uint64_t nd = n - 1;
    if (lo > std::max(b[k], first_j)) {
      d2 = fold_elements::add_square(d2, static_cast<double>(y[i]) - (i > 0 ? y[i - 1] : prev));
      ++nd;
    }
    sum.diff2[cell] += d2;
    sum.ndiff[cell] += nd;
    sum.count[cell] += n;
  }
}

void StreamFolder::Impl::subband_tile(size_t s, int64_t t0, int64_t len, const float* cur,
                                      int64_t cur_start, int64_t cur_n, int thread) {
  const std::vector<uint32_t>& chans = plan.active[s];
  if (chans.empty()) return;
  const int64_t ext = len + plan.sub_lookahead[s];
  const size_t stride = static_cast<size_t>(plan.tile + plan.lookahead);
  std::vector<float>& buf = scratch[static_cast<size_t>(thread)];
  float* tl = buf.data();
  float* y = tl + chans.size() * stride;
  // Transpose the subband's channels into rows (channel-major) once per tile; every group
  // then reads them from cache.
  for (int64_t i = 0; i < ext; ++i) {
    const float* src = row(t0 + i, cur, cur_start, cur_n);
    for (size_t q = 0; q < chans.size(); ++q)
      tl[q * stride + static_cast<size_t>(i)] = src[chans[q]];
  }
  std::vector<const float*> rows(chans.size());
  int32_t* bin = bins[static_cast<size_t>(thread)].data();
  for (size_t g = 0; g < plan.groups.size(); ++g) {
    for (size_t q = 0; q < chans.size(); ++q) {
      rows[q] = tl + q * stride + static_cast<size_t>(plan.shift[g][chans[q]]);
    }
    // Outputs before -max n_c hold no sample of this subband: they are not folded (nor
    // counted in the variance).
    const int64_t first_j = plan.first_output(g, s);
    const int64_t skip = std::clamp(first_j - t0, int64_t{0}, len);
    if (skip == len) continue;
    sum_rows(rows.data(), rows.size(), static_cast<size_t>(len), y);
    float& last = last_y[g * plan.nsub + s];
    for (size_t m : plan.groups[g].members) {
      fold_member(m, s, first_j, t0 + skip, len - skip, y + skip, last, bin);
    }
    last = y[len - 1];
  }
}

void StreamFolder::Impl::process(int64_t j0, int64_t j1, const float* cur, int64_t cur_start,
                                 int64_t cur_n) {
  if (j1 <= j0) return;
  const int64_t tile = plan.tile;
  const auto ntiles = (j1 - j0 + tile - 1) / tile;
  const auto nsub_i = static_cast<int64_t>(plan.nsub);
#pragma omp parallel num_threads(threads)
  {
    const int thread = omp_get_thread_num();
    for (int64_t t = 0; t < ntiles; ++t) {
      const int64_t t0 = j0 + t * tile;
      const int64_t len = std::min(tile, j1 - t0);
#pragma omp for schedule(dynamic, 1)
      for (int64_t s = 0; s < nsub_i; ++s) {
        subband_tile(static_cast<size_t>(s), t0, len, cur, cur_start, cur_n, thread);
      }
    }
  }
}

void StreamFolder::Impl::keep_tail(const float* cur, int64_t cur_start, int64_t cur_n) {
  const int64_t end = cur_start + cur_n;
  const int64_t from = std::max<int64_t>(0, done);
  const size_t nchan = plan.nchan;
  tail_spare.resize(static_cast<size_t>(std::max<int64_t>(0, end - from)) * nchan);
  for (int64_t r = from; r < end; ++r) {
    std::memcpy(tail_spare.data() + static_cast<size_t>(r - from) * nchan,
                row(r, cur, cur_start, cur_n), nchan * sizeof(float));
  }
  tail.swap(tail_spare);
  tail_start = from;
  next = end;
}

StreamFolder::StreamFolder(FoldBand band, size_t nsubband, std::vector<FoldSpec> specs, int threads,
                           double max_smear_bins)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.plan = make_fold_plan(std::move(band), nsubband, std::move(specs), max_smear_bins);
  const FoldPlan& p = m.plan;
  m.threads = std::max(1, threads);
  m.last_y.assign(p.groups.size() * p.nsub, 0.0f);
  m.sums.resize(p.req.size());
  for (size_t i = 0; i < p.req.size(); ++i) {
    const size_t ncell = p.req[i].spec.nsubint * p.nsub;
    m.sums[i].data.assign(ncell * p.req[i].spec.nbin, 0.0f);
    m.sums[i].diff2.assign(ncell, 0.0);
    m.sums[i].count.assign(ncell, 0);
    m.sums[i].ndiff.assign(ncell, 0);
  }
  m.done = -p.lookahead;
  m.zeros.assign(p.nchan, 0.0f);
  const size_t stride = static_cast<size_t>(p.tile + p.lookahead);
  m.scratch.assign(static_cast<size_t>(m.threads),
                   std::vector<float>(p.per * stride + static_cast<size_t>(p.tile)));
  m.bins.assign(static_cast<size_t>(m.threads), std::vector<int32_t>(static_cast<size_t>(p.tile)));
}

StreamFolder::~StreamFolder() = default;

void StreamFolder::add(const float* data, uint64_t start, uint64_t nsamp) {
  Impl& m = *impl_;
  if (static_cast<int64_t>(start) != m.next || start + nsamp > m.plan.band.nsamples) {
    throw internal_error("StreamFolder::add: samples [{}, {}) after {} of {}", start, start + nsamp,
                         m.next, m.plan.band.nsamples);
  }
  const auto s = static_cast<int64_t>(start), n = static_cast<int64_t>(nsamp);
  // Output j needs rows up to j + lookahead.
  const int64_t upto = m.plan.ready_upto(s + n);
  if (upto > m.done) {
    m.process(m.done, upto, data, s, n);
    m.done = upto;
  }
  m.keep_tail(data, s, n);
}

std::vector<FoldCube> StreamFolder::finish() {
  Impl& m = *impl_;
  const auto n = static_cast<int64_t>(m.plan.band.nsamples);
  m.process(m.done, n, nullptr, 0, 0);
  m.done = n;
  std::vector<FoldCube> cubes;
  for (size_t r = 0; r < m.sums.size(); ++r) {
    RequestSums& s = m.sums[r];
    cubes.push_back(make_fold_cube(m.plan, r, std::move(s.data), s.diff2, s.count, s.ndiff));
  }
  return cubes;
}

const std::vector<FoldGroup>& StreamFolder::groups() const { return impl_->plan.groups; }

size_t StreamFolder::memory_bytes() const {
  const Impl& m = *impl_;
  size_t bytes = (m.tail.capacity() + m.tail_spare.capacity() + m.zeros.size()) * sizeof(float);
  for (const auto& s : m.scratch) bytes += s.size() * sizeof(float);
  for (const auto& b : m.bins) bytes += b.size() * sizeof(int32_t);
  for (size_t i = 0; i < m.sums.size(); ++i) {
    bytes += m.sums[i].data.size() * sizeof(float) + m.plan.req[i].bounds.size() * sizeof(int64_t) +
             m.sums[i].diff2.size() * (sizeof(double) + 2 * sizeof(uint64_t));
  }
  for (const auto& sh : m.plan.shift) bytes += sh.size() * sizeof(int64_t);
  return bytes;
}

}  // namespace tianyan
