// CPU and CUDA RFI cleaning, one test over both backends: over several gulps of a busy
// observation they give the same mask and the same output, tolerance 0 (values compared with
// ==, NaN equal to NaN). Why 0 is right: every sum the kernels take is added by one thread
// (moments: per chunk and channel; channel sums: per CPU vector lane) in the CPU's order, with
// products that cannot be contracted into FMAs (rfi_elements.hpp); the chunk combination and
// every decision run on the host in the CPU's own code; medians are exact order statistics. So
// any difference is a bug, not rounding. Skips, saying why, where no CUDA device can run it
// (every machine without an NVIDIA GPU, CI included).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "rfi_backend_test_util.hpp"

namespace tianyan::test {
namespace {

class RfiBackendParity : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    if (const auto problem = cuda_device_problem(0, query_cuda_devices())) {
      GTEST_SKIP() << "no CUDA device to compare with: " << *problem;
    }
  }
};

TEST_P(RfiBackendParity, SameMaskAndOutputOverGulps) {
  // 1000 channels (not a multiple of the 16 lanes), blocks of 8192 (a strided subsample of
  // 4096 rows) and a short last block.
  const Observation obs = busy_observation(1000, 3.5, 41);
  const uint64_t block = 8192;
  const RfiConfig config = backend_case_config(GetParam(), block);
  auto cpu = make_rfi_cleaner(Backend::Cpu, 0, config, obs.info, 2);
  auto gpu = make_rfi_cleaner(Backend::Cuda, 0, config, obs.info, 2);
  const std::vector<float> want = clean_with(*cpu, obs, 2 * block, block);
  const std::vector<float> got = clean_with(*gpu, obs, 2 * block, block);
  ASSERT_EQ(cpu->mask().nblocks(), gpu->mask().nblocks());
  ASSERT_GT(cpu->mask().nblocks(), 3u);
  for (uint64_t b = 0; b < cpu->mask().nblocks(); ++b) {
    EXPECT_TRUE(std::equal(cpu->mask().block_cells(b), cpu->mask().block_cells(b) + obs.nchan(),
                           gpu->mask().block_cells(b)))
        << "cells of block " << b;
    EXPECT_EQ(cpu->mask().clipped(b), gpu->mask().clipped(b)) << "block " << b;
  }
  size_t first = 0;
  const size_t differ = count_differences(want, got, &first);
  EXPECT_EQ(differ, 0u) << "first at sample " << first / obs.nchan() << " channel "
                        << first % obs.nchan() << " (cpu " << want[first] << ", cuda "
                        << got[first] << ")";
}

INSTANTIATE_TEST_SUITE_P(
    Rfi, RfiBackendParity,
    ::testing::Values(BackendCase{"Default", true, false, true},
                      BackendCase{"ZeroDm", true, true, true},
                      BackendCase{"RawZeroDm", false, true, true}),
    [](const auto& info) { return std::string(info.param.name); });

// Without a usable device the factory refuses, saying why; it never returns a CPU cleaner.
TEST(RfiBackend, CudaWithoutADeviceIsAnEnvironmentError) {
  const auto problem = cuda_device_problem(0, query_cuda_devices());
  if (!problem) GTEST_SKIP() << "a usable CUDA device is present";
  const Observation obs = busy_observation(64, 0.5, 3);
  try {
    make_rfi_cleaner(Backend::Cuda, 0, test_rfi_config(1024), obs.info, 1);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Environment) << e.what();
    EXPECT_NE(std::string(e.what()).find("CUDA RFI cleaner cannot run"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tianyan::test
