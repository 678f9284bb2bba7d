// The 64-bit paths of long observations, exercised cheaply: the real FFT through FFTW's guru64
// interface, the planning effort of large lengths, the harmonic-sum index rule far beyond 2^32,
// gulps read across 2^31 samples of a stream holding more than 2^32 channel-samples (a
// procedural reader, nothing on disk), and the refusal of dispersion delays that do not fit
// the int32 delay tables.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdlib>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "io/gulp.hpp"
#include "io/reader.hpp"
#include "kernels/common/backend.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/fft/real_fft.hpp"
#include "kernels/search/harmonic_sum.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

// Plans go to a wisdom file of this process, never the user's cache.
class WisdomInTempDir : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_.emplace();
    ::setenv("TIANYAN_FFTW_WISDOM", (dir_->path() / "wisdom").c_str(), 1);
  }
  void TearDown() override { dir_.reset(); }

 private:
  std::optional<TempDir> dir_;
};
[[maybe_unused]] ::testing::Environment* const kWisdomEnv =
    ::testing::AddGlobalTestEnvironment(new WisdomInTempDir);

constexpr double kPi = std::numbers::pi;

std::complex<double> direct_dft(const float* x, size_t n, size_t k) {
  std::complex<double> s = 0;
  for (size_t t = 0; t < n; ++t) {
    // (k t) mod n keeps the angle exact for large k t.
    const double ang = -2.0 * kPi * static_cast<double>((k * t) % n) / static_cast<double>(n);
    s += static_cast<double>(x[t]) * std::complex<double>(std::cos(ang), std::sin(ang));
  }
  return s;
}

TEST(LongFft, Guru64PlanMatchesTheDirectDft) {
  const size_t n = 2 * 3 * 5 * 7 * 2048;  // 430080, 7-smooth
  FftRealBuffer x = fft_alloc_real(n);
  std::mt19937 rng(64);
  std::normal_distribution<float> g;
  for (size_t t = 0; t < n; ++t) x[t] = g(rng);
  FftComplexBuffer out = fft_alloc_complex(n / 2 + 1);
  const RealFftPlan plan(n, FftEffort::Estimate);
  EXPECT_EQ(plan.nbins(), n / 2 + 1);
  plan.execute(x.get(), out.get());
  // Noise of sum of n unit-variance terms: sqrt(n); float rounding stays far below 1e-3 of it.
  const double tol = 1e-3 * std::sqrt(static_cast<double>(n));
  for (size_t k : {size_t{0}, size_t{1}, size_t{12345}, n / 3, n / 2}) {
    const std::complex<double> want = direct_dft(x.get(), n, k);
    EXPECT_NEAR(out[k].real(), want.real(), tol) << "bin " << k;
    EXPECT_NEAR(out[k].imag(), want.imag(), tol) << "bin " << k;
  }
}

TEST(LongFft, LargeLengthsArePlannedWithoutMeasuring) {
  // Planning only (FFTW_ESTIMATE executes nothing): the planning arrays stay untouched virtual
  // memory, so this costs milliseconds.
  const size_t n = 9 * (kMeasureMaxLength / 8);  // 7-smooth, as good_fft_size gives
  const RealFftPlan big(n, FftEffort::Measure);
  EXPECT_EQ(big.effort(), FftEffort::Estimate);
  EXPECT_EQ(big.size(), n);
  const RealFftPlan small(4096, FftEffort::Measure);
  EXPECT_EQ(small.effort(), FftEffort::Measure);
}

TEST(LongHarmonicSum, HalfBinIndexIsExactFarBeyondTwoToThe32) {
  for (uint64_t j : {uint64_t{1} << 32, (uint64_t{1} << 33) + 12345, (uint64_t{1} << 40) + 7}) {
    for (uint32_t n : {1u, 2u, 4u, 8u, 16u, 32u}) {
      for (uint32_t h = 1; h <= n; ++h) {
        const unsigned __int128 num = 2 * static_cast<unsigned __int128>(h) * j + n;
        const auto want = static_cast<uint64_t>(num / (2 * static_cast<unsigned __int128>(n)));
        ASSERT_EQ(harmonic_half_bin(j, h, n), want) << j << " " << h << "/" << n;
      }
    }
  }
}

// A stream of kChannels x (2^31 + 2^20) samples (6.4 x 10^9 channel-samples) whose values are
// a function of (sample, channel), computed on demand.
class ProceduralReader final : public Reader {
 public:
  static constexpr size_t kChannels = 3;
  ProceduralReader() {
    info_.format = "procedural";
    info_.freqs_mhz = {1000.0, 1100.0, 1200.0};
    info_.tsamp_s = 1e-4;
    info_.nsamples = info_.nsamples_stored = (uint64_t{1} << 31) + (uint64_t{1} << 20);
  }
  static float value(uint64_t s, size_t c) {
    // Exact in float (< 2^24) and different for neighbouring samples and for samples 2^31
    // or 2^32 / kChannels apart.
    return static_cast<float>((s * 7 + c * 1000) % 16777213);
  }
  const ObservationInfo& info() const override { return info_; }
  uint64_t read(uint64_t start, uint64_t nsamp, float* out) override {
    if (start >= info_.nsamples) return 0;
    const uint64_t n = std::min(nsamp, info_.nsamples - start);
    for (uint64_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < kChannels; ++c) out[i * kChannels + c] = value(start + i, c);
    }
    return n;
  }

 private:
  ObservationInfo info_;
};

TEST(LongGulps, ReadAcrossTwoToThe31SamplesWithLookAhead) {
  ProceduralReader reader;
  const uint64_t begin = (uint64_t{1} << 31) - 10000;
  const uint64_t overlap = 777;
  GulpStream stream(reader, 4096, overlap, begin, begin + 20000);
  Gulp g;
  uint64_t fresh = 0, gulps = 0;
  while (stream.next(g)) {
    ++gulps;
    ASSERT_EQ(g.start, begin + fresh);
    ASSERT_EQ(g.nsamp, g.nfresh + overlap);
    for (uint64_t i = 0; i < g.nsamp; ++i) {
      for (size_t c = 0; c < ProceduralReader::kChannels; ++c) {
        ASSERT_EQ(g.data[i * g.nchan + c], ProceduralReader::value(g.start + i, c))
            << "sample " << g.start + i << " channel " << c;
      }
    }
    fresh += g.nfresh;
  }
  EXPECT_EQ(fresh, 20000u);
  EXPECT_EQ(gulps, 5u);

  // The stream's last samples, where the look-ahead runs out.
  const uint64_t total = reader.info().nsamples;
  GulpStream tail(reader, 4096, overlap, total - 5000);
  uint64_t last_end = 0;
  while (tail.next(g)) {
    ASSERT_EQ(g.data.back(), ProceduralReader::value(g.start + g.nsamp - 1, 2));
    last_end = g.start + g.nsamp;
  }
  EXPECT_EQ(last_end, total);
}

TEST(LongDedisp, DelaysBeyondInt32AreRefused) {
  DedispSetup s;
  s.freqs_mhz = {100.0, 110.0};
  s.tsamp_s = 1e-7;
  s.trials = {DmTrial{1e4, 1, 0}};  // 722 s across the band: 7.2 x 10^9 samples
  s.max_nfresh = 1024;
  s.algorithm = DedispAlgorithm::BruteForce;
  try {
    (void)dedisp_footprint(Backend::Cpu, s);
    FAIL() << "a delay of 7.2e9 samples was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("2^31"), std::string::npos) << e.what();
  }
  s.trials = {DmTrial{10.0, 1, 0}};  // 0.72 s: 7.2 x 10^6 samples fit
  EXPECT_NO_THROW((void)dedisp_footprint(Backend::Cpu, s));
}

}  // namespace
}  // namespace tianyan::test
