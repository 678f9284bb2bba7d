// Subband dedispersion on a CUDA device: the plan of subband_plan.hpp (the CPU's tables),
// applied by the kernels of dedisp_cuda_kernels.cu. Per gulp: one upload of the fresh
// samples and the look-ahead (none when the caller cleaned them into device_input()), a
// transpose to channel-major, per group the two stages, one download per group of the rows
// it wrote. The downloads run on a second stream, each after its group's kernels, so group
// g's rows travel while group g + 1 computes (asynchronous only into pinned host memory:
// the streaming driver pins its output buffer, kernels/common/host_pin.hpp). Device memory is
// allocated once, here, and sized by max_nfresh (and input_rows), never by the observation.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/cuda/cuda_util.hpp"
#include "kernels/dedisp/dedisp_cpu.hpp"
#include "kernels/dedisp/dedisp_cuda.hpp"
#include "kernels/dedisp/dedisp_cuda_args.hpp"
#include "kernels/dedisp/dedisp_cuda_kernels.hpp"
#include "kernels/dedisp/subband_plan.hpp"

namespace tianyan::dedisp_detail {
namespace {

using cuda::DeviceBuffer;

class SubbandCuda final : public PlannedDedisperser {
 public:
  explicit SubbandCuda(const DedispSetup& setup)
      : PlannedDedisperser(
            setup, make_subband_plan(setup, setup.algorithm == DedispAlgorithm::BruteForce)),
        layout_(dedisp_cuda::make_layout(plan_, setup.max_nfresh)),
        scope_(setup.device) {
    input_rows_ = std::max<uint64_t>(setup.input_rows, layout_.x_stride);
    layout_.input = plan_.nchan * input_rows_;
    const auto [free, total] = cuda::memory_info();
    if (layout_.bytes() > free) {
      throw environment_error(
          "CUDA device {}: dedispersion needs {:.2f} GiB of device memory, {:.2f} GiB of {:.2f} "
          "are free; use shorter gulps (resources.memory_gb) or fewer DM trials",
          setup.device, gib(layout_.bytes()), gib(free), gib(total));
    }
    input_ = DeviceBuffer<float>(layout_.input);
    x_ = DeviceBuffer<float>(layout_.x);
    sub_ = DeviceBuffer<float>(layout_.sub);
    out_ = DeviceBuffer<float>(layout_.out);
    const dedisp_cuda::Tables t = dedisp_cuda::flatten_tables(plan_);
    upload(t.d1, d1_);
    upload(t.d2min, d2min_);
    upload(t.d2max, d2max_);
    upload(t.d2, d2_);
    upload(t.sub_begin, sub_begin_);
    tables_ = {d1_.data(), d2min_.data(), d2max_.data(), d2_.data(), sub_begin_.data()};
    group_done_.resize(plan_.groups.size());
    stream_.synchronize("upload of the dedispersion tables");
  }

  size_t workspace_bytes() const override { return 0; }  // host memory: none beyond the tables

  void execute(const float* in, uint64_t nsamp_in, uint64_t nfresh, float* out) override {
    check_execute(nsamp_in, nfresh, plan_.overlap, setup_.max_nfresh, plan_.max_downsample);
    cuda::DeviceScope scope(setup_.device);
    const cudaStream_t s = stream_.get();
    const uint64_t nsamp = nfresh + plan_.overlap;
    if (in != input_.data()) input_.upload(in, nsamp * plan_.nchan, s);
    dedisp_cuda::transpose(input_.data(), nsamp, static_cast<int>(plan_.nchan), x_.data(),
                           layout_.x_stride, s);
    for (size_t gi = 0; gi < plan_.groups.size(); ++gi) {
      const SubbandGroup& g = plan_.groups[gi];
      const dedisp_cuda::GroupArgs a =
          dedisp_cuda::group_args(plan_, layout_, tables_, gi, nfresh, setup_.max_nfresh,
                                  x_.data(), sub_.data(), out_.data());
      dedisp_cuda::form_subbands(a.form, s);
      dedisp_cuda::combine_subbands(a.combine, s);
      // Only the nfresh / ds written samples of each row come back: the contract leaves the
      // rest of the caller's rows untouched.
      if (a.combine.nout == 0) continue;
      group_done_[gi].order(s, copy_.get());
      const size_t pitch = a.combine.row_stride * sizeof(float);
      TIANYAN_CUDA_CHECK(cudaMemcpy2DAsync(out + plan_.offsets[g.first], pitch, a.combine.out,
                                           pitch, a.combine.nout * sizeof(float), g.count,
                                           cudaMemcpyDeviceToHost, copy_.get()));
    }
    // Both: the next gulp's kernels overwrite what the copies read, and the caller reads out.
    stream_.synchronize("dedispersion of a gulp");
    copy_.synchronize("download of a gulp's dedispersed rows");
  }

  float* device_input() override { return input_.data(); }
  uint64_t device_input_rows() const override { return input_rows_; }
  int device() const override { return setup_.device; }

  void move_device_rows(uint64_t dst, uint64_t src, uint64_t n) override {
    if (dst > src || src + n > input_rows_) {
      throw internal_error("dedispersion: move of device rows [{}, {}) to {} outside {} rows",
                           src, src + n, dst, input_rows_);
    }
    if (n == 0 || dst == src) return;
    cuda::DeviceScope scope(setup_.device);
    // cudaMemcpy is undefined for overlapping ranges: forward copies of at most src - dst
    // rows never overlap and never overwrite rows still to be read.
    const uint64_t chunk = src - dst;
    const size_t row = plan_.nchan;
    for (uint64_t k = 0; k < n; k += chunk) {
      const uint64_t m = std::min(chunk, n - k);
      TIANYAN_CUDA_CHECK(cudaMemcpyAsync(input_.data() + (dst + k) * row,
                                         input_.data() + (src + k) * row,
                                         m * row * sizeof(float), cudaMemcpyDeviceToDevice,
                                         stream_.get()));
    }
    stream_.synchronize("move of the look-ahead on the device");
  }

  void zero_device_rows(uint64_t row0, uint64_t n) override {
    if (row0 + n > input_rows_) {
      throw internal_error("dedispersion: zeroing device rows [{}, {}) of {}", row0, row0 + n,
                           input_rows_);
    }
    if (n == 0) return;
    cuda::DeviceScope scope(setup_.device);
    // All-zero bytes are 0.0f.
    TIANYAN_CUDA_CHECK(cudaMemsetAsync(input_.data() + row0 * plan_.nchan, 0,
                                       n * plan_.nchan * sizeof(float), stream_.get()));
    stream_.synchronize("zero padding on the device");
  }

 private:
  static double gib(size_t b) { return static_cast<double>(b) / (1024.0 * 1024 * 1024); }
  void upload(const std::vector<int32_t>& host, DeviceBuffer<int32_t>& dev) {
    dev = DeviceBuffer<int32_t>(host.size());
    dev.upload(host.data(), host.size(), stream_.get());
  }

  dedisp_cuda::Layout layout_;
  cuda::DeviceScope scope_;  // the device stays current while the buffers are made
  cuda::Stream stream_;
  cuda::Stream copy_;  // downloads, overlapping the next group's kernels
  std::vector<cuda::Event> group_done_;
  uint64_t input_rows_ = 0;
  DeviceBuffer<float> input_, x_, sub_, out_;
  DeviceBuffer<int32_t> d1_, d2min_, d2max_, d2_, sub_begin_;
  dedisp_cuda::TablePointers tables_;
};

}  // namespace

std::unique_ptr<Dedisperser> make_dedisperser_cuda(const DedispSetup& setup) {
  if (const auto problem = cuda_device_problem(setup.device, query_cuda_devices())) {
    throw environment_error("the CUDA dedisperser cannot run: {}", *problem);
  }
  return std::make_unique<SubbandCuda>(setup);
}

}  // namespace tianyan::dedisp_detail
