// The real FFT wrapper: results against a direct DFT, the plan cache, concurrent execution,
// good FFT lengths and the wisdom file.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>

#include "kernels/common/error.hpp"
#include "spectrum_test_util.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

// Every test process plans into its own wisdom file, never the user's cache.
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

// Sets (or, with nullptr, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

std::vector<std::complex<double>> direct_dft(const std::vector<float>& x) {
  const size_t n = x.size();
  std::vector<std::complex<double>> X(n / 2 + 1);
  for (size_t k = 0; k < X.size(); ++k) {
    std::complex<double> s = 0;
    for (size_t t = 0; t < n; ++t) {
      // k t mod n keeps the angle small, so the reference itself is accurate to ~1e-15.
      const double ang = -2 * kPi * static_cast<double>((k * t) % n) / static_cast<double>(n);
      s += static_cast<double>(x[t]) * std::complex<double>(std::cos(ang), std::sin(ang));
    }
    X[k] = s;
  }
  return X;
}

// The largest |FFT - DFT| over bins, in units of sqrt(n) sigma (the rms of a noise bin). Out
// of place the input must be preserved; in place the spectrum overwrites it.
double fft_error(size_t n, FftEffort effort, uint64_t seed,
                 FftPlacement placement = FftPlacement::OutOfPlace) {
  const std::vector<float> x = gaussian_noise(n, 1.0, seed);
  RealFftPlan plan(n, effort, 1, placement);
  FftRealBuffer in = fft_alloc_real(in_place_floats(n));
  std::copy(x.begin(), x.end(), in.get());
  FftComplexBuffer out_buf;
  const std::complex<float>* out = nullptr;
  if (placement == FftPlacement::InPlace) {
    plan.execute_in_place(in.get());
    out = reinterpret_cast<const std::complex<float>*>(in.get());
  } else {
    out_buf = fft_alloc_complex(plan.nbins());
    plan.execute(in.get(), out_buf.get());
    out = out_buf.get();
    EXPECT_TRUE(std::equal(x.begin(), x.end(), in.get())) << "input not preserved, n = " << n;
  }
  const std::vector<std::complex<double>> ref = direct_dft(x);
  double worst = 0;
  for (size_t k = 0; k < ref.size(); ++k) {
    worst = std::max(worst, std::abs(std::complex<double>(out[k]) - ref[k]));
  }
  return worst / std::sqrt(static_cast<double>(n));
}

TEST(RealFft, MatchesDirectDftForSeveralLengths) {
  // Single-precision FFTs err by ~1e-7 x sqrt(log n) of a bin's rms; 2e-6 leaves a margin
  // while a wrong sign, bin or scale would err by ~1.
  constexpr double kTol = 2e-6;
  uint64_t seed = 11;
  for (size_t n : {1u, 2u, 7u, 840u, 1000u, 1024u, 1029u, 4096u}) {
    EXPECT_LT(fft_error(n, FftEffort::Estimate, seed++), kTol) << "ESTIMATE, n = " << n;
    EXPECT_LT(fft_error(n, FftEffort::Measure, seed++), kTol) << "MEASURE, n = " << n;
  }
}

TEST(RealFft, InPlaceMatchesDirectDftForSeveralLengths) {
  constexpr double kTol = 2e-6;  // as above
  uint64_t seed = 31;
  for (size_t n : {1u, 2u, 7u, 840u, 1000u, 1024u, 1029u, 4096u}) {
    EXPECT_LT(fft_error(n, FftEffort::Estimate, seed++, FftPlacement::InPlace), kTol)
        << "ESTIMATE, n = " << n;
    EXPECT_LT(fft_error(n, FftEffort::Measure, seed++, FftPlacement::InPlace), kTol)
        << "MEASURE, n = " << n;
  }
}

TEST(RealFft, APlanRunsOnlyInItsOwnPlacement) {
  auto out_of_place = real_fft_plan(64, FftEffort::Estimate, 1, FftPlacement::OutOfPlace);
  auto in_place = real_fft_plan(64, FftEffort::Estimate, 1, FftPlacement::InPlace);
  EXPECT_NE(out_of_place.get(), in_place.get());
  EXPECT_EQ(in_place->placement(), FftPlacement::InPlace);
  FftRealBuffer buf = fft_alloc_real(in_place_floats(64));
  std::fill(buf.get(), buf.get() + in_place_floats(64), 0.0f);
  auto* as_complex = reinterpret_cast<std::complex<float>*>(buf.get());
  // FFTW's new-array execute of a plan made for the other placement is undefined behaviour.
  EXPECT_THROW(in_place->execute(buf.get(), as_complex), Error);
  EXPECT_THROW(out_of_place->execute_in_place(buf.get()), Error);
  EXPECT_THROW(out_of_place->execute(buf.get(), as_complex), Error);
  EXPECT_NO_THROW(in_place->execute_in_place(buf.get()));
}

TEST(RealFft, CacheReturnsTheSamePlanForTheSameKey) {
  auto a = real_fft_plan(1024, FftEffort::Estimate, 1);
  auto b = real_fft_plan(1024, FftEffort::Estimate, 1);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), real_fft_plan(1024, FftEffort::Measure, 1).get());
  EXPECT_NE(a.get(), real_fft_plan(1024, FftEffort::Estimate, 2).get());
  EXPECT_NE(a.get(), real_fft_plan(1000, FftEffort::Estimate, 1).get());
  EXPECT_EQ(a->size(), 1024u);
  EXPECT_EQ(a->nbins(), 513u);
}

TEST(RealFft, ConcurrentExecuteMatchesSerial) {
  constexpr size_t kN = 3 * 5 * 7 * 8 * 16;  // 6720
  constexpr int kSeries = 16;
  auto plan = real_fft_plan(kN, FftEffort::Measure);
  std::vector<FftRealBuffer> in;
  std::vector<FftComplexBuffer> serial, parallel;
  for (int s = 0; s < kSeries; ++s) {
    const std::vector<float> x = gaussian_noise(kN, 1.0, 100 + static_cast<uint64_t>(s));
    in.push_back(fft_alloc_real(kN));
    std::copy(x.begin(), x.end(), in.back().get());
    serial.push_back(fft_alloc_complex(plan->nbins()));
    parallel.push_back(fft_alloc_complex(plan->nbins()));
    plan->execute(in.back().get(), serial.back().get());
  }
#pragma omp parallel for num_threads(4) schedule(dynamic, 1)
  for (int s = 0; s < kSeries; ++s) {
    for (int rep = 0; rep < 20; ++rep) plan->execute(in[s].get(), parallel[s].get());
  }
  for (int s = 0; s < kSeries; ++s) {
    // The same plan on the same input is bitwise reproducible, whatever thread runs it.
    EXPECT_TRUE(std::equal(serial[s].get(), serial[s].get() + plan->nbins(), parallel[s].get()))
        << "series " << s;
  }
}

TEST(RealFft, FftwThreadsGiveTheSameTransform) {
  constexpr size_t kN = 1 << 16;
  const std::vector<float> x = gaussian_noise(kN, 1.0, 7);
  auto one = real_fft_plan(kN, FftEffort::Estimate, 1);
  auto four = real_fft_plan(kN, FftEffort::Estimate, 4);
  FftRealBuffer in = fft_alloc_real(kN);
  std::copy(x.begin(), x.end(), in.get());
  FftComplexBuffer a = fft_alloc_complex(one->nbins()), b = fft_alloc_complex(one->nbins());
  one->execute(in.get(), a.get());
  four->execute(in.get(), b.get());
  double worst = 0;
  for (size_t k = 0; k < one->nbins(); ++k) worst = std::max(worst, double(std::abs(a[k] - b[k])));
  // A threaded plan may split the transform differently: equal to float rounding.
  EXPECT_LT(worst / std::sqrt(double(kN)), 2e-6);
}

TEST(RealFft, RejectsMisalignedArrays) {
  auto plan = real_fft_plan(64, FftEffort::Estimate);
  FftRealBuffer in = fft_alloc_real(65);
  FftComplexBuffer out = fft_alloc_complex(plan->nbins());
  std::fill(in.get(), in.get() + 65, 0.0f);
  EXPECT_THROW(plan->execute(in.get() + 1, out.get()), Error);
  EXPECT_NO_THROW(plan->execute(in.get(), out.get()));
}

TEST(RealFft, GoodFftSizeHandChecked) {
  EXPECT_EQ(good_fft_size(1), 1u);
  EXPECT_EQ(good_fft_size(2), 2u);
  EXPECT_EQ(good_fft_size(11), 12u);
  EXPECT_EQ(good_fft_size(13), 14u);
  EXPECT_EQ(good_fft_size(97), 98u);            // 2 x 7^2
  EXPECT_EQ(good_fft_size(1000), 1000u);        // 2^3 x 5^3
  EXPECT_EQ(good_fft_size(1001), 1008u);        // 2^4 x 3^2 x 7
  EXPECT_EQ(good_fft_size(1025), 1029u);        // 3 x 7^3
  EXPECT_EQ(good_fft_size(65537), 65610u);      // 2 x 3^8 x 5
  EXPECT_EQ(good_fft_size(1048576), 1048576u);  // 2^20
  EXPECT_EQ(good_fft_size(1048577), 1049760u);  // 2^5 x 3^8 x 5
}

TEST(RealFft, GoodFftSizeIsTheNext7SmoothNumber) {
  std::set<size_t> smooth;  // every 2^a 3^b 5^c 7^d up to 2e4, by construction
  for (size_t p2 = 1; p2 <= 20000; p2 *= 2)
    for (size_t p3 = p2; p3 <= 20000; p3 *= 3)
      for (size_t p5 = p3; p5 <= 20000; p5 *= 5)
        for (size_t p7 = p5; p7 <= 20000; p7 *= 7) smooth.insert(p7);
  for (size_t n = 1; n <= 10000; ++n) {
    ASSERT_EQ(good_fft_size(n), *smooth.lower_bound(n)) << "n = " << n;
  }
}

TEST(RealFft, WisdomPathFollowsTheEnvironment) {
  {
    ScopedEnv w("TIANYAN_FFTW_WISDOM", "/some/where/wisdom.dat");
    EXPECT_EQ(fft_wisdom_path(), "/some/where/wisdom.dat");
  }
  ScopedEnv w("TIANYAN_FFTW_WISDOM", nullptr);
  {
    ScopedEnv x("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(fft_wisdom_path(), "/xdg/tianyan/fftwf-wisdom");
  }
  ScopedEnv x("XDG_CACHE_HOME", nullptr);
  {
    ScopedEnv h("HOME", "/home/someone");
    EXPECT_EQ(fft_wisdom_path(), "/home/someone/.cache/tianyan/fftwf-wisdom");
  }
  ScopedEnv h("HOME", nullptr);
  EXPECT_EQ(fft_wisdom_path(), "");
}

TEST(RealFft, MeasurePlanSavesWisdomCreatingTheDirectory) {
  TempDir dir;
  const std::string path = (dir.path() / "a" / "b" / "wisdom").string();
  ScopedEnv w("TIANYAN_FFTW_WISDOM", path.c_str());
  RealFftPlan plan(2 * 3 * 5 * 7 * 11, FftEffort::Measure);
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(read_text(path).rfind("(fftw-3", 0), 0u) << read_text(path).substr(0, 80);
  // No temporary file is left beside it.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path() / "a" / "b"))
    ++files;
  EXPECT_EQ(files, 1u);
}

TEST(RealFft, BadWisdomFilesOnlyWarn) {
  TempDir dir;
  const std::string garbage = dir / "garbage";
  write_bytes(garbage, "this is not FFTW wisdom\n");
  {
    ScopedEnv w("TIANYAN_FFTW_WISDOM", garbage.c_str());
    RealFftPlan plan(2 * 3 * 5 * 7 * 13, FftEffort::Measure);
    EXPECT_LT(fft_error(2 * 3 * 5 * 7 * 13, FftEffort::Measure, 3), 2e-6);
    // Rewritten with good wisdom.
    EXPECT_EQ(read_text(garbage).rfind("(fftw-3", 0), 0u);
  }
  // A directory that cannot be made (its parent is a file).
  const std::string blocked = (dir.path() / "garbage" / "sub" / "wisdom").string();
  ScopedEnv w("TIANYAN_FFTW_WISDOM", blocked.c_str());
  EXPECT_NO_THROW(RealFftPlan(2 * 3 * 5 * 7 * 17, FftEffort::Measure));
}

}  // namespace
}  // namespace tianyan::test
