// A long observation through the real pipeline: more than 2^32 channel-samples (128 channels x
// 2^25 + 2^21 samples, 34 PSRFITS files of 4-bit data, 2.3 GB) written by `tianyan simulate`,
// cleaned and dedispersed by `tianyan dedisperse`. A pulsar of period 1000 s at DM 100 puts
// four pulses in the data, the last beyond sample 2^32 / nchan = 2^25, where any channel x time
// index or byte offset computed in 32 bits wraps. The test asserts that every pulse is found
// at its injected time in the DM 100 series (and nowhere else), sharper there than at DM 0,
// and that the series have the full length with ordinary noise up to their end.
//
// TIANYAN_LONG_NSAMP (development only) shrinks the observation; the 2^32 assertion then
// does not apply and the test says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/timeseries_io.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

constexpr int kNchan = 128;
constexpr double kTsamp = 1e-4;                  // s
constexpr uint64_t kFullNsamp = (1u << 25) + (1u << 21);  // 35651584: 34 files of 2^20
constexpr double kPeriod = 1000.0;               // s: one pulse every 10^7 samples
constexpr double kPhase0 = 0.55;                 // pulses at 450, 1450, 2450, 3450 s
constexpr double kDm = 100.0;
constexpr size_t kBox = 100;                     // samples: the pulse's FWHM (10 ms)

uint64_t observation_nsamp() {
  const char* v = std::getenv("TIANYAN_LONG_NSAMP");
  return v ? std::strtoull(v, nullptr, 10) : kFullNsamp;
}

// 4-bit, one polarisation, flat bandpass: the cheapest data the simulator writes that the RFI
// stage's statistics still treat as ordinary noise.
std::string write_sim_config(const TempDir& dir, uint64_t nsamp) {
  const std::string path = dir / "long.toml";
  std::ofstream f(path);
  f.precision(17);
  f << "[observation]\nsource = \"LONG\"\nduration_s = " << static_cast<double>(nsamp) * kTsamp
    << "\ntsamp_s = " << kTsamp << "\nnchan = " << kNchan
    << "\nfreq_lo_mhz = 1000.0\nfreq_hi_mhz = 1500.0\nnpol = 1\nnbits = 4\nseed = 2031\n\n"
       "[noise]\nbandpass = \"flat\"\n\n"
       "[output]\nformat = \"psrfits\"\nnsblk = 4096\nrows_per_file = 256\n\n"
       "[[pulsar]]\nname = \"LATE\"\nperiod_s = "
    << kPeriod << "\ndm = " << kDm << "\nduty_cycle = 1.0e-5\namplitude_sigma = 1.0\n"
    << "spectral_index = 0.0\nphase0 = " << kPhase0 << "\n";
  return path;
}

// Larger RFI blocks and gulps than the defaults: 128 channels make rows short, and per-row
// work would otherwise dominate.
std::string write_pipeline_config(const TempDir& dir) {
  const std::string path = dir / "pipe.toml";
  std::ofstream(path) << "[rfi]\nblock_nsamp = 65536\n\n[input]\ngulp_s = 20.0\n";
  return path;
}

// Robust centre and standard deviation (median, 1.4826 MAD) of x[lo, hi).
std::pair<double, double> robust_stats(const std::vector<float>& x, size_t lo, size_t hi) {
  std::vector<float> v(x.begin() + static_cast<std::ptrdiff_t>(lo),
                       x.begin() + static_cast<std::ptrdiff_t>(hi));
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  const double med = *mid;
  for (float& a : v) a = std::abs(a - static_cast<float>(med));
  std::nth_element(v.begin(), mid, v.end());
  return {med, 1.4826 * *mid};
}

struct Peak {
  uint64_t centre = 0;  // sample at the middle of the best window
  double snr = 0;
};

// The kBox-sample window of largest sum whose start lies in [lo, hi), in units of the noise of
// such a sum.
Peak best_window(const std::vector<float>& x, uint64_t lo, uint64_t hi, double med, double sd) {
  hi = std::min<uint64_t>(hi, x.size() - kBox);
  double sum = 0;
  for (size_t k = 0; k < kBox; ++k) sum += x[lo + k] - med;
  Peak best{lo + kBox / 2, sum};
  for (uint64_t s = lo + 1; s < hi; ++s) {
    sum += (x[s + kBox - 1] - med) - (x[s - 1] - med);
    if (sum > best.snr) best = {s + kBox / 2, sum};
  }
  best.snr /= sd * std::sqrt(static_cast<double>(kBox));
  return best;
}

// Samples at which the pulses arrive at the top channel (the dedispersion reference).
std::vector<uint64_t> pulse_samples(uint64_t nsamp) {
  std::vector<uint64_t> out;
  for (double t = (1.0 - kPhase0) * kPeriod;; t += kPeriod) {
    const auto s = static_cast<uint64_t>(t / kTsamp);
    if (s + 10000 > nsamp) break;  // its sweep (2344 samples at DM 100) must fit
    out.push_back(s);
  }
  return out;
}

TEST(LongObservation, PulsesBeyondTwoToThe32ChannelSamplesAreDedispersedInPlace) {
  const uint64_t nsamp = observation_nsamp();
  const uint64_t channel_samples = nsamp * kNchan;
  if (nsamp == kFullNsamp) {
    ASSERT_GT(channel_samples, uint64_t{1} << 32);
  } else {
    std::cerr << "TIANYAN_LONG_NSAMP=" << nsamp << ": " << channel_samples
              << " channel-samples (development run, not the 2^32 test)\n";
  }
  TempDir dir;
  const std::string data = dir / "data";
  fs::create_directories(data);
  auto r = run_tianyan({"-q", "simulate", write_sim_config(dir, nsamp), "-o", data + "/long",
                        "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = run_tianyan({"info", data, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto info = nlohmann::json::parse(r.out);
  ASSERT_EQ(info.at("nsamples").get<uint64_t>(), nsamp);
  ASSERT_EQ(info.at("nchan").get<int>(), kNchan);
  const size_t nfiles = info.at("files").size();
  EXPECT_EQ(nfiles, (nsamp + (1u << 20) - 1) >> 20);
  EXPECT_TRUE(info.at("gaps").empty());

  const std::string out = dir / "dd";
  r = run_tianyan({"-q", "dedisperse", data, "-c", write_pipeline_config(dir), "--dm", "0:100:50",
                   "-o", out, "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The search-mode data are no longer needed: free the disk before reading the series.
  fs::remove_all(data);

  const TimeSeries dm100 = read_timeseries(out + "/long-M01_DM100.00.tim");
  const TimeSeries dm0 = read_timeseries(out + "/long-M01_DM0.00.tim");
  for (const TimeSeries* ts : {&dm0, &dm100}) {
    ASSERT_EQ(ts->data.size(), nsamp) << "dedispersion keeps every sample (no downsampling)";
    ASSERT_DOUBLE_EQ(ts->tsamp_s, kTsamp);
  }
  const std::vector<float>& x = dm100.data;
  const auto [med, sd] = robust_stats(x, 0, x.size());
  ASSERT_GT(sd, 0);

  // Every pulse where it was injected; the last lies beyond 2^25 samples at full size.
  const std::vector<uint64_t> pulses = pulse_samples(nsamp);
  ASSERT_GE(pulses.size(), 1u);
  if (nsamp == kFullNsamp) {
    ASSERT_EQ(pulses.size(), 4u);
    ASSERT_GT(pulses.back(), (uint64_t{1} << 32) / kNchan);
  }
  const auto [med0, sd0] = robust_stats(dm0.data, 0, dm0.data.size());
  for (uint64_t p : pulses) {
    const Peak pk = best_window(x, p - 5000, p + 5000, med, sd);
    EXPECT_NEAR(static_cast<double>(pk.centre), static_cast<double>(p), 30.0) << "pulse at " << p;
    EXPECT_GT(pk.snr, 40.0) << "pulse at " << p;
    // At DM 0 the pulse is spread over its 0.23 s sweep.
    const Peak pk0 = best_window(dm0.data, p - 5000, p + 5000, med0, sd0);
    std::cout << "pulse at sample " << p << ": found at " << pk.centre << ", S/N " << pk.snr
              << " (DM 0: " << pk0.snr << ")\n";
    EXPECT_GT(pk.snr, 2.0 * pk0.snr) << "pulse at " << p;
  }

  // Nothing pulse-like anywhere else (a wrapped index would copy a pulse elsewhere, or read
  // data that are not noise).
  uint64_t from = 0;
  double worst = 0;
  for (size_t k = 0; k <= pulses.size(); ++k) {
    const uint64_t to = k < pulses.size() ? pulses[k] - 5000 : x.size() - kBox;
    worst = std::max(worst, best_window(x, from, to, med, sd).snr);
    if (k < pulses.size()) from = pulses[k] + 5000;
  }
  EXPECT_LT(worst, 8.0);
  std::cout << "largest S/N away from the pulses: " << worst << "\n";

  // The end of the stream: ordinary noise up to the last sample at DM 0, where every sample
  // sums all channels; at DM 100 up to where the sweep (the look-ahead) starts to run out.
  const size_t n = x.size();
  const auto [mid_med0, mid_sd0] = robust_stats(dm0.data, n / 2, n / 2 + 200000);
  const auto [end_med0, end_sd0] = robust_stats(dm0.data, n - 200000, n);
  EXPECT_NEAR(end_sd0 / mid_sd0, 1.0, 0.05);
  EXPECT_NEAR(end_med0 - mid_med0, 0.0, 0.05 * mid_sd0);
  const auto [mid_med, mid_sd] = robust_stats(x, n / 2, n / 2 + 200000);
  const auto [end_med, end_sd] = robust_stats(x, n - 200000, n - 3000);
  EXPECT_NEAR(end_sd / mid_sd, 1.0, 0.05);
  for (size_t i = n - 3000; i < n; ++i) ASSERT_TRUE(std::isfinite(x[i])) << "sample " << i;
}

}  // namespace
}  // namespace tianyan::test
