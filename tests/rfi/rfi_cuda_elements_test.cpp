// The CUDA RFI cleaner's arithmetic without a GPU: a stage whose block steps run the CUDA
// kernels' own per-thread functions (rfi_elements.hpp) on the host, thread by thread, with the
// CUDA cleaner's host-side steps (shift, chunk combination, robust sigma; rfi_clean_cuda.cpp)
// and the kernels' buffer layout, must give the CPU cleaner's mask and output exactly
// (tolerance 0): both add the same numbers in the same order. The one step emulated rather
// than shared is the device's sort (bitonic), which yields the same ascending array as any
// sort. What this cannot check (launch geometry, copies, the sort itself) is left to
// rfi_backend_parity_test on a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/rfi/rfi_elements.hpp"
#include "kernels/rfi/rfi_stage.hpp"
#include "rfi_backend_test_util.hpp"

namespace tianyan::test {
namespace {

namespace el = rfi_elements;

// The CUDA cleaner's block_stats, kernels thread by thread, on the host.
void element_stats(const float* block, uint64_t n, size_t nchan, rfi_detail::CellStats& stats) {
  const uint64_t chunks = (n + rfi_detail::kMomentRows - 1) / rfi_detail::kMomentRows;
  std::vector<float> shift(nchan), partials(chunks * 4 * nchan), mad(nchan);
  for (size_t c = 0; c < nchan; ++c) shift[c] = rfi_detail::rough_centre(block, n, nchan, c);
  for (uint64_t k = 0; k < chunks; ++k) {  // moment_kernel: thread (c, k)
    const uint64_t t0 = k * rfi_detail::kMomentRows;
    const uint64_t t1 = std::min(n, t0 + rfi_detail::kMomentRows);
    for (size_t c = 0; c < nchan; ++c) {
      float s[4];
      el::chunk_moments(block, t0, t1, nchan, c, shift[c], s);
      for (size_t q = 0; q < 4; ++q) partials[(k * 4 + q) * nchan + c] = s[q];
    }
  }
  const uint64_t stride = rfi_detail::robust_stride(n), m = rfi_detail::robust_count(n);
  std::vector<float> v(m);
  for (size_t c = 0; c < nchan; ++c) {  // robust_kernel: block c (any sort gives its order)
    for (uint64_t i = 0; i < m; ++i) v[i] = block[i * stride * nchan + c];
    std::sort(v.begin(), v.end());
    const float med = el::median_of_sorted(v.data(), m);
    for (float& x : v) x = std::fabs(x - med);
    std::sort(v.begin(), v.end());
    stats.median[c] = med;
    mad[c] = el::median_of_sorted(v.data(), m);
  }
  for (size_t c = 0; c < nchan; ++c) {  // the CUDA cleaner's host side
    rfi_detail::combine_moments(partials.data(), chunks, nchan, c, n, shift[c], stats);
    stats.sigma[c] = el::robust_sigma(mad[c], stats.std[c]);
  }
}

// clip_kernel, half-warp by half-warp.
void element_clip_series(const el::ClipArgs& a) {
  float acc[el::kLanes];
  for (uint64_t t = 0; t < a.n; ++t) {
    for (size_t l = 0; l < el::kLanes; ++l) acc[l] = el::clip_lane(a, t, l);
    a.zsum[t] = el::clip_value(a, acc);
  }
}

class HostElementsStage final : public rfi_detail::RfiStage {
 public:
  HostElementsStage(const RfiConfig& config, const ObservationInfo& info)
      : RfiStage(config, info, 1, nullptr, false) {}

 private:
  void begin_gulp(const float* in, float* out, uint64_t) override {
    in_ = in;
    out_ = out;
  }

  void block_stats(uint64_t row0, uint64_t n) override {
    element_stats(in_ + row0 * nchan_, n, nchan_, stats_);
  }

  void clip_series(uint64_t row0, uint64_t n, float norm) override {
    el::ClipArgs a;
    a.block = in_ + row0 * nchan_;
    a.n = n;
    a.nchan = nchan_;
    a.median = stats_.median.data();
    a.weight = clip_ws_.weight.data();
    a.keep = clip_ws_.keep.data();
    a.norm = norm;
    a.zsum = clip_ws_.zsum.data();
    element_clip_series(a);
  }

  void clean_block(uint64_t row0, uint64_t n) override {
    el::CleanArgs a;
    a.in = in_ + row0 * nchan_;
    a.out = out_ + row0 * nchan_;
    a.n = n;
    a.nchan = nchan_;
    a.centre = params_.centre.data();
    a.scale = params_.scale.data();
    a.fill = params_.fill.data();
    a.keep = params_.keep.data();
    a.clipped = clip_ws_.clipped.data();
    a.normalise = config_.normalise.enabled;
    a.zero_dm = config_.zero_dm.enabled;
    a.nclean = static_cast<size_t>(
        std::count(params_.masked.begin(), params_.masked.end(), uint8_t{0}));
    float acc[el::kLanes];
    for (uint64_t t = 0; t < n; ++t) {  // clean_kernel: half-warp t
      for (size_t l = 0; l < el::kLanes; ++l) el::clean_lane(a, t, l);
      if (!el::zero_dm_row(a, t)) continue;
      for (size_t l = 0; l < el::kLanes; ++l) acc[l] = el::zero_dm_lane(a, t, l);
      for (size_t l = 0; l < el::kLanes; ++l) el::zero_dm_lane_apply(a, t, l, acc);
    }
  }

  void end_gulp() override {}

  const float* in_ = nullptr;
  float* out_ = nullptr;
};

class RfiCudaElements : public ::testing::TestWithParam<BackendCase> {};

TEST_P(RfiCudaElements, HostRunOfTheKernelElementsEqualsTheCpu) {
  // 200 channels: not a multiple of the 16 lanes, so the CPU's scalar tails are compared too.
  const Observation obs = busy_observation(200, 2.0, 31);
  const uint64_t block = 4096;
  const RfiConfig config = backend_case_config(GetParam(), block);
  auto cpu = make_rfi_cleaner_cpu(config, obs.info, 2);
  HostElementsStage elements(config, obs.info);
  // Gulps of 3 blocks with a block of look-ahead; the stream ends with a partial block.
  const std::vector<float> want = clean_with(*cpu, obs, 3 * block, block);
  const std::vector<float> got = clean_with(elements, obs, 3 * block, block);
  ASSERT_GT(cpu->mask().nblocks(), 3u);
  EXPECT_EQ(cpu->mask().summary().total_fraction, elements.mask().summary().total_fraction);
  for (uint64_t b = 0; b < cpu->mask().nblocks(); ++b) {
    EXPECT_TRUE(std::equal(cpu->mask().block_cells(b), cpu->mask().block_cells(b) + obs.nchan(),
                           elements.mask().block_cells(b)))
        << "cells of block " << b;
    EXPECT_EQ(cpu->mask().clipped(b), elements.mask().clipped(b)) << "block " << b;
  }
  size_t first = 0;
  const size_t differ = count_differences(want, got, &first);
  EXPECT_EQ(differ, 0u) << "first at sample " << first / obs.nchan() << " channel "
                        << first % obs.nchan() << " (cpu " << want[first] << ", elements "
                        << got[first] << ")";
}

// The decisions see the statistics and the clipping series only through thresholds, so the
// comparison of outputs above could miss a small error in them: compare them directly, exactly.
TEST(RfiCudaElementsBlock, StatisticsAndClipSeriesEqualTheCpu) {
  const Observation obs = busy_observation(200, 1.0, 17);
  const size_t nchan = obs.nchan();
  // A strided subsample (8192 rows: every 2nd), an odd partial block, an even one.
  for (const uint64_t n : {uint64_t{8192}, uint64_t{3001}, uint64_t{1000}}) {
    ASSERT_LE(n, obs.nsamp);
    rfi_detail::StatsWorkspace ws;
    ws.resize(nchan, n, 2);
    rfi_detail::CellStats want, got;
    want.resize(nchan);
    got.resize(nchan);
    rfi_detail::compute_cell_stats(obs.data.data(), n, nchan, 2, ws, want);
    element_stats(obs.data.data(), n, nchan, got);
    EXPECT_EQ(got.mean, want.mean) << n;
    EXPECT_EQ(got.std, want.std) << n;
    EXPECT_EQ(got.kurtosis, want.kurtosis) << n;
    EXPECT_EQ(got.median, want.median) << n;
    EXPECT_EQ(got.sigma, want.sigma) << n;

    std::vector<uint8_t> cells(nchan, 0);
    cells[3] = kRfiStatic;
    rfi_detail::ClipWorkspace cw;
    cw.resize(nchan, n);
    const size_t nclean = rfi_detail::clip_weights(want, cells.data(), n, cw);
    const float norm = rfi_detail::clip_norm(nclean);
    rfi_detail::clip_series_cpu(obs.data.data(), n, want, norm, 2, cw);
    std::vector<float> zsum(n);
    el::ClipArgs a;
    a.block = obs.data.data();
    a.n = n;
    a.nchan = nchan;
    a.median = want.median.data();
    a.weight = cw.weight.data();
    a.keep = cw.keep.data();
    a.norm = norm;
    a.zsum = zsum.data();
    element_clip_series(a);
    EXPECT_TRUE(std::equal(zsum.begin(), zsum.end(), cw.zsum.begin())) << n;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfi, RfiCudaElements,
    ::testing::Values(BackendCase{"Default", true, false, true},
                      BackendCase{"ZeroDm", true, true, true},
                      BackendCase{"RawZeroDm", false, true, true},
                      BackendCase{"NoClip", true, false, false}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tianyan::test
