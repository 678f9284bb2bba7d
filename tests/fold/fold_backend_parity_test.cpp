// The folding engine through make_folder on each backend against the CPU engine (the oracle),
// written once over both: cubes of several candidates (different DMs, so several groups;
// accelerations; 16 to 128 bins) over gulps that cut the tiles. Tolerance 0: the CUDA engine
// runs the CPU's arithmetic in the CPU's order (kernels/fold/fold_elements.hpp), which
// tests/fold/fold_cuda_elements_test.cpp checks on every machine. CUDA cases skip without a
// usable device, saying why.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/fold/fold_optimise.hpp"
#include "kernels/fold/folder.hpp"
#include "tests/fold/fold_reference.hpp"

namespace tianyan::test {
namespace {

class FoldBackendParity : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() != Backend::Cuda) return;
    if (const auto problem = cuda_device_problem(0, query_cuda_devices())) {
      GTEST_SKIP() << "no CUDA device to compare with: " << *problem;
    }
  }
};

SyntheticBeam pulsed_beam(std::vector<uint8_t>& zero) {
  const size_t nchan = 128;
  std::vector<double> f(nchan);
  for (size_t c = 0; c < nchan; ++c) f[c] = 1050.0 + 450.0 * static_cast<double>(c) / nchan;
  SyntheticBeam b = noise_beam(f, 2e-4, 50000, 21);
  for (uint64_t i = 0; i < b.n; ++i)
    if (i % 1117 < 30)
      for (size_t c = 0; c < nchan; ++c) b.data[i * nchan + c] += 0.2f;
  zero.assign(nchan, 0);
  for (size_t c : {size_t{17}, size_t{90}}) {
    zero[c] = 1;
    for (uint64_t i = 0; i < b.n; ++i) b.data[i * nchan + c] = 0.0f;
  }
  return b;
}

std::vector<FoldSpec> candidates() {
  return {{FoldModel{4.476275738585497, 0.0, 0.0, 5.0}, 128, 32},
          {FoldModel{4.476275738585497, 2e-4, 40.0, 5.0}, 64, 16},
          {FoldModel{91.3, -3e-3, 41.0, 5.0}, 32, 20},
          {FoldModel{250.0, 0.05, 300.0, 5.0}, 16, 8},
          {FoldModel{7.7, 0.0, 120.0, 0.0}, 64, 64}};
}

TEST_P(FoldBackendParity, CubesOfSeveralCandidatesEqualTheCpuEngines) {
  std::vector<uint8_t> zero;
  const SyntheticBeam b = pulsed_beam(zero);
  const auto specs = candidates();
  StreamFolder cpu(FoldBand{b.freqs, b.tsamp, b.n, zero}, 32, specs, 1);
  cpu.add(b.data.data(), 0, b.n);
  const std::vector<FoldCube> want = cpu.finish();
  ASSERT_GT(cpu.groups().size(), 2u);
  for (uint64_t gulp : {uint64_t{50000}, uint64_t{4096}, uint64_t{777}}) {
    SCOPED_TRACE(gulp);
    auto folder = make_folder(GetParam(), 0, FoldBand{b.freqs, b.tsamp, b.n, zero}, 32, specs, 3);
    EXPECT_EQ(folder->groups().size(), cpu.groups().size());
    for (uint64_t s = 0; s < b.n; s += gulp) {
      folder->add(b.data.data() + s * b.nchan(), s, std::min(gulp, b.n - s));
    }
    const std::vector<FoldCube> got = folder->finish();
    ASSERT_EQ(got.size(), want.size());
    for (size_t r = 0; r < want.size(); ++r) {
      EXPECT_EQ(got[r].data, want[r].data) << "candidate " << r;
      EXPECT_EQ(got[r].bin_var, want[r].bin_var) << "candidate " << r;
      EXPECT_EQ(got[r].subint_mid_s, want[r].subint_mid_s);
      EXPECT_EQ(got[r].freqs_mhz, want[r].freqs_mhz);
    }
  }
}

TEST_P(FoldBackendParity, AShortStreamIsFoldedAsZerosBeyondItsEnd) {
  std::vector<uint8_t> zero;
  const SyntheticBeam b = pulsed_beam(zero);
  const auto specs = candidates();
  StreamFolder cpu(FoldBand{b.freqs, b.tsamp, b.n, zero}, 16, specs, 2);
  auto folder = make_folder(GetParam(), 0, FoldBand{b.freqs, b.tsamp, b.n, zero}, 16, specs, 2);
  // 30,000 of 50,000 samples, in gulps of 10,000: finish() folds the rest as zeros.
  for (uint64_t s = 0; s < 30000; s += 10000) {
    cpu.add(b.data.data() + s * b.nchan(), s, 10000);
    folder->add(b.data.data() + s * b.nchan(), s, 10000);
  }
  const std::vector<FoldCube> want = cpu.finish(), got = folder->finish();
  for (size_t r = 0; r < want.size(); ++r) {
    EXPECT_EQ(got[r].data, want[r].data) << "candidate " << r;
    EXPECT_EQ(got[r].bin_var, want[r].bin_var) << "candidate " << r;
  }
}

// The optimiser with its grid scans on each backend against the CPU's, on the CPU engine's
// cubes: the scans' S/N equal point by point (the CUDA scans run the CPU's arithmetic), so the
// best grid indices are the same; the result's S/N within 1% (in fact equal: the refinement
// is the CPU's code on both).
TEST_P(FoldBackendParity, OptimiserGridsAndBestPointEqualTheCpus) {
  std::vector<uint8_t> zero;
  const SyntheticBeam b = pulsed_beam(zero);
  auto specs = candidates();
  StreamFolder cpu(FoldBand{b.freqs, b.tsamp, b.n, zero}, 32, specs, 2);
  cpu.add(b.data.data(), 0, b.n);
  const std::vector<FoldCube> cubes = cpu.finish();
  auto argmax = [](const auto& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
  for (size_t r = 0; r < cubes.size(); ++r) {
    SCOPED_TRACE(r);
    const FoldOptimum want = optimise_fold(cubes[r], FoldConfig{}, 2);
    const FoldOptimum got = optimise_fold(cubes[r], FoldConfig{}, 2, GetParam(), 0);
    EXPECT_EQ(got.dm_snr, want.dm_snr);
    EXPECT_EQ(got.freq_fdot_snr, want.freq_fdot_snr);
    EXPECT_EQ(argmax(got.dm_snr), argmax(want.dm_snr));
    EXPECT_EQ(argmax(got.freq_fdot_snr), argmax(want.freq_fdot_snr));
    EXPECT_NEAR(got.snr, want.snr, 0.01 * want.snr);
    EXPECT_EQ(got.model.freq_hz, want.model.freq_hz);
    EXPECT_EQ(got.model.dm, want.model.dm);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FoldBackendParity,
                         ::testing::Values(Backend::Cpu, Backend::Cuda),
                         [](const auto& info) { return std::string(backend_name(info.param)); });

}  // namespace
}  // namespace tianyan::test
