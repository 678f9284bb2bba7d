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
#include "kernels/dedisp/delay_table.hpp"

namespace tianyan {
namespace {

// Output samples per block: nsub subband rows of it (32 x 8 KiB) stay in L2 while every
// trial of a group reads them.
constexpr uint64_t kTimeBlock = 2048;

struct Group {
  size_t first = 0;  // first trial
  size_t count = 0;
  int downsample = 1;
  std::vector<int32_t> d1;     // [channel]: delay at the coarse DM to the subband's top
  std::vector<int32_t> d2min;  // [subband]: the smallest stage-2 shift in the group
  std::vector<int32_t> d2max;  // [subband]: the largest
};

class SubbandCpu final : public Dedisperser {
 public:
  SubbandCpu(const DedispSetup& setup, bool allocate) : setup_(setup) {
    const size_t nchan = setup.freqs_mhz.size();
    nsub_ = (setup.nsub <= 0 || static_cast<size_t>(setup.nsub) >= nchan)
                ? nchan
                : static_cast<size_t>(setup.nsub);
    for (size_t s = 0; s <= nsub_; ++s) sub_begin_.push_back(s * nchan / nsub_);
    for (size_t s = 0; s < nsub_; ++s) {
      for (size_t c = sub_begin_[s]; c < sub_begin_[s + 1]; ++c) sub_of_.push_back(s);
    }
    build_trial_shifts();
    build_groups();
    offsets_ = dedisp_detail::output_offsets(setup, &output_size_);
    for (size_t t = 0; t < setup.trials.size(); ++t) {
      const std::vector<int32_t> d = trial_delays(t);
      overlap_ = std::max(overlap_, static_cast<uint64_t>(*std::max_element(d.begin(), d.end())));
      max_ds_ = std::max(max_ds_, setup.trials[t].downsample);
    }
    x_stride_ = setup.max_nfresh + overlap_;
    x_size_ = nchan * x_stride_;
    block_ = std::max<uint64_t>(kTimeBlock, static_cast<uint64_t>(max_ds_));
    sub_stride_ = block_ + max_spread_;
    for (size_t k = 0; k < nsub_; ++k) {
      rows_per_thread_ = std::max(rows_per_thread_, sub_begin_[k + 1] - sub_begin_[k]);
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

  uint64_t overlap() const override { return overlap_; }
  size_t workspace_bytes() const override {
    return (x_size_ + subbands_size_ + acc_size_) * sizeof(float) +
           rows_size_ * sizeof(const float*);
  }
  size_t num_trials() const override { return setup_.trials.size(); }
  uint64_t output_offset(size_t trial) const override { return offsets_.at(trial); }
  uint64_t output_size() const override { return output_size_; }
  std::vector<int32_t> trial_delays(size_t trial) const override {
    const Group& g = groups_[group_of_.at(trial)];
    std::vector<int32_t> d(g.d1.size());
    for (size_t c = 0; c < d.size(); ++c) d[c] = g.d1[c] + d2_[trial * nsub_ + sub_of_[c]];
    return d;
  }

  void execute(const float* in, uint64_t nsamp_in, uint64_t nfresh, float* out) override {
    dedisp_detail::check_execute(nsamp_in, nfresh, overlap_, setup_.max_nfresh, max_ds_);
    dedisp_detail::transpose_to_channels(in, nfresh + overlap_, setup_.freqs_mhz.size(), x_.data(),
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
      for (const Group& g : groups_) {
        form_subbands(g, b0, n, sub, rows);
        combine_subbands(g, b0, n, sub, rows, acc_.data() + tid * block_, out);
      }
    }
  }

 private:
  // Stage-2 shifts: each subband's top channel relative to the band's top, at the fine DM.
  void build_trial_shifts() {
    const double f_top = setup_.freqs_mhz.back();
    d2_.resize(setup_.trials.size() * nsub_);
    for (size_t t = 0; t < setup_.trials.size(); ++t) {
      for (size_t s = 0; s < nsub_; ++s) {
        const double f_ref = setup_.freqs_mhz[sub_begin_[s + 1] - 1];
        d2_[t * nsub_ + s] = delay_samples(setup_.trials[t].dm, f_ref, f_top, setup_.tsamp_s);
      }
    }
  }

  void build_groups() {
    const std::vector<DmTrial>& tr = setup_.trials;
    for (size_t t = 0; t < tr.size(); ++t) {
      if (t == 0 || tr[t].group != tr[t - 1].group) {
        Group g;
        g.first = t;
        g.downsample = tr[t].downsample;
        groups_.push_back(std::move(g));
      }
      ++groups_.back().count;
      group_of_.push_back(groups_.size() - 1);
    }
    for (Group& g : groups_) {
      const double coarse = 0.5 * (tr[g.first].dm + tr[g.first + g.count - 1].dm);
      g.d1.resize(setup_.freqs_mhz.size());
      for (size_t c = 0; c < g.d1.size(); ++c) {
        const double f_ref = setup_.freqs_mhz[sub_begin_[sub_of_[c] + 1] - 1];
        g.d1[c] = delay_samples(coarse, setup_.freqs_mhz[c], f_ref, setup_.tsamp_s);
      }
      g.d2min.assign(nsub_, INT32_MAX);
      g.d2max.assign(nsub_, 0);
      for (size_t t = g.first; t < g.first + g.count; ++t) {
        for (size_t s = 0; s < nsub_; ++s) {
          g.d2min[s] = std::min(g.d2min[s], d2_[t * nsub_ + s]);
          g.d2max[s] = std::max(g.d2max[s], d2_[t * nsub_ + s]);
          max_spread_ = std::max<uint64_t>(max_spread_, g.d2max[s] - g.d2min[s]);
        }
      }
    }
  }

  // Stage 1 for output samples [b0, b0 + n): subband s over the window its stage-2 shifts in
  // this group reach, starting at b0 + d2min(s).
  void form_subbands(const Group& g, uint64_t b0, uint64_t n, float* sub,
                     const float** rows) const {
    for (size_t s = 0; s < nsub_; ++s) {
      const uint64_t start = b0 + static_cast<uint64_t>(g.d2min[s]);
      const uint64_t len = n + static_cast<uint64_t>(g.d2max[s] - g.d2min[s]);
      for (size_t c = sub_begin_[s]; c < sub_begin_[s + 1]; ++c) {
        rows[c - sub_begin_[s]] = x_.data() + c * x_stride_ + start + g.d1[c];
      }
      dedisp_detail::sum_rows(rows, sub_begin_[s + 1] - sub_begin_[s], len, sub + s * sub_stride_);
    }
  }

  // Stage 2 for output samples [b0, b0 + n) of every trial of the group.
  void combine_subbands(const Group& g, uint64_t b0, uint64_t n, const float* sub,
                        const float** rows, float* acc, float* out) const {
    const int ds = g.downsample;
    for (size_t t = g.first; t < g.first + g.count; ++t) {
      for (size_t s = 0; s < nsub_; ++s) {
        rows[s] = sub + s * sub_stride_ + (d2_[t * nsub_ + s] - g.d2min[s]);
      }
      float* o = out + offsets_[t];
      if (ds == 1) {
        dedisp_detail::sum_rows(rows, nsub_, n, o + b0);
      } else {
        dedisp_detail::sum_rows(rows, nsub_, n, acc);
        dedisp_detail::downsample_sum(acc, n, ds, o + b0 / static_cast<uint64_t>(ds));
      }
    }
  }

  DedispSetup setup_;
  size_t nsub_ = 0;
  std::vector<size_t> sub_begin_;  // [nsub + 1]: first channel of each subband
  std::vector<size_t> sub_of_;     // [channel]
  std::vector<int32_t> d2_;        // [trial][subband]
  uint64_t max_spread_ = 0;        // largest d2max - d2min over groups and subbands
  std::vector<Group> groups_;
  std::vector<size_t> group_of_;  // [trial]
  std::vector<uint64_t> offsets_;
  uint64_t output_size_ = 0;
  uint64_t overlap_ = 0;
  int max_ds_ = 1;
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
