// The RFI cleaner on a CUDA device: the heavy steps of a block (moment sums, the robust
// subsample's median and MAD, the clipping series, replacement, normalisation and zero-DM) run
// in the kernels of rfi_cuda_kernels.cu; the per-block decisions over channels run on the host
// in the CPU's own code (rfi_stage.hpp), fed with the device's statistics. One block at a time:
// upload its rows, compute, bring back what the host decides on (4 sums per chunk and
// channel, the medians and MADs, the clipping series: a few per cent of the block), then the
// cleaned rows. Device memory is sized by the block, allocated once, here. Fed 8-bit samples
// (process_packed), a block goes up as its bytes and per-row scales and is unpacked on the
// device into the same floats (kernels/unpack/).
#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/rfi/rfi_cuda.hpp"
#include "kernels/rfi/rfi_cuda_kernels.hpp"
#include "kernels/rfi/rfi_elements.hpp"
#include "kernels/rfi/rfi_stage.hpp"
#include "kernels/unpack/packed_unpacker.hpp"

namespace tianyan::rfi_detail {
namespace {

using cuda::DeviceBuffer;

double gib(size_t b) { return static_cast<double>(b) / (1024.0 * 1024 * 1024); }

class RfiCleanerCuda final : public RfiStage {
 public:
  RfiCleanerCuda(int device, const RfiConfig& config, const ObservationInfo& info, int threads,
                 const RfiMask* reuse, bool record_replay)
      : RfiStage(config, info, threads, reuse, record_replay),
        device_(device),
        scope_(device),
        nchunks_((block_ + kMomentRows - 1) / kMomentRows) {
    const size_t cells = block_ * nchan_;
    const size_t bytes = 2 * cells * sizeof(float) + nchunks_ * 4 * nchan_ * sizeof(float) +
                         nchan_ * (7 * sizeof(float) + sizeof(uint32_t) * 2) + block_ * 5 +
                         cuda::PackedUnpacker::planned_bytes(nchan_, block_);
    const auto [free, total] = cuda::memory_info();
    if (bytes > free) {
      throw environment_error(
          "CUDA device {}: RFI excision needs {:.2f} GiB of device memory, {:.2f} GiB of {:.2f} "
          "are free; use shorter blocks (rfi.block_nsamp)",
          device, gib(bytes), gib(free), gib(total));
    }
    in_ = DeviceBuffer<float>(cells);
    out_ = DeviceBuffer<float>(cells);
    partials_ = DeviceBuffer<float>(nchunks_ * 4 * nchan_);
    for (auto* b : {&shift_, &median_, &mad_, &weight_, &centre_, &scale_, &fill_}) {
      *b = DeviceBuffer<float>(nchan_);
    }
    clip_keep_ = DeviceBuffer<uint32_t>(nchan_);
    keep_ = DeviceBuffer<uint32_t>(nchan_);
    zsum_ = DeviceBuffer<float>(block_);
    clipped_ = DeviceBuffer<uint8_t>(block_);
    unpacker_ = cuda::PackedUnpacker(nchan_, block_);
    h_partials_.resize(nchunks_ * 4 * nchan_);
    h_shift_.resize(nchan_);
    h_mad_.resize(nchan_);
    h_rough_.resize(kCudaRoughRows * nchan_);
  }

  size_t workspace_bytes() const override {
    return RfiStage::workspace_bytes() + rfi_cuda_host_extra_bytes(block_, nchan_);
  }

  void process_packed(const PackedSamples& in, float* out, uint64_t start, uint64_t nsamp,
                      uint64_t nfresh) override {
    in.check();
    if (in.nsamp != nsamp || in.nchan != nchan_) {
      throw internal_error("rfi: a packed gulp of {} x {} channels passed as {} x {}", in.nsamp,
                           in.nchan, nsamp, nchan_);
    }
    check_gulp(start, nsamp, nfresh);
    host_in_ = nullptr;
    host_out_ = out;
    packed_ = &in;
    run_gulp(start, nsamp, nfresh);
  }

 private:
  // rough_centre reads 5 rows of a block.

  void begin_gulp(const float* in, float* out, uint64_t) override {
    host_in_ = in;
    host_out_ = out;
    packed_ = nullptr;
  }

  void block_stats(uint64_t row0, uint64_t n) override {
    cuda::DeviceScope scope(device_);
    const cudaStream_t s = stream_.get();
    // The shift reads 5 samples per channel: cheaper on the host than a launch. From bytes,
    // only those 5 rows are unpacked here, into rows 0..4 of h_rough_ (where rough_centre
    // of a 5-row block reads).
    if (packed_ != nullptr) {
      for (uint64_t k = 0; k < kCudaRoughRows; ++k) {
        unpack_packed(*packed_, row0 + k * (n - 1) / 4, 1, h_rough_.data() + k * nchan_);
      }
      for (size_t c = 0; c < nchan_; ++c) {
        h_shift_[c] = rough_centre(h_rough_.data(), kCudaRoughRows, nchan_, c);
      }
      unpacker_.unpack(*packed_, row0, n, in_.data(), s);
    } else {
      const float* block = host_in_ + row0 * nchan_;
      for (size_t c = 0; c < nchan_; ++c) h_shift_[c] = rough_centre(block, n, nchan_, c);
      in_.upload(block, n * nchan_, s);
    }
    shift_.upload(h_shift_.data(), nchan_, s);
    rfi_cuda::moment_sums(in_.data(), n, nchan_, shift_.data(), kMomentRows, partials_.data(), s);
    rfi_cuda::robust_stats(in_.data(), robust_stride(n), robust_count(n), nchan_, median_.data(),
                           mad_.data(), s);
    const uint64_t chunks = (n + kMomentRows - 1) / kMomentRows;
    download(h_partials_.data(), partials_.data(), chunks * 4 * nchan_);
    download(stats_.median.data(), median_.data(), nchan_);
    download(h_mad_.data(), mad_.data(), nchan_);
    stream_.synchronize("rfi statistics of a block");
    for (size_t c = 0; c < nchan_; ++c) {
      combine_moments(h_partials_.data(), chunks, nchan_, c, n, h_shift_[c], stats_);
      stats_.sigma[c] = rfi_elements::robust_sigma(h_mad_[c], stats_.std[c]);
    }
  }

  void clip_series(uint64_t, uint64_t n, float norm) override {
    cuda::DeviceScope scope(device_);
    const cudaStream_t s = stream_.get();
    weight_.upload(clip_ws_.weight.data(), nchan_, s);
    clip_keep_.upload(clip_ws_.keep.data(), nchan_, s);
    rfi_elements::ClipArgs a;
    a.block = in_.data();
    a.n = n;
    a.nchan = nchan_;
    a.median = median_.data();
    a.weight = weight_.data();
    a.keep = clip_keep_.data();
    a.norm = norm;
    a.zsum = zsum_.data();
    rfi_cuda::clip_series(a, s);
    download(clip_ws_.zsum.data(), zsum_.data(), n);
    stream_.synchronize("rfi clipping series of a block");
  }

  void clean_block(uint64_t row0, uint64_t n) override {
    cuda::DeviceScope scope(device_);
    const cudaStream_t s = stream_.get();
    centre_.upload(params_.centre.data(), nchan_, s);
    scale_.upload(params_.scale.data(), nchan_, s);
    fill_.upload(params_.fill.data(), nchan_, s);
    keep_.upload(params_.keep.data(), nchan_, s);
    clipped_.upload(clip_ws_.clipped.data(), n, s);
    rfi_elements::CleanArgs a;
    a.in = in_.data();
    a.out = out_.data();
    a.n = n;
    a.nchan = nchan_;
    a.centre = centre_.data();
    a.scale = scale_.data();
    a.fill = fill_.data();
    a.keep = keep_.data();
    a.clipped = clipped_.data();
    a.normalise = config_.normalise.enabled;
    a.zero_dm = config_.zero_dm.enabled;
    a.nclean = static_cast<size_t>(
        std::count(params_.masked.begin(), params_.masked.end(), uint8_t{0}));
    rfi_cuda::clean_block(a, s);
    // `out` may be host memory or a device buffer of the next stage (the streaming driver
    // cleans into the CUDA dedisperser's input): cudaMemcpyDefault tells them apart.
    TIANYAN_CUDA_CHECK(cudaMemcpyAsync(host_out_ + row0 * nchan_, out_.data(),
                                       n * nchan_ * sizeof(float), cudaMemcpyDefault, s));
    stream_.synchronize("rfi cleaning of a block");
  }

  void end_gulp() override {}

  template <typename T>
  void download(T* host, const T* dev, size_t n) {
    TIANYAN_CUDA_CHECK(
        cudaMemcpyAsync(host, dev, n * sizeof(T), cudaMemcpyDeviceToHost, stream_.get()));
  }

  int device_;
  cuda::DeviceScope scope_;  // the device stays current while the buffers are made
  cuda::Stream stream_;
  uint64_t nchunks_;
  DeviceBuffer<float> in_, out_, partials_, shift_, median_, mad_, weight_, centre_, scale_, fill_,
      zsum_;
  DeviceBuffer<uint32_t> clip_keep_, keep_;
  DeviceBuffer<uint8_t> clipped_;
  cuda::PackedUnpacker unpacker_;
  std::vector<float> h_partials_, h_shift_, h_mad_, h_rough_;
  const PackedSamples* packed_ = nullptr;  // the gulp of process_packed, else null
  const float* host_in_ = nullptr;
  float* host_out_ = nullptr;
};

}  // namespace

std::unique_ptr<RfiCleaner> make_rfi_cleaner_cuda(int device, const RfiConfig& config,
                                                  const ObservationInfo& info, int threads,
                                                  const RfiMask* reuse, bool record_replay) {
  if (const auto problem = cuda_device_problem(device, query_cuda_devices())) {
    throw environment_error("the CUDA RFI cleaner cannot run: {}", *problem);
  }
  return std::make_unique<RfiCleanerCuda>(device, config, info, threads, reuse, record_replay);
}

}  // namespace tianyan::rfi_detail
