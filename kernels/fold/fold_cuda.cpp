// The folding pass on a CUDA device, with the CPU engine's plan (fold_plan.hpp) and per-thread
// arithmetic (fold_cuda_args.hpp, fold_elements.hpp), so its cubes equal the CPU's bit for
// bit. Per gulp: one upload of the fresh rows after the rows still needed (at most a tile plus
// the look-ahead, kept on the device); per DM group, the subband series of the whole tiles
// now complete, then every member's cells folded from them, one thread per (member, subband,
// sub-integration) walking the tiles in order (so every sum is made in the CPU's order: no
// atomics); the cubes and their variance sums stay on the device until finish().
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/fold/fold_cuda.hpp"
#include "kernels/fold/fold_cuda_kernels.hpp"
#include "kernels/fold/fold_device_tables.hpp"
#include "kernels/fold/fold_plan.hpp"

namespace tianyan::fold_detail {
namespace {

using cuda::DeviceBuffer;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

template <typename T>
DeviceBuffer<T> upload_new(const std::vector<T>& host, cudaStream_t stream) {
  DeviceBuffer<T> d(host.size());
  if (!host.empty()) d.upload(host.data(), host.size(), stream);
  return d;
}

class FolderCuda final : public Folder {
 public:
  FolderCuda(int device, FoldBand band, size_t nsubband, std::vector<FoldSpec> specs,
             double max_smear_bins)
      : plan_(make_fold_plan(std::move(band), nsubband, std::move(specs), max_smear_bins)),
        device_(device),
        scope_(device) {
    build_tables();
    // Room for the rows kept between gulps and one tile of fresh ones; add() grows it to the
    // gulps it is given.
    const auto keep = static_cast<uint64_t>(plan_.tile + plan_.lookahead);
    data_ = DeviceBuffer<float>(tables_.ncell_bins);
    diff2_ = DeviceBuffer<double>(tables_.ncell);
    count_ = DeviceBuffer<uint64_t>(tables_.ncell);
    ndiff_ = DeviceBuffer<uint64_t>(tables_.ncell);
    last_y_ = DeviceBuffer<float>(plan_.groups.size() * plan_.nsub);
    staging_ = DeviceBuffer<float>(keep * plan_.nchan);
    zero(data_), zero(diff2_), zero(count_), zero(ndiff_), zero(last_y_);
    reserve_rows(keep + static_cast<uint64_t>(plan_.tile));
    // Rows [-lookahead, 0) precede the stream: zeros.
    row0_ = -plan_.lookahead;
    row_end_ = 0;
    TIANYAN_CUDA_CHECK(cudaMemsetAsync(rows_.data(), 0,
                                       static_cast<size_t>(plan_.lookahead) * plan_.nchan *
                                           sizeof(float),
                                       stream_.get()));
    done_ = -plan_.lookahead;
    stream_.synchronize("folding engine setup");
  }

  void add(const float* data, uint64_t start, uint64_t nsamp) override {
    cuda::DeviceScope scope(device_);
    if (static_cast<int64_t>(start) != row_end_ || start + nsamp > plan_.band.nsamples) {
      throw internal_error("CUDA folding engine: samples [{}, {}) after {} of {}", start,
                           start + nsamp, row_end_, plan_.band.nsamples);
    }
    if (nsamp == 0) return;
    reserve_rows(static_cast<uint64_t>(row_end_ - row0_) + nsamp);
    rows_.upload_at(static_cast<size_t>(row_end_ - row0_) * plan_.nchan, data,
                    static_cast<size_t>(nsamp) * plan_.nchan, stream_.get());
    row_end_ += static_cast<int64_t>(nsamp);
    advance(plan_.ready_upto(row_end_));
    // The host's rows may be reused once this returns (the upload is from pageable memory
    // or a pinned buffer the caller refills).
    stream_.synchronize("folding a gulp");
  }

  std::vector<FoldCube> finish() override {
    cuda::DeviceScope scope(device_);
    const auto n = static_cast<int64_t>(plan_.band.nsamples);
    // Rows never added and rows past the stream are 0: appended a buffer's worth at a time.
    while (done_ < n) {
      const int64_t want = n + plan_.lookahead - row_end_;
      const int64_t room = static_cast<int64_t>(row_cap_) - (row_end_ - row0_);
      const int64_t add = std::min(want, room);
      if (add > 0) {
        TIANYAN_CUDA_CHECK(cudaMemsetAsync(
            rows_.data() + static_cast<size_t>(row_end_ - row0_) * plan_.nchan, 0,
            static_cast<size_t>(add) * plan_.nchan * sizeof(float), stream_.get()));
        row_end_ += add;
      }
      advance(row_end_ >= n + plan_.lookahead ? n : plan_.ready_upto(row_end_));
    }
    std::vector<float> data(tables_.ncell_bins);
    std::vector<double> diff2(tables_.ncell);
    std::vector<uint64_t> count(tables_.ncell), ndiff(tables_.ncell);
    download(data_, data), download(diff2_, diff2), download(count_, count);
    download(ndiff_, ndiff);
    stream_.synchronize("downloading the cubes");
    std::vector<FoldCube> cubes;
    for (size_t r = 0; r < plan_.req.size(); ++r) {
      cubes.push_back(fold_cuda::cube_from_flat(plan_, tables_, r, data, diff2, count, ndiff));
    }
    return cubes;
  }

  const std::vector<FoldGroup>& groups() const override { return plan_.groups; }
  size_t memory_bytes() const override { return tables_.bytes(); }

 private:
  size_t row_bytes(uint64_t rows) const {
    // The rows themselves and one group's series of as many outputs.
    return static_cast<size_t>(rows) * (plan_.nchan + plan_.nsub) * sizeof(float);
  }

  // `fixed`: cubes and tables (0 once they are allocated), `rows`: row buffers.
  void check_memory(size_t fixed, size_t rows) const {
    const auto [free, total] = cuda::memory_info();
    if (fixed + rows > free) {
      throw environment_error(
          "CUDA device {}: folding {} candidate(s) needs {:.2f} GiB more device memory (cubes "
          "and tables {:.2f} GiB, rows of a gulp {:.2f} GiB), {:.2f} GiB of {:.2f} are free; "
          "fold fewer candidates at once or use shorter gulps (resources.memory_gb)",
          device_, plan_.req.size(), static_cast<double>(fixed + rows) / kGiB,
          static_cast<double>(fixed) / kGiB, static_cast<double>(rows) / kGiB,
          static_cast<double>(free) / kGiB, static_cast<double>(total) / kGiB);
    }
  }

  template <typename T>
  void zero(DeviceBuffer<T>& b) {
    if (b.size() > 0) TIANYAN_CUDA_CHECK(cudaMemsetAsync(b.data(), 0, b.bytes(), stream_.get()));
  }

  template <typename T>
  void download(const DeviceBuffer<T>& d, std::vector<T>& h) {
    if (h.empty()) return;
    TIANYAN_CUDA_CHECK(
        cudaMemcpyAsync(h.data(), d.data(), h.size() * sizeof(T), cudaMemcpyDeviceToHost,
                        stream_.get()));
  }

  // Capacity for `rows` rows (and as many outputs of one group's series), keeping the rows
  // held. Grows only: gulps are usually all the same length.
  void reserve_rows(uint64_t rows) {
    if (rows <= row_cap_) return;
    // The old buffers are released after the copy; both are counted.
    check_memory(0, row_bytes(rows) + rows_.bytes());
    DeviceBuffer<float> bigger(static_cast<size_t>(rows) * plan_.nchan);
    const auto held = static_cast<size_t>(row_end_ - row0_) * plan_.nchan;
    if (held > 0) {
      TIANYAN_CUDA_CHECK(cudaMemcpyAsync(bigger.data(), rows_.data(), held * sizeof(float),
                                         cudaMemcpyDeviceToDevice, stream_.get()));
    }
    stream_.synchronize("growing the folding engine's row buffer");
    rows_ = std::move(bigger);
    y_ = DeviceBuffer<float>(static_cast<size_t>(rows) * plan_.nsub);
    row_cap_ = rows;
  }

  // Folds outputs [done_, upto) from the rows held, then keeps rows [upto, row_end_) only.
  void advance(int64_t upto) {
    if (upto <= done_) return;
    const int64_t span = upto - done_;
    const auto ystride = static_cast<int64_t>(row_cap_);
    for (size_t g = 0; g < plan_.groups.size(); ++g) {
      fold_cuda::SubbandArgs s;
      s.rows = rows_.data();
      s.row0 = row0_;
      s.nchan = static_cast<uint32_t>(plan_.nchan);
      s.per = static_cast<uint32_t>(plan_.per);
      s.nsub = static_cast<uint32_t>(plan_.nsub);
      s.shift = shift_.data() + g * plan_.nchan;
      s.chans = chans_.data();
      s.nact = nact_.data();
      s.j0 = done_;
      s.span = span;
      s.y = y_.data();
      s.ystride = ystride;
      fold_cuda::form_subbands(s, stream_.get());
      fold_cuda::FoldArgs f;
      f.reqs = reqs_.data();
      f.members = members_.data() + tables_.member_off[g];
      f.nmembers = static_cast<uint32_t>(plan_.groups[g].members.size());
      f.max_nk = tables_.max_nk;
      f.nsub = s.nsub;
      f.t0_top = t0_top_.data();
      f.bounds = bounds_.data();
      f.first_j = first_j_.data() + g * plan_.nsub;
      f.y = y_.data();
      f.ystride = ystride;
      f.last_y = last_y_.data() + g * plan_.nsub;
      f.j0 = done_;
      f.j1 = upto;
      f.tile = plan_.tile;
      f.tsamp = plan_.band.tsamp_s;
      f.data = data_.data();
      f.diff2 = diff2_.data();
      f.count = count_.data();
      f.ndiff = ndiff_.data();
      fold_cuda::fold_group(f, stream_.get());
      fold_cuda::keep_last(y_.data(), ystride, span, s.nsub, last_y_.data() + g * plan_.nsub,
                           stream_.get());
    }
    done_ = upto;
    // Move the rows still needed to the front (through staging_: the ranges may overlap).
    const int64_t keep = row_end_ - done_;
    if (keep > 0 && done_ > row0_) {
      const size_t bytes = static_cast<size_t>(keep) * plan_.nchan * sizeof(float);
      if (static_cast<size_t>(keep) * plan_.nchan > staging_.size()) {
        throw internal_error("CUDA folding engine: {} rows kept, room for {}", keep,
                             staging_.size() / plan_.nchan);
      }
      TIANYAN_CUDA_CHECK(cudaMemcpyAsync(
          staging_.data(), rows_.data() + static_cast<size_t>(done_ - row0_) * plan_.nchan, bytes,
          cudaMemcpyDeviceToDevice, stream_.get()));
      TIANYAN_CUDA_CHECK(cudaMemcpyAsync(rows_.data(), staging_.data(), bytes,
                                         cudaMemcpyDeviceToDevice, stream_.get()));
    }
    row0_ = std::min(done_, row_end_);
  }

  void build_tables() {
    const FoldPlan& p = plan_;
    tables_ = fold_cuda::make_device_tables(p);
    const fold_cuda::DeviceTables& t = tables_;
    cube_bytes_ = t.ncell_bins * sizeof(float) + t.ncell * (sizeof(double) + 2 * sizeof(uint64_t));
    const size_t fixed = cube_bytes_ + t.bytes() + p.groups.size() * p.nsub * sizeof(float) +
                         static_cast<size_t>(p.tile + p.lookahead) * p.nchan * sizeof(float);
    check_memory(fixed, row_bytes(static_cast<uint64_t>(2 * p.tile + p.lookahead)));
    const cudaStream_t st = stream_.get();
    reqs_ = upload_new(t.reqs, st);
    members_ = upload_new(t.members, st);
    t0_top_ = upload_new(t.t0_top, st);
    bounds_ = upload_new(t.bounds, st);
    shift_ = upload_new(t.shift, st);
    first_j_ = upload_new(t.first_j, st);
    chans_ = upload_new(t.chans, st);
    nact_ = upload_new(t.nact, st);
  }

  FoldPlan plan_;
  int device_;
  cuda::DeviceScope scope_;
  cuda::Stream stream_;
  fold_cuda::DeviceTables tables_;  // kept: the uploads read them asynchronously
  size_t cube_bytes_ = 0;
  DeviceBuffer<fold_cuda::RequestArgs> reqs_;
  DeviceBuffer<uint32_t> members_, chans_, nact_;
  DeviceBuffer<double> t0_top_;
  DeviceBuffer<int64_t> bounds_, shift_, first_j_;
  DeviceBuffer<float> data_, last_y_, rows_, staging_, y_;
  DeviceBuffer<double> diff2_;
  DeviceBuffer<uint64_t> count_, ndiff_;
  uint64_t row_cap_ = 0;
  // rows_ holds stream rows [row0_, row_end_); outputs before done_ are folded.
  int64_t row0_ = 0, row_end_ = 0, done_ = 0;
};

}  // namespace

std::unique_ptr<Folder> make_folder_cuda(int device, FoldBand band, size_t nsubband,
                                         std::vector<FoldSpec> specs, double max_smear_bins) {
  if (const auto problem = cuda_device_problem(device, query_cuda_devices())) {
    throw environment_error("the CUDA folding engine cannot run: {}", *problem);
  }
  return std::make_unique<FolderCuda>(device, std::move(band), nsubband, std::move(specs),
                                      max_smear_bins);
}

}  // namespace tianyan::fold_detail
