// Brute-force incoherent dedispersion: for every trial, add every channel's row shifted by its
// delay (Lorimer & Kramer 2004, sect. 5.2). O(N_DM N_chan N_t); obviously correct, it is the
// reference every faster algorithm is tested against. Delays are rounded to the nearest input
// sample at full resolution (delay_table.hpp); downsampling sums ds consecutive dedispersed
// samples afterwards.
#include <omp.h>

#include <algorithm>
#include <memory>

#include "kernels/common/error.hpp"
#include "kernels/common/float_buffer.hpp"
#include "kernels/dedisp/dedisp_cpu.hpp"
#include "kernels/dedisp/delay_table.hpp"

namespace tianyan {
namespace {

using dedisp_detail::downsample_sum;

// Sums the channel-major rows x[c * stride + ...] of every trial (OpenMP over trials; each
// output sample is summed by one thread in channel order, so any thread count gives the same
// bits). acc: threads x max_nfresh floats of scratch for downsampled trials; rows: threads x
// nchan pointers.
void sum_trials(const float* x, uint64_t stride, size_t nchan, uint64_t nfresh,
                const int32_t* delays, const int* downsample, size_t ntrials,
                const uint64_t* offsets, int threads, uint64_t max_nfresh, float* acc,
                const float** rows, float* out) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t t = 0; t < static_cast<int64_t>(ntrials); ++t) {
    const int ds = downsample[t];
    float* o = out + offsets[t];
    const auto tid = static_cast<uint64_t>(omp_get_thread_num());
    float* a = ds == 1 ? o : acc + tid * max_nfresh;
    const int32_t* d = delays + static_cast<uint64_t>(t) * nchan;
    const float** r = rows + tid * nchan;
    for (size_t c = 0; c < nchan; ++c) r[c] = x + c * stride + d[c];
    dedisp_detail::sum_rows(r, nchan, nfresh, a);
    if (ds > 1) downsample_sum(a, nfresh, ds, o);
  }
}

class BruteCpu final : public Dedisperser {
 public:
  BruteCpu(const DedispSetup& setup, bool allocate) : setup_(setup) {
    const size_t nchan = setup.freqs_mhz.size();
    delays_.reserve(setup.trials.size() * nchan);
    for (const DmTrial& t : setup.trials) {
      const std::vector<int32_t> d = channel_delays(t.dm, setup.freqs_mhz, setup.tsamp_s);
      delays_.insert(delays_.end(), d.begin(), d.end());
      downsample_.push_back(t.downsample);
      max_ds_ = std::max(max_ds_, t.downsample);
    }
    overlap_ = static_cast<uint64_t>(*std::max_element(delays_.begin(), delays_.end()));
    offsets_ = dedisp_detail::output_offsets(setup, &output_size_);
    stride_ = setup.max_nfresh + overlap_;
    x_size_ = nchan * stride_;
    acc_size_ = static_cast<size_t>(setup.threads) * setup.max_nfresh;
    rows_size_ = static_cast<size_t>(setup.threads) * nchan;
    if (!allocate) return;
    // Not zeroed (FloatBuffer: huge pages too): execute() transposes samples
    // [0, nfresh + overlap) of every channel first and reads no further.
    x_.ensure(x_size_);
    acc_.resize(acc_size_);
    rows_.resize(rows_size_);
  }

  uint64_t overlap() const override { return overlap_; }
  size_t workspace_bytes() const override {
    return (x_size_ + acc_size_) * sizeof(float) + rows_size_ * sizeof(const float*);
  }
  size_t num_trials() const override { return setup_.trials.size(); }
  uint64_t output_offset(size_t trial) const override { return offsets_.at(trial); }
  uint64_t output_size() const override { return output_size_; }
  std::vector<int32_t> trial_delays(size_t trial) const override {
    const size_t nchan = setup_.freqs_mhz.size();
    const auto first = delays_.begin() + static_cast<std::ptrdiff_t>(trial * nchan);
    return {first, first + static_cast<std::ptrdiff_t>(nchan)};
  }

  void execute(const float* in, uint64_t nsamp_in, uint64_t nfresh, float* out) override {
    dedisp_detail::check_execute(nsamp_in, nfresh, overlap_, setup_.max_nfresh, max_ds_);
    const size_t nchan = setup_.freqs_mhz.size();
    dedisp_detail::transpose_to_channels(in, nfresh + overlap_, nchan, x_.data(), stride_,
                                         setup_.threads);
    sum_trials(x_.data(), stride_, nchan, nfresh, delays_.data(), downsample_.data(),
               setup_.trials.size(), offsets_.data(), setup_.threads, setup_.max_nfresh,
               acc_.data(), rows_.data(), out);
  }

 private:
  DedispSetup setup_;
  std::vector<int32_t> delays_;  // [trial][channel]
  std::vector<int> downsample_;
  std::vector<uint64_t> offsets_;
  uint64_t output_size_ = 0;
  uint64_t overlap_ = 0;
  uint64_t stride_ = 0;
  int max_ds_ = 1;
  size_t x_size_ = 0, acc_size_ = 0, rows_size_ = 0;  // workspace sizes
  FloatBuffer x_;                   // channel-major copy of the input (x_size_ floats)
  std::vector<float> acc_;          // per-thread full-resolution sums of downsampled trials
  std::vector<const float*> rows_;  // per-thread row pointers of one trial
};

}  // namespace

namespace dedisp_detail {
std::unique_ptr<Dedisperser> make_brute_cpu(const DedispSetup& setup, bool allocate) {
  return std::make_unique<BruteCpu>(setup, allocate);
}
}  // namespace dedisp_detail

void dedisperse_direct(const float* in, size_t nchan, uint64_t nsamp_in, uint64_t nfresh,
                       const std::vector<int32_t>& delays, const std::vector<int>& downsample,
                       uint64_t max_nfresh, int threads, float* out) {
  const size_t ntrials = downsample.size();
  if (nchan == 0 || delays.size() != ntrials * nchan || threads < 1) {
    throw internal_error("dedisperse_direct: {} delays for {} trials x {} channels", delays.size(),
                         ntrials, nchan);
  }
  uint64_t need = nfresh;
  std::vector<uint64_t> offsets(ntrials);
  uint64_t at = 0;
  for (size_t t = 0; t < ntrials; ++t) {
    offsets[t] = at;
    at += max_nfresh / static_cast<uint64_t>(downsample[t]);
    for (size_t c = 0; c < nchan; ++c) {
      const int32_t d = delays[t * nchan + c];
      if (d < 0) throw internal_error("dedisperse_direct: negative delay {}", d);
      need = std::max(need, nfresh + static_cast<uint64_t>(d));
    }
  }
  if (nsamp_in < need || nfresh > max_nfresh) {
    throw internal_error("dedisperse_direct: {} input samples, {} needed", nsamp_in, need);
  }
  std::vector<float> x(nchan * need);
  std::vector<float> acc(static_cast<size_t>(threads) * max_nfresh);
  std::vector<const float*> rows(static_cast<size_t>(threads) * nchan);
  dedisp_detail::transpose_to_channels(in, need, nchan, x.data(), need, threads);
  sum_trials(x.data(), need, nchan, nfresh, delays.data(), downsample.data(), ntrials,
             offsets.data(), threads, max_nfresh, acc.data(), rows.data(), out);
}

}  // namespace tianyan
