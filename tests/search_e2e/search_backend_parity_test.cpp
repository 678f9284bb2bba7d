// CPU and CUDA periodicity search, each comparison written once over both backends. Skips,
// saying why, where no CUDA device can run it (every machine without an NVIDIA GPU, CI
// included). Tolerances, and why:
//  * spectra: the two FFTs (FFTW, cuFFT) round differently, about 1e-6 of the largest
//    amplitude per bin; whitening then divides by medians of those powers. Powers agree to
//    1e-4 of the mean noise power plus 1e-4 relative.
//  * candidates: the window, period and DM within one trial (one Fourier bin, the
//    DM plan's step) and sigma within 1%.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <memory>
#include <string>
#include <vector>

#include "io/reader.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/search/period_search.hpp"
#include "tests/search_e2e/search_e2e_util.hpp"
#include "tests/spectrum/spectrum_test_util.hpp"

namespace tianyan {
namespace {

class SearchBackendParity : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto problem = cuda_device_problem(0, query_cuda_devices())) {
      GTEST_SKIP() << "no CUDA device to compare with: " << *problem;
    }
  }
};

// A pulsar-like pulse train (duty 5%) in noise with a slow drift and a mains birdie.
std::vector<float> pulsar_series(size_t n, double tsamp, double period, double snr_per_pulse,
                                 uint64_t seed) {
  std::vector<float> x = test::gaussian_noise(n, 1.0, seed);
  for (size_t t = 0; t < n; ++t) {
    const double ph = std::fmod(static_cast<double>(t) * tsamp / period, 1.0);
    if (ph < 0.05) x[t] += static_cast<float>(snr_per_pulse);
    x[t] += static_cast<float>(3.0 * std::sin(0.05 * static_cast<double>(t) * tsamp) +
                               0.3 * std::sin(2 * test::kPi * 50.0 * t * tsamp));
  }
  return x;
}

SearchConfig test_config() {
  SearchConfig cfg;
  cfg.birdies = {BirdieConfig{"mains", 50.0, 0.1, 4}};
  cfg.sigma_threshold = 3.0;
  cfg.max_candidates_per_series = 50;
  return cfg;
}

// Each of the CPU's `top` candidates has a CUDA one among its first top + 2 (near-equal sigmas
// may swap ranks) within one Fourier bin and one DM trial, at the same harmonic stage, with
// sigma within 1%.
void expect_same_candidates(const std::vector<Candidate>& cpu, const std::vector<Candidate>& gpu,
                            size_t top, const std::string& what, double accel_tol = 0) {
  ASSERT_GE(cpu.size(), top) << what;
  for (size_t i = 0; i < top; ++i) {
    SCOPED_TRACE(what + ", CPU candidate " + std::to_string(i));
    const Candidate& c = cpu[i];
    const Candidate* match = nullptr;
    for (size_t k = 0; k < std::min(gpu.size(), top + 2) && match == nullptr; ++k) {
      const double dbins = std::abs(gpu[k].freq_hz - c.freq_hz) * c.tobs_s;
      const double dtrials = std::abs(static_cast<double>(gpu[k].dm_index) -
                                      static_cast<double>(c.dm_index));
      if (dbins <= 1.0 && dtrials <= 1.0) match = &gpu[k];
    }
    ASSERT_NE(match, nullptr) << "no CUDA candidate within a bin of " << c.freq_hz << " Hz";
    EXPECT_EQ(match->nharm, c.nharm);
    EXPECT_NEAR(match->sigma, c.sigma, 0.01 * c.sigma);
    EXPECT_NEAR(match->accel_ms2, c.accel_ms2, accel_tol);
  }
}

// The simulated beam in `files` searched end to end on the CPU, then on CUDA device 0.
std::vector<BeamSearch> search_on_both(const std::vector<std::string>& files,
                                       const PipelineConfig& config) {
  std::vector<BeamSearch> results;
  for (const Backend b : {Backend::Cpu, Backend::Cuda}) {
    const auto reader = open_beam(discover_beams(files).front(), OpenOptions{false, 2});
    SearchRunOptions options;
    options.threads = 2;
    options.search = ComputeTarget{b, 0, "test"};
    options.dedisp = options.search;
    results.push_back(search_beam(*reader, config, options));
  }
  return results;
}

TEST_F(SearchBackendParity, WhitenedSpectraAgree) {
  const SearchConfig cfg = test_config();
  const double tsamp = 1e-3;
  for (const size_t n : {size_t{65536}, size_t{100003}}) {
    const std::vector<float> x = pulsar_series(n, tsamp, 0.0713, 0.8, n);
    const SeriesInput in{x.data(), n, tsamp, 10.0, 0, {}};
    const auto cpu = make_period_searcher(Backend::Cpu, cfg, 1)->spectrum(in);
    const auto gpu = make_period_searcher(Backend::Cuda, cfg, 1)->spectrum(in);
    ASSERT_EQ(cpu.size(), gpu.size());
    for (size_t k = 0; k < cpu.size(); ++k) {
      const double pc = std::norm(cpu[k]), pg = std::norm(gpu[k]);
      ASSERT_NEAR(pg, pc, 1e-4 + 1e-4 * pc) << "n " << n << " bin " << k;
    }
  }
}

TEST_F(SearchBackendParity, BatchOfSeriesGivesTheSameCandidates) {
  const SearchConfig cfg = test_config();
  const double tsamp = 1e-3;
  // Two lengths (as downsampled trials give), noise only, and a faint pulsar.
  std::vector<std::vector<float>> data;
  std::vector<SeriesInput> batch;
  const std::vector<double> periods = {0.0713, 0.3311, 0.0123, 0.0713, 0.5};
  const std::vector<double> amps = {0.8, 0.5, 0.6, 0.0, 0.25};
  for (size_t i = 0; i < periods.size(); ++i) {
    const size_t n = i % 2 == 0 ? 120000 : 60000;
    data.push_back(pulsar_series(n, i % 2 == 0 ? tsamp : 2 * tsamp, periods[i], amps[i], 100 + i));
  }
  for (size_t i = 0; i < data.size(); ++i) {
    batch.push_back({data[i].data(), data[i].size(), i % 2 == 0 ? tsamp : 2 * tsamp,
                     static_cast<double>(i), i, {}});
  }
  const auto cpu = make_period_searcher(Backend::Cpu, cfg, 2)->search(batch);
  const auto gpu = make_period_searcher(Backend::Cuda, cfg, 2)->search(batch);
  ASSERT_EQ(cpu.size(), gpu.size());
  for (size_t i = 0; i < cpu.size(); ++i) {
    if (amps[i] > 0) {
      expect_same_candidates(cpu[i], gpu[i], 3, "series " + std::to_string(i));
    } else {
      // Noise: the same number of candidates give or take the ones at the threshold.
      EXPECT_NEAR(static_cast<double>(gpu[i].size()), static_cast<double>(cpu[i].size()),
                  2.0 + 0.05 * cpu[i].size());
    }
  }
}

TEST_F(SearchBackendParity, BeamSearchGivesTheSameTopCandidates) {
  test::TempDir dir;
  test::Injection in;
  in.period_s = 0.0917;
  in.snr = 25;
  in.duration_s = 20;
  SimulateOptions so;
  so.threads = 2;
  const SimulateResult sim = simulate(test::injection_config(in, 7), dir / "beam", so);
  PipelineConfig config = default_pipeline_config();
  config.dedisp.plan.dm_lo = 30;
  config.dedisp.plan.dm_hi = 70;
  config.rfi.block_nsamp = 8192;
  const std::vector<BeamSearch> results = search_on_both(sim.files, config);
  expect_same_candidates(results[0].candidates, results[1].candidates,
                         std::min<size_t>(5, results[0].candidates.size()), "beam");
  ASSERT_FALSE(results[0].candidates.empty());
  // The pulsar itself is the CPU's first candidate, within a bin of the injected frequency.
  EXPECT_NEAR(results[0].candidates.front().freq_hz * results[0].candidates.front().tobs_s,
              results[0].candidates.front().tobs_s / in.period_s, 1.0);
}

// The binary millisecond pulsar of the detection-rate tests (2.5 ms, 250 m/s^2): the GPU's
// acceleration grid (resampling on the device) and the host's refinement between its trials
// find the CPU's candidates, the acceleration within half a trial (trials are 30 m/s^2 apart
// at this length and Nyquist, tests/search_e2e/detection_rate_test.cpp).
TEST_F(SearchBackendParity, BinaryPulsarAtTheSameAcceleration) {
  test::TempDir dir;
  test::Injection in;
  in.period_s = 2.5e-3;
  in.duty = 0.03;
  in.snr = 25;
  in.dm = 10;
  in.nchan = 512;
  in.tsamp_s = 2.5e-4;
  in.duration_s = 100;
  in.accel_ms2 = 250;
  SimulateOptions so;
  so.threads = 2;
  const SimulateResult sim = simulate(test::injection_config(in, 3), dir / "binary", so);
  PipelineConfig config = default_pipeline_config();
  config.dedisp.plan.dm_lo = 5;
  config.dedisp.plan.dm_hi = 15;
  config.search.accel.enabled = true;
  config.search.accel.max_ms2 = 300;
  const std::vector<BeamSearch> results = search_on_both(sim.files, config);
  ASSERT_FALSE(results[0].candidates.empty());
  const Candidate& top = results[0].candidates.front();
  EXPECT_NEAR(top.accel_ms2, in.accel_ms2, 30.0) << "the CPU's own detection";
  expect_same_candidates(results[0].candidates, results[1].candidates,
                         std::min<size_t>(3, results[0].candidates.size()), "binary", 15.0);
}

}  // namespace
}  // namespace tianyan
