// The period searcher's memory contract (kernels/search/period_search.hpp): it reads a
// series only until SeriesInput::on_loaded, so a caller may free its copy there (how a series
// of 2^31 samples is searched in about 8 bytes per sample; tests/long_slow). Checked by
// poisoning the caller's samples with NaN inside on_loaded: the candidates must equal those of
// an untouched copy, with and without acceleration trials (which transform the loaded copy
// many times, out of place, instead of once in place).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/common/backend.hpp"
#include "kernels/search/period_search.hpp"

namespace tianyan::test {
namespace {

constexpr double kTsamp = 1e-3;
constexpr size_t kNsamp = size_t{1} << 17;  // 131 s
constexpr double kFreq = 7.31234567;        // Hz, a random fractional bin

std::vector<float> pulsar_in_noise(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> x(kNsamp);
  for (size_t t = 0; t < kNsamp; ++t) {
    const double phase = std::fmod(kFreq * static_cast<double>(t) * kTsamp, 1.0);
    x[t] = g(rng) + (phase < 0.05 ? 1.0f : 0.0f);  // 5% duty cycle, S/N ~ 40 in the sum
  }
  return x;
}

void expect_same(const std::vector<Candidate>& a, const std::vector<Candidate>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].freq_hz, b[i].freq_hz) << i;
    EXPECT_EQ(a[i].accel_ms2, b[i].accel_ms2) << i;
    EXPECT_EQ(a[i].nharm, b[i].nharm) << i;
    EXPECT_EQ(a[i].sigma, b[i].sigma) << i;
  }
}

class SeriesRelease : public ::testing::TestWithParam<bool> {};

TEST_P(SeriesRelease, DataIsNotReadAfterOnLoaded) {
  SearchConfig cfg;
  cfg.f_max_hz = 100;
  cfg.accel.enabled = GetParam();
  cfg.accel.max_ms2 = 20;
  cfg.accel.refine_candidates = 1;  // refinement resamples too: it must use the loaded copy
  auto searcher = make_period_searcher(Backend::Cpu, cfg, 1);

  const std::vector<float> clean = pulsar_in_noise(20261123);
  std::vector<float> poisoned = clean;
  int calls = 0;
  SeriesInput released{poisoned.data(), kNsamp, kTsamp, 0.0, 0, {}};
  released.on_loaded = [&] {
    ++calls;
    std::fill(poisoned.begin(), poisoned.end(), std::numeric_limits<float>::quiet_NaN());
  };
  const std::vector<Candidate> got = searcher->search({released}).front();
  EXPECT_EQ(calls, 1);

  auto reference = make_period_searcher(Backend::Cpu, cfg, 1);
  const std::vector<Candidate> want =
      reference->search({SeriesInput{clean.data(), kNsamp, kTsamp, 0.0, 0, {}}}).front();
  ASSERT_FALSE(want.empty());
  // The pulsar is found (so the comparison is of a real search), then both lists agree.
  const double tobs = want.front().tobs_s;
  EXPECT_NEAR(want.front().freq_hz, kFreq, 1.0 / tobs);
  expect_same(got, want);
}

INSTANTIATE_TEST_SUITE_P(Accel, SeriesRelease, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "WithAccel" : "NoAccel"; });

TEST(SeriesRelease, WorkspaceIsTwoSeriesWithoutAccelerationAndFourWith) {
  SearchConfig cfg;
  const size_t n = size_t{1} << 20;  // a good FFT length: nfft = n
  const double per_sample_plain =
      static_cast<double>(make_period_searcher(Backend::Cpu, cfg, 1)->workspace_bytes(n)) / n;
  cfg.accel.enabled = true;
  const double per_sample_accel =
      static_cast<double>(make_period_searcher(Backend::Cpu, cfg, 1)->workspace_bytes(n)) / n;
  EXPECT_NEAR(per_sample_plain, 8.0, 0.01);   // the in-place series/spectrum and the powers
  EXPECT_NEAR(per_sample_accel, 16.0, 0.01);  // plus the resampled series and the spectrum
}

}  // namespace
}  // namespace tianyan::test
