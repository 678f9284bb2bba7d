// Slow tier: a time series longer than 2^31 samples (2^31 + 2^26 = 2214592512 at 100 us,
// 61.5 hours, an 8.9 GB .tim) searched by `tianyan search`. The periodic signal (a 37.1234 Hz
// pulse train, 5% duty cycle) is present ONLY in the samples beyond 2^31, so a length or index
// that wraps at 2^31 anywhere between the reader and the harmonic sum loses it (or moves it).
// The FFT has 2214843750 points: FFTW's guru64 interface (kernels/fft/real_fft.cpp).
//
// Needs about 9 bytes of memory per sample and 4 bytes of disk per sample in the temp
// directory. The search holds two series-sized buffers at a time (docs/search.md, "Whole
// series, bounded memory"): the series read and its copy, then the copy transformed in place
// and FFTW's twiddle tables (as large again), then the spectrum and the half-bin powers. The
// test asserts the child's peak resident memory stays under 9.5 bytes per sample (before
// in-place transforms and the released series it was 19.5: 43 GB at full size).
// TIANYAN_LONG_SLOW_NSAMP=N runs the same test on N samples (the signal then lies in the last
// N/33, and its amplitude is scaled to keep the same S/N), to check the code path on a small
// machine. The search's peak resident memory is printed (getrusage of the child).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/timeseries.hpp"
#include "io/timeseries_io.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

constexpr uint64_t kFullNsamp = (uint64_t{1} << 31) + (uint64_t{1} << 26);
constexpr double kTsamp = 1e-4;
constexpr double kFreq = 37.1234;  // Hz
constexpr double kDuty = 0.05;

uint64_t series_nsamp() {
  const char* v = std::getenv("TIANYAN_LONG_SLOW_NSAMP");
  return v ? std::strtoull(v, nullptr, 10) : kFullNsamp;
}

uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

// Writes the .tim in 64 MB pieces (never the whole series in memory): uniform noise in
// [-0.5, 0.5) (xorshift64*, fixed seed) plus, from sample `first_signal` on, a pulse train of
// `amplitude`.
void write_series(const std::string& path, uint64_t n, uint64_t first_signal, float amplitude) {
  TimeSeries meta;
  meta.tsamp_s = kTsamp;
  meta.start_mjd = 60000.0;
  meta.dm = 0.0;
  meta.freq_lo_mhz = 1000.0;
  meta.bandwidth_mhz = 500.0;
  meta.nchan = 1;
  meta.source = "LONG_SERIES";
  meta.telescope = "FAST";
  const std::string header = sigproc_tim_header(meta);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(header.data(), 1, header.size(), f), header.size());
  std::vector<float> buf(size_t{1} << 24);
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  const double cycles_per_sample = kFreq * kTsamp;
  for (uint64_t s0 = 0; s0 < n; s0 += buf.size()) {
    const size_t k = static_cast<size_t>(std::min<uint64_t>(buf.size(), n - s0));
    for (size_t i = 0; i < k; ++i) {
      state ^= state >> 12;
      state ^= state << 25;
      state ^= state >> 27;
      const uint64_t r = state * 0x2545f4914f6cdd1dULL;
      float v = static_cast<float>(static_cast<double>(r >> 40) * 0x1p-24 - 0.5);
      const uint64_t s = s0 + i;
      if (s >= first_signal) {
        // In double: the phase stays within 1e-9 turns for s > 2^31.
        const double cycles = static_cast<double>(s) * cycles_per_sample;
        if (cycles - std::floor(cycles) < kDuty) v += amplitude;
      }
      buf[i] = v;
    }
    ASSERT_EQ(std::fwrite(buf.data(), sizeof(float), k, f), k);
  }
  ASSERT_EQ(std::fclose(f), 0);
}

struct TopCandidate {
  double freq_hz = 0, sigma = 0;
  int nharm = 0;
};

TopCandidate read_top(const std::string& csv) {
  std::istringstream in(read_text(csv));
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  auto column = [](const std::string& line, size_t i) {
    std::istringstream ss(line);
    std::string cell;
    for (size_t k = 0; k <= i; ++k) std::getline(ss, cell, ',');
    return cell;
  };
  auto index = [&](const std::string& name) {
    std::istringstream ss(header);
    std::string cell;
    for (size_t k = 0; std::getline(ss, cell, ','); ++k) {
      if (cell == name) return k;
    }
    ADD_FAILURE() << "no column " << name << " in " << header;
    return size_t{0};
  };
  TopCandidate t;
  if (row.empty()) return t;
  t.freq_hz = std::stod(column(row, index("freq_hz")));
  t.sigma = std::stod(column(row, index("sigma")));
  t.nharm = std::stoi(column(row, index("nharm")));
  return t;
}

TEST(LongSeries, SignalOnlyBeyondTwoToThe31SamplesIsFound) {
  const uint64_t n = series_nsamp();
  if (n == kFullNsamp) {
    ASSERT_GT(n, uint64_t{1} << 31);
  } else {
    std::cerr << "TIANYAN_LONG_SLOW_NSAMP=" << n << " (reduced run, not the 2^31 test)\n";
  }
  const uint64_t first_signal = n - n / 33;  // 2^31 exactly at full size
  TempDir dir;
  const uint64_t need_disk = n * sizeof(float) + (uint64_t{1} << 30);
  ASSERT_GE(fs::space(dir.path()).available, need_disk)
      << "needs " << need_disk / 1e9 << " GB free under " << dir.path();
  const uint64_t need_mem = 9 * n + (uint64_t{1} << 29);
  ASSERT_GE(available_memory_bytes(), need_mem)
      << "needs about " << need_mem / 1e9 << " GB of available memory";
  ::setenv("TIANYAN_FFTW_WISDOM", (dir / "wisdom").c_str(), 1);

  const std::string tim = dir / "long.tim";
  // Same S/N at every size: the harmonic powers grow as (signal samples)^2 / n, i.e. as n.
  const auto amplitude = static_cast<float>(
      0.05 * std::sqrt(static_cast<double>(kFullNsamp) / static_cast<double>(n)));
  write_series(tim, n, first_signal, amplitude);
  const uint64_t bytes = fs::file_size(tim);
  ASSERT_TRUE(bytes > n * sizeof(float) && bytes < n * sizeof(float) + 1024) << bytes;

  const std::string out = dir / "out";
  const CommandResult r = run_tianyan({"-q", "search", tim, "-o", out, "--fold-top", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  const double peak_gb = static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e9;
  std::cout << "search of " << n << " samples: peak RSS " << peak_gb << " GB ("
            << static_cast<double>(usage.ru_maxrss) * 1024.0 / static_cast<double>(n)
            << " bytes per sample)\n";
  RecordProperty("peak_rss_gb", std::to_string(peak_gb));
  EXPECT_LT(static_cast<double>(usage.ru_maxrss) * 1024.0, 9.5 * static_cast<double>(n))
      << "the search held more than two series-sized buffers at once";

  const TopCandidate top = read_top(out + "/candidates.csv");
  const double tobs = static_cast<double>(n) * kTsamp;
  EXPECT_NEAR(top.freq_hz, kFreq, 2.0 / tobs) << "sigma " << top.sigma;
  EXPECT_GT(top.sigma, 10.0);
  EXPECT_GE(top.nharm, 4);
}

}  // namespace
}  // namespace tianyan::test
