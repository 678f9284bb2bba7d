// The CUDA dedisperser's arithmetic without a GPU: every element of a gulp computed on the
// host by the kernels' own element functions (dedisp_cuda_elements.hpp), with the CUDA
// dedisperser's own tables, layout and per-group arguments (dedisp_cuda_args.hpp), equals the
// CPU dedisperser bit for bit. What this cannot check (launch geometry, copies) is left to
// dedisp_backend_parity_test on a GPU.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/dedisp/dedisp_cpu.hpp"
#include "kernels/dedisp/dedisp_cuda_args.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "kernels/dedisp/subband_plan.hpp"
#include "tests/dedisp/dedisp_test_util.hpp"

namespace tianyan {
namespace {

struct ElementsCase {
  const char* name;
  DedispAlgorithm algorithm;
  int nchan;
  double dm_hi;
  int nsub;
  uint64_t nfresh;  // <= the setup's max_nfresh (4096): a short last gulp
};

class DedispCudaElements : public ::testing::TestWithParam<ElementsCase> {};

TEST_P(DedispCudaElements, HostRunOfTheKernelElementsEqualsTheCpu) {
  const ElementsCase& ec = GetParam();
  const BandGeometry band = BandGeometry::from_edges(1000, 1500, ec.nchan, 98.304e-6);
  DmPlanConfig cfg;
  cfg.dm_hi = ec.dm_hi;
  cfg.nsub = ec.nsub;
  const DmPlan dm_plan = make_dm_plan(band, cfg);
  const uint64_t max_nfresh = 4096;
  const DedispSetup setup =
      make_dedisp_setup(dm_plan, band.freqs_mhz(), max_nfresh, 1, ec.algorithm);
  auto cpu = make_dedisperser(Backend::Cpu, setup);

  const SubbandPlan plan = make_subband_plan(setup, ec.algorithm == DedispAlgorithm::BruteForce);
  ASSERT_EQ(plan.overlap, cpu->overlap());
  ASSERT_EQ(plan.output_size, cpu->output_size());
  for (size_t t = 0; t < cpu->num_trials(); ++t) {
    ASSERT_EQ(plan.trial_delays(t), cpu->trial_delays(t)) << "trial " << t;
  }

  const auto nchan = static_cast<size_t>(ec.nchan);
  const std::vector<float> in = test::gaussian_noise(ec.nfresh + plan.overlap, nchan, 21);
  constexpr float kUntouched = -12345.0f;
  std::vector<float> want(cpu->output_size(), kUntouched);
  cpu->execute(in.data(), ec.nfresh + plan.overlap, ec.nfresh, want.data());

  // The device's buffers, on the host.
  const dedisp_cuda::Layout layout = dedisp_cuda::make_layout(plan, max_nfresh);
  const dedisp_cuda::Tables tables = dedisp_cuda::flatten_tables(plan);
  const dedisp_cuda::TablePointers ptr{tables.d1.data(), tables.d2min.data(),
                                       tables.d2max.data(), tables.d2.data(),
                                       tables.sub_begin.data()};
  std::vector<float> x(layout.x), sub(layout.sub), got(layout.out, kUntouched);
  dedisp_detail::transpose_to_channels(in.data(), ec.nfresh + plan.overlap, nchan, x.data(),
                                       layout.x_stride, 1);
  for (size_t g = 0; g < plan.groups.size(); ++g) {
    const dedisp_cuda::GroupArgs a = dedisp_cuda::group_args(
        plan, layout, ptr, g, ec.nfresh, max_nfresh, x.data(), sub.data(), got.data());
    ASSERT_LE(a.form.max_len, layout.sub_stride);
    for (int s = 0; s < a.form.nsub; ++s) {
      ASSERT_LE(dedisp_cuda::form_length(a.form, s), a.form.max_len);
      for (uint64_t i = 0; i < dedisp_cuda::form_length(a.form, s); ++i) {
        sub[s * layout.sub_stride + i] = dedisp_cuda::form_element(a.form, s, i);
      }
    }
    for (int k = 0; k < a.combine.ntrials; ++k) {
      for (uint64_t j = 0; j < a.combine.nout; ++j) {
        a.combine.out[k * a.combine.row_stride + j] = dedisp_cuda::combine_element(a.combine, k, j);
      }
    }
  }
  size_t differ = 0, first = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != got[i] && differ++ == 0) first = i;
  }
  EXPECT_EQ(differ, 0u) << "first at " << first << ": cpu " << want[first] << ", elements "
                        << got[first];
}

INSTANTIATE_TEST_SUITE_P(
    Dedisp, DedispCudaElements,
    ::testing::Values(
        ElementsCase{"Subband256", DedispAlgorithm::Subband, 256, 500, 0, 4096},
        ElementsCase{"Subband1000UnevenSubbands", DedispAlgorithm::Subband, 1000, 300, 24, 4096},
        ElementsCase{"SubbandShortGulp", DedispAlgorithm::Subband, 256, 800, 16, 1024},
        ElementsCase{"BruteForce128", DedispAlgorithm::BruteForce, 128, 200, 0, 4096}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tianyan
