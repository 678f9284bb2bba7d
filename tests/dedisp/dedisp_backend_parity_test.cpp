// CPU and CUDA dedispersion, one test over both backends: on the same gulps of noise they
// give the same bits (tolerance 0: both add the same numbers in the same order with plain
// single-precision adds, kernels/dedisp/dedisp_cuda_kernels.cu), apply the same delays, and
// leave the unwritten part of each output row alone. Skips, saying why, where no CUDA device
// can run it (every machine without an NVIDIA GPU, CI included).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/gulp.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "tests/dedisp/dedisp_test_util.hpp"

namespace tianyan {
namespace {

struct ParityCase {
  const char* name;
  DedispAlgorithm algorithm;
  int nchan;
  double dm_hi;
  int nsub;  // 0: the plan's
};

class DedispBackendParity : public ::testing::TestWithParam<ParityCase> {
 protected:
  void SetUp() override {
    if (const auto problem = cuda_device_problem(0, query_cuda_devices())) {
      GTEST_SKIP() << "no CUDA device to compare with: " << *problem;
    }
  }
};

TEST_P(DedispBackendParity, SameBitsOnGulpsOfNoise) {
  const ParityCase& pc = GetParam();
  const BandGeometry band = BandGeometry::from_edges(1000, 1500, pc.nchan, 98.304e-6);
  DmPlanConfig cfg;
  cfg.dm_hi = pc.dm_hi;
  if (pc.nsub > 0) cfg.nsub = pc.nsub;
  const DmPlan plan = make_dm_plan(band, cfg);
  const uint64_t gulp = 4096;
  const int ngulps = 3;
  DedispSetup setup = make_dedisp_setup(plan, band.freqs_mhz(), gulp, 2, pc.algorithm);

  auto cpu = make_dedisperser(Backend::Cpu, setup);
  auto gpu = make_dedisperser(Backend::Cuda, setup);
  ASSERT_EQ(cpu->overlap(), gpu->overlap());
  ASSERT_EQ(cpu->output_size(), gpu->output_size());
  ASSERT_EQ(cpu->num_trials(), gpu->num_trials());
  for (size_t t = 0; t < cpu->num_trials(); ++t) {
    ASSERT_EQ(cpu->trial_delays(t), gpu->trial_delays(t)) << "trial " << t;
    ASSERT_EQ(cpu->output_offset(t), gpu->output_offset(t)) << "trial " << t;
  }

  const auto nchan = static_cast<size_t>(pc.nchan);
  // The last gulp is short (a quarter) so that part of every row stays unwritten.
  const uint64_t nsamp = gulp * (ngulps - 1) + gulp / 4;
  const std::vector<float> data = test::gaussian_noise(nsamp + cpu->overlap(), nchan, 11);
  test::ArrayReader reader(&data, band.freqs_mhz(), band.tsamp_s);
  GulpStream stream(reader, gulp, cpu->overlap(), 0, nsamp);
  constexpr float kUntouched = -12345.0f;
  Gulp g;
  int n = 0;
  while (stream.next(g)) {
    std::vector<float> a(cpu->output_size(), kUntouched), b(gpu->output_size(), kUntouched);
    // nfresh rounded up to the largest downsample, as the pipeline does (the gulp is padded).
    const uint64_t ds = static_cast<uint64_t>(plan.max_downsample());
    const uint64_t nfresh = (g.nfresh + ds - 1) / ds * ds;
    g.data.resize(std::max<size_t>(g.data.size(), (nfresh + cpu->overlap()) * nchan), 0.0f);
    cpu->execute(g.data.data(), nfresh + cpu->overlap(), nfresh, a.data());
    gpu->execute(g.data.data(), nfresh + cpu->overlap(), nfresh, b.data());
    size_t differ = 0, first = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i] && differ++ == 0) first = i;
    }
    EXPECT_EQ(differ, 0u) << "gulp " << n << ": first at " << first << " (cpu " << a[first]
                          << ", cuda " << b[first] << ")";
    ++n;
  }
  EXPECT_EQ(n, ngulps);
}

INSTANTIATE_TEST_SUITE_P(
    Dedisp, DedispBackendParity,
    ::testing::Values(ParityCase{"Subband256", DedispAlgorithm::Subband, 256, 500, 0},
                      ParityCase{"Subband1000Odd", DedispAlgorithm::Subband, 1000, 300, 24},
                      ParityCase{"BruteForce128", DedispAlgorithm::BruteForce, 128, 200, 0}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tianyan
