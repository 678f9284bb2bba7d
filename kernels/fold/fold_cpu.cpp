#include "kernels/fold/fold_cpu.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"
#include "kernels/fold/fold_subband.hpp"

namespace tianyan {
namespace {

// Output samples per tile: long enough that the look-ahead a tile gathers beyond its end (the
// largest intra-subband shift) is a small fraction, short enough that one subband's tile of
// 64 channels stays in L2 (measured: docs/fold.md).
constexpr int64_t kMinTile = 2048;

// Per request: where each subband's sub-integrations start, the cube and the variance sums.
struct RequestState {
  FoldSpec spec;
  double subint_s = 0;
  std::vector<double> t0_top;   // [nsubband]: emission time - ref_s of output j = 0
  std::vector<int64_t> bounds;  // [nsubband][nsubint + 1]: first output j of subint k
  std::vector<float> data;      // [nsubint][nsubband][nbin]
  std::vector<double> diff2;    // [nsubint][nsubband]: sum of (y[j] - y[j-1])^2
  std::vector<uint64_t> count;  // [nsubint][nsubband]: samples y[j]
  std::vector<uint64_t> ndiff;  // [nsubint][nsubband]: differences in diff2
};

}  // namespace

struct StreamFolder::Impl {
  FoldBand band;
  size_t nchan = 0, nsub = 0, per = 0;
  int threads = 1;
  std::vector<FoldGroup> groups;
  std::vector<std::vector<uint32_t>> active;  // [nsubband]: channels not skipped (global)
  std::vector<std::vector<int64_t>> shift;    // [group][nchan]: n_c at the group's DM
  std::vector<int64_t> group_lookahead;       // [group][nsubband]: max n_c (active c)
  std::vector<float> last_y;                  // [group][nsubband]: y of the tile before
  std::vector<int64_t> sub_lookahead;         // [nsubband]: max n_c over groups
  int64_t lookahead = 0;                      // max over subbands
  int64_t tile = kMinTile;
  std::vector<RequestState> req;
  // Stream position: outputs [-lookahead, done) are folded; rows [tail_start, next) are held.
  int64_t done = 0;
  int64_t next = 0;
  int64_t tail_start = 0;
  std::vector<float> tail, tail_spare;
  std::vector<float> zeros;
  std::vector<std::vector<float>> scratch;  // per thread: tile, out
  std::vector<std::vector<int32_t>> bins;   // per thread

  void setup_groups(const std::vector<FoldSpec>& specs, double max_smear_bins);
  void setup_requests(std::vector<FoldSpec> specs);
  const float* row(int64_t r, const float* cur, int64_t cur_start, int64_t cur_n) const;
  void process(int64_t j0, int64_t j1, const float* cur, int64_t cur_start, int64_t cur_n);
  void subband_tile(size_t s, int64_t t0, int64_t len, const float* cur, int64_t cur_start,
                    int64_t cur_n, int thread);
  void fold_member(RequestState& r, size_t s, int64_t first_j, int64_t t0, int64_t len,
                   const float* y, float prev, int32_t* bin);
  void keep_tail(const float* cur, int64_t cur_start, int64_t cur_n);
};

void StreamFolder::Impl::setup_groups(const std::vector<FoldSpec>& specs, double max_smear_bins) {
  const std::vector<double>& f = band.freqs_mhz;
  const double sweep = subband_sweep_s_per_dm(f, nsub);
  std::vector<double> dm, tol;
  for (const FoldSpec& sp : specs) {
    dm.push_back(sp.model.dm);
    const double bin_s = sp.model.period_s() / static_cast<double>(sp.nbin);
    tol.push_back(sweep > 0 ? max_smear_bins * bin_s / sweep : 1e300);
  }
  groups = group_by_dm(dm, tol);
  active.assign(nsub, {});
  for (size_t c = 0; c < nchan; ++c) {
    if (band.zero_channels.empty() || !band.zero_channels[c]) {
      active[c / per].push_back(static_cast<uint32_t>(c));
    }
  }
  sub_lookahead.assign(nsub, 0);
  group_lookahead.assign(groups.size() * nsub, 0);
  last_y.assign(groups.size() * nsub, 0.0f);
  shift.assign(groups.size(), std::vector<int64_t>(nchan, 0));
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t s = 0; s < nsub; ++s) {
      const double top = f[(s + 1) * per - 1];
      for (uint32_t c : active[s]) {
        shift[g][c] = std::llround(dispersion_delay_s(groups[g].dm, f[c], top) / band.tsamp_s);
        group_lookahead[g * nsub + s] = std::max(group_lookahead[g * nsub + s], shift[g][c]);
      }
      sub_lookahead[s] = std::max(sub_lookahead[s], group_lookahead[g * nsub + s]);
    }
  }
  lookahead = *std::max_element(sub_lookahead.begin(), sub_lookahead.end());
  tile = std::max(kMinTile, 2 * lookahead);
}

void StreamFolder::Impl::setup_requests(std::vector<FoldSpec> specs) {
  const double tsamp = band.tsamp_s;
  const double tobs = static_cast<double>(band.nsamples) * tsamp;
  const double f_ref = band.freqs_mhz.back();
  const auto n = static_cast<int64_t>(band.nsamples);
  req.resize(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    RequestState& r = req[i];
    r.spec = specs[i];
    const size_t nk = r.spec.nsubint;
    r.subint_s = tobs / static_cast<double>(nk);
    r.t0_top.resize(nsub);
    r.bounds.resize(nsub * (nk + 1));
    for (size_t s = 0; s < nsub; ++s) {
      const double delay =
          dispersion_delay_s(r.spec.model.dm, band.freqs_mhz[(s + 1) * per - 1], f_ref);
      r.t0_top[s] = 0.5 * tsamp - delay - r.spec.model.ref_s;
      int64_t* b = r.bounds.data() + s * (nk + 1);
      b[0] = -lookahead;
      b[nk] = n;
      // Subint k starts at the first j whose emission time (j + 1/2) tsamp - delay >= k subint_s.
      for (size_t k = 1; k < nk; ++k) {
        const double j = std::ceil((static_cast<double>(k) * r.subint_s + delay) / tsamp - 0.5);
        b[k] = std::clamp(static_cast<int64_t>(j), b[0], n);
      }
    }
    r.data.assign(nk * nsub * r.spec.nbin, 0.0f);
    r.diff2.assign(nk * nsub, 0.0);
    r.count.assign(nk * nsub, 0);
    r.ndiff.assign(nk * nsub, 0);
  }
}

const float* StreamFolder::Impl::row(int64_t r, const float* cur, int64_t cur_start,
                                     int64_t cur_n) const {
  if (r < 0 || r >= static_cast<int64_t>(band.nsamples)) return zeros.data();
  if (cur != nullptr && r >= cur_start && r < cur_start + cur_n) {
    return cur + static_cast<size_t>(r - cur_start) * nchan;
  }
  if (r >= tail_start && r < next) return tail.data() + static_cast<size_t>(r - tail_start) * nchan;
  // Rows not yet added (finish() before the stream's end): the stream counts as 0 there.
  return zeros.data();
}

// Folds outputs [t0, t0 + len) of subband s into request r; first_j is the first output of
// the subband's series (nothing before it), prev the output at t0 - 1 (when t0 > first_j).
void StreamFolder::Impl::fold_member(RequestState& r, size_t s, int64_t first_j, int64_t t0,
                                     int64_t len, const float* y, float prev, int32_t* bin) {
  const size_t nk = r.spec.nsubint, nbin = r.spec.nbin;
  const int64_t* b = r.bounds.data() + s * (nk + 1);
  // The sub-integration holding t0: the last k with b[k] <= t0.
  size_t k = static_cast<size_t>(std::upper_bound(b, b + nk + 1, t0) - b);
  k = k == 0 ? 0 : std::min(k - 1, nk - 1);
  int64_t i = 0;
  while (i < len) {
    const int64_t end = std::min(len, k + 1 < nk ? b[k + 1] - t0 : len);
    if (end > i) {
      const auto m = static_cast<size_t>(end - i);
      const double t = r.t0_top[s] + static_cast<double>(t0 + i) * band.tsamp_s;
      phase_bins(t, band.tsamp_s, r.spec.model.freq_hz, r.spec.model.fdot_hz_s, m,
                 static_cast<int>(nbin), bin);
      const size_t cell = k * nsub + s;
      fold_into(y + i, bin, m, r.data.data() + cell * nbin);
      // Differences of consecutive outputs of the same sub-integration, the one before this
      // run included when it belongs to it.
      double d2 = diff_sumsq(y + i, m);
      uint64_t nd = m - 1;
      if (t0 + i > std::max(b[k], first_j)) {
        const double d = static_cast<double>(y[i]) - (i > 0 ? y[i - 1] : prev);
        d2 += d * d;
        ++nd;
      }
      r.diff2[cell] += d2;
      r.ndiff[cell] += nd;
      r.count[cell] += m;
      i = end;
    }
    if (k + 1 >= nk) break;
    ++k;
  }
}

void StreamFolder::Impl::subband_tile(size_t s, int64_t t0, int64_t len, const float* cur,
                                      int64_t cur_start, int64_t cur_n, int thread) {
  const std::vector<uint32_t>& chans = active[s];
  if (chans.empty()) return;
  const int64_t ext = len + sub_lookahead[s];
  const size_t stride = static_cast<size_t>(tile + lookahead);
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
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t q = 0; q < chans.size(); ++q) {
      rows[q] = tl + q * stride + static_cast<size_t>(shift[g][chans[q]]);
    }
    // Outputs before -max n_c hold no sample of this subband: they are not folded (nor
    // counted in the variance).
    const int64_t first_j = -group_lookahead[g * nsub + s];
    const int64_t skip = std::clamp(first_j - t0, int64_t{0}, len);
    if (skip == len) continue;
    sum_rows(rows.data(), rows.size(), static_cast<size_t>(len), y);
    float& last = last_y[g * nsub + s];
    for (size_t m : groups[g].members) {
      fold_member(req[m], s, first_j, t0 + skip, len - skip, y + skip, last, bin);
    }
    last = y[len - 1];
  }
}

void StreamFolder::Impl::process(int64_t j0, int64_t j1, const float* cur, int64_t cur_start,
                                 int64_t cur_n) {
  if (j1 <= j0) return;
  const auto ntiles = (j1 - j0 + tile - 1) / tile;
  const auto nsub_i = static_cast<int64_t>(nsub);
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
  m.nchan = band.freqs_mhz.size();
  if (m.nchan == 0 || nsubband == 0 || m.nchan % nsubband != 0 || !(band.tsamp_s > 0) ||
      band.nsamples == 0 || (!band.zero_channels.empty() && band.zero_channels.size() != m.nchan)) {
    throw internal_error("StreamFolder: {} channels, {} subbands, tsamp {} s, {} samples", m.nchan,
                         nsubband, band.tsamp_s, band.nsamples);
  }
  for (const FoldSpec& sp : specs) {
    if (!(sp.model.freq_hz > 0) || !std::isfinite(sp.model.freq_hz) ||
        !std::isfinite(sp.model.fdot_hz_s) || !(sp.model.dm >= 0) || sp.nbin < 2 ||
        sp.nsubint < 1) {
      throw internal_error(
          "StreamFolder: bad fold spec (freq {} Hz, fdot {}, DM {}, {} bins, "
          "{} subints)",
          sp.model.freq_hz, sp.model.fdot_hz_s, sp.model.dm, sp.nbin, sp.nsubint);
    }
  }
  m.band = std::move(band);
  m.nsub = nsubband;
  m.per = m.nchan / nsubband;
  m.threads = std::max(1, threads);
  m.setup_groups(specs, max_smear_bins);
  m.setup_requests(std::move(specs));
  m.done = -m.lookahead;
  m.zeros.assign(m.nchan, 0.0f);
  const size_t stride = static_cast<size_t>(m.tile + m.lookahead);
  m.scratch.assign(static_cast<size_t>(m.threads),
                   std::vector<float>(m.per * stride + static_cast<size_t>(m.tile)));
  m.bins.assign(static_cast<size_t>(m.threads), std::vector<int32_t>(static_cast<size_t>(m.tile)));
}

StreamFolder::~StreamFolder() = default;

void StreamFolder::add(const float* data, uint64_t start, uint64_t nsamp) {
  Impl& m = *impl_;
  if (static_cast<int64_t>(start) != m.next || start + nsamp > m.band.nsamples) {
    throw internal_error("StreamFolder::add: samples [{}, {}) after {} of {}", start, start + nsamp,
                         m.next, m.band.nsamples);
  }
  const auto s = static_cast<int64_t>(start), n = static_cast<int64_t>(nsamp);
  // Output j needs rows up to j + lookahead. Only whole tiles are folded before finish(), so
  // tiles (and the order of every sum) are the same whatever the gulps.
  const int64_t ready = s + n - m.lookahead;
  const int64_t upto = -m.lookahead + (ready + m.lookahead) / m.tile * m.tile;
  if (upto > m.done) {
    m.process(m.done, upto, data, s, n);
    m.done = upto;
  }
  m.keep_tail(data, s, n);
}

std::vector<FoldCube> StreamFolder::finish() {
  Impl& m = *impl_;
  const auto n = static_cast<int64_t>(m.band.nsamples);
  m.process(m.done, n, nullptr, 0, 0);
  m.done = n;
  const double tobs = static_cast<double>(m.band.nsamples) * m.band.tsamp_s;
  std::vector<FoldCube> cubes;
  for (RequestState& r : m.req) {
    FoldCube c;
    c.nsubint = r.spec.nsubint;
    c.nsubband = m.nsub;
    c.nbin = r.spec.nbin;
    c.data = std::move(r.data);
    c.bin_var.assign(c.nsubint * c.nsubband, 0.0f);
    for (size_t i = 0; i < c.bin_var.size(); ++i) {
      if (r.ndiff[i] == 0) continue;
      // White-noise variance of one output from its first differences, times the outputs
      // per bin.
      const double var = r.diff2[i] / (2.0 * static_cast<double>(r.ndiff[i]));
      c.bin_var[i] =
          static_cast<float>(var * static_cast<double>(r.count[i]) / static_cast<double>(c.nbin));
    }
    for (size_t s = 0; s < m.nsub; ++s) {
      double f = 0;
      for (size_t q = 0; q < m.per; ++q) f += m.band.freqs_mhz[s * m.per + q];
      c.freqs_mhz.push_back(f / static_cast<double>(m.per));
    }
    c.ref_freq_mhz = m.band.freqs_mhz.back();
    c.subint_s = r.subint_s;
    for (size_t k = 0; k < c.nsubint; ++k) {
      c.subint_mid_s.push_back((static_cast<double>(k) + 0.5) * r.subint_s);
    }
    c.tsamp_s = m.band.tsamp_s;
    c.tobs_s = tobs;
    c.model = r.spec.model;
    cubes.push_back(std::move(c));
  }
  return cubes;
}

const std::vector<FoldGroup>& StreamFolder::groups() const { return impl_->groups; }

size_t StreamFolder::memory_bytes() const {
  const Impl& m = *impl_;
  size_t bytes = (m.tail.capacity() + m.tail_spare.capacity() + m.zeros.size()) * sizeof(float);
  for (const auto& s : m.scratch) bytes += s.size() * sizeof(float);
  for (const auto& b : m.bins) bytes += b.size() * sizeof(int32_t);
  for (const RequestState& r : m.req) {
    bytes += r.data.size() * sizeof(float) + r.bounds.size() * sizeof(int64_t) +
             r.diff2.size() * (sizeof(double) + 2 * sizeof(uint64_t));
  }
  for (const auto& sh : m.shift) bytes += sh.size() * sizeof(int64_t);
  return bytes;
}

}  // namespace tianyan
