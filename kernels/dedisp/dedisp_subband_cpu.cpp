// Two-stage subband dedispersion (PRESTO's prepsubband; Ransom 2001; Barsdell et al. 2012,
// sect. 2.3). Trials are cut into groups of consecutive DMs (the plan's sub_group) that share
// one coarse DM, the middle of the group:
//   stage 1, once per group: each subband s (nchan/nsub adjacent channels) is dedispersed at the
//     coarse DM relative to its own top channel: S_s[i] = sum_{c in s} x_c[i + d1_c];
//   stage 2, once per trial: the subbands are shifted by the trial's delay of each subband's top
//     channel relative to the band's top and added: T[i] = sum_s S_s[i + d2_s].
// The effective delay of channel c is d1_c(coarse DM) + d2_s(fine DM); it differs from the
// exact one by the dispersion across one subband at the coarse-DM error (t_sub, bounded by the
// plan) plus at most 1.5 samples of rounding. Work per input sample: N_group N_chan + N_DM N_sub
// instead of N_DM N_chan (docs/dedispersion.md for the measured choice against brute force).
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

#include "kernels/common/float_buffer.hpp"
#include "kernels/dedisp/dedisp_cpu.hpp"
#include "kernels/dedisp/subband_plan.hpp"

namespace tianyan {
namespace {

// Output samples per block: nsub subband rows of it (32 x 8 KiB) stay in L2 while every
// trial of a group reads them.
constexpr uint64_t kTimeBlock = 2048;

class SubbandCpu final : public PlannedDedisperser {
 public:
  SubbandCpu(const DedispSetup& setup, bool allocate)
      : PlannedDedisperser(setup, make_subband_plan(setup)) {
    const size_t nchan = plan_.nchan;
    nsub_ = plan_.nsub;
    x_stride_ = setup.max_nfresh + plan_.overlap;
    x_size_ = nchan * x_stride_;
    block_ = std::max<uint64_t>(kTimeBlock, static_cast<uint64_t>(plan_.max_downsample));
    sub_stride_ = block_ + plan_.max_spread;
    for (size_t k = 0; k < nsub_; ++k) {
      rows_per_thread_ = std::max(rows_per_thread_, plan_.sub_begin[k + 1] - plan_.sub_begin[k]);
    }
    rows_per_thread_ = std::max(rows_per_thread_, nsub_);
    const auto threads = static_cast<size_t>(setup.threads);
    subbands_size_ = threads * nsub_ * sub_stride_;
    acc_size_ = threads * block_;
    rows_size_ = threads * rows_per_thread_;
    if (!allocate) return;
    // Not zeroed (FloatBuffer: huge pages too): execute() transposes samples
    // [0, nfresh + overlap) of every channel before it reads any, and reads no further (each
    // read is at most a trial's delay past a fresh sample). The largest buffer of the
    // pipeline; zeroing it would be a wasted pass.
    x_.ensure(x_size_);
    subbands_.resize(subbands_size_);
    acc_.resize(acc_size_);
    rows_.resize(rows_size_);
  }

  size_t workspace_bytes() const override {
    return (x_size_ + subbands_size_ + acc_size_) * sizeof(float) +
           rows_size_ * sizeof(const float*);
  }
  void execute(const float* in, uint64_t nsamp_in, uint64_t nfresh, float* out) override {
    dedisp_detail::check_execute(nsamp_in, nfresh, plan_.overlap, setup_.max_nfresh,
                                 plan_.max_downsample);
    dedisp_detail::transpose_to_channels(in, nfresh + plan_.overlap, setup_.freqs_mhz.size(), x_.data(),
                                         x_stride_, setup_.threads);
    // Parallel over time blocks, groups in DM order inside each: consecutive groups read
    // nearly the same input window, which then comes from cache instead of memory.
    const auto nblocks = static_cast<int64_t>((nfresh + block_ - 1) / block_);
#pragma omp parallel for num_threads(setup_.threads) schedule(dynamic, 1)
    for (int64_t b = 0; b < nblocks; ++b) {
      const auto tid = static_cast<size_t>(omp_get_thread_num());
      float* sub = subbands_.data() + tid * nsub_ * sub_stride_;
      const float** rows = rows_.data() + tid * rows_per_thread_;
      const uint64_t b0 = static_cast<uint64_t>(b) * block_;
      const uint64_t n = std::min(block_, nfresh - b0);
      for (const SubbandGroup& g : plan_.groups) {
        form_subbands(g, b0, n, sub, rows);
        combine_subbands(g, b0, n, sub, rows, acc_.data() + tid * block_, out);
      }
    }
  }

 private:
  // Stage 1 for output samples [b0, b0 + n): subband s over the window its stage-2 shifts in
  // this group reach, starting at b0 + d2min(s).
  void form_subbands(const SubbandGroup& g, uint64_t b0, uint64_t n, float* sub,
                     const float** rows) const {
    for (size_t s = 0; s < nsub_; ++s) {
      const uint64_t start = b0 + static_cast<uint64_t>(g.d2min[s]);
      const uint64_t len = n + static_cast<uint64_t>(g.d2max[s] - g.d2min[s]);
      const size_t c0 = plan_.sub_begin[s], c1 = plan_.sub_begin[s + 1];
      for (size_t c = c0; c < c1; ++c) rows[c - c0] = x_.data() + c * x_stride_ + start + g.d1[c];
      dedisp_detail::sum_rows(rows, c1 - c0, len, sub + s * sub_stride_);
    }
  }

  // Stage 2 for output samples [b0, b0 + n) of every trial of the group.
  void combine_subbands(const SubbandGroup& g, uint64_t b0, uint64_t n, const float* sub,
                        const float** rows, float* acc, float* out) const {
    const int ds = g.downsample;
    for (size_t t = g.first; t < g.first + g.count; ++t) {
      for (size_t s = 0; s < nsub_; ++s) {
        rows[s] = sub + s * sub_stride_ + (plan_.d2[t * nsub_ + s] - g.d2min[s]);
      }
      float* o = out + plan_.offsets[t];
      if (ds == 1) {
        dedisp_detail::sum_rows(rows, nsub_, n, o + b0);
      } else {
        dedisp_detail::sum_rows(rows, nsub_, n, acc);
        dedisp_detail::downsample_sum(acc, n, ds, o + b0 / static_cast<uint64_t>(ds));
      }
    }
  }

  size_t nsub_ = 0;
  uint64_t x_stride_ = 0;
  uint64_t sub_stride_ = 0;
  uint64_t block_ = kTimeBlock;
  size_t x_size_ = 0, subbands_size_ = 0, acc_size_ = 0, rows_size_ = 0;  // workspace sizes
  FloatBuffer x_;                   // channel-major input (x_size_ floats)
  std::vector<float> subbands_;     // per thread: nsub rows of one block plus the spread
  std::vector<float> acc_;          // per thread: one block of a downsampled trial
  std::vector<const float*> rows_;  // per thread: the rows one sum adds
  size_t rows_per_thread_ = 0;
};

}  // namespace

namespace dedisp_detail {
std::unique_ptr<Dedisperser> make_subband_cpu(const DedispSetup& setup, bool allocate) {
  return std::make_unique<SubbandCpu>(setup, allocate);
}
}  // namespace dedisp_detail

}  // namespace tianyan
