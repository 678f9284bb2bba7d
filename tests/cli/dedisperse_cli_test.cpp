// `tianyan dedisperse` and `tianyan rfi` end to end on small simulated observations: the
// pulsar's DM is found, names are unique, no temporary file survives, the RFI stage flags an
// injected carrier and writes a filterbank `tianyan info` reads, and an empty observation is
// refused with exit 3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "io/timeseries_io.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

// 256 channels over 1000-1500 MHz, 98.304 us, `duration` s, a P = 0.25 s pulsar at DM 60,
// optionally a persistent 12-sigma carrier at 1300 MHz. The pulse is narrow (2.5 ms) so that
// the S/N falls off within a few trials of DM 60 (2.3 ms of smearing per unit of DM).
std::string write_sim(const TempDir& dir, double duration, bool carrier) {
  const std::string path = dir / "sim.toml";
  std::ofstream f(path);
  f << "[observation]\nsource = \"DD\"\nduration_s = " << duration
    << "\ntsamp_s = 98.304e-6\nnchan = 256\nfreq_lo_mhz = 1000.0\nfreq_hi_mhz = 1500.0\n"
       "npol = 2\nnbits = 8\nseed = 5\n\n[output]\nformat = \"filterbank\"\n\n"
       "[[pulsar]]\nperiod_s = 0.25\ndm = 60.0\nsnr = 40.0\nduty_cycle = 0.01\n";
  if (carrier) {
    f << "\n[[rfi.narrowband]]\nfreq_mhz = 1300.0\nwidth_mhz = 2.0\namplitude_sigma = 12.0\n";
  }
  return path;
}

// Smaller RFI blocks than the default, so that a few seconds hold several.
std::string write_pipeline_config(const TempDir& dir) {
  const std::string path = dir / "pipe.toml";
  std::ofstream(path) << "[rfi]\nblock_nsamp = 4096\n\n[input]\ngulp_s = 2.0\n";
  return path;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

// S/N of the series folded at `period` into 128 bins: the best boxcar (1 to 8 bins) over the
// profile's median, in units of the bin noise (the series' std / sqrt(samples per bin)). A
// boxcar rather than the peak bin, so that a pulse split between two bins is not penalised.
double folded_snr(const TimeSeries& ts, double period) {
  const int nbin = 128;
  std::vector<double> prof(nbin, 0.0);
  std::vector<int> n(nbin, 0);
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < ts.data.size(); ++i) {
    const double phase = std::fmod(static_cast<double>(i) * ts.tsamp_s / period, 1.0);
    const int b = std::min(nbin - 1, static_cast<int>(phase * nbin));
    prof[b] += ts.data[i];
    ++n[b];
    sum += ts.data[i];
    sum2 += static_cast<double>(ts.data[i]) * ts.data[i];
  }
  const double count = static_cast<double>(ts.data.size());
  const double sigma = std::sqrt(sum2 / count - (sum / count) * (sum / count)) /
                       std::sqrt(count / nbin);
  for (int b = 0; b < nbin; ++b) prof[b] /= std::max(n[b], 1);
  std::vector<double> sorted = prof;
  std::nth_element(sorted.begin(), sorted.begin() + nbin / 2, sorted.end());
  const double median = sorted[nbin / 2];
  double best = 0;
  for (int w : {1, 2, 4, 8}) {
    for (int b = 0; b < nbin; ++b) {
      double s = 0;
      for (int k = 0; k < w; ++k) s += prof[(b + k) % nbin] - median;
      best = std::max(best, s / (sigma * std::sqrt(w)));
    }
  }
  return best;
}

TEST(DedisperseCli, FindsThePulsarAtItsDmWithUniqueNamesAndNoTemporaries) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"-q", "simulate", write_sim(dir, 8.0, false), "-o", dir / "psr"})
                .exit_code, 0);
  const std::string out = dir / "out";
  const auto r = run_tianyan({"-q", "dedisperse", dir / "psr.fil", "-c",
                              write_pipeline_config(dir), "--dm", "0:120", "-o", out, "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto paths = lines(r.out);
  ASSERT_GT(paths.size(), 10u);
  EXPECT_EQ(std::set<std::string>(paths.begin(), paths.end()).size(), paths.size());
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(out)) {
    EXPECT_NE(e.path().filename().string().front(), '.') << e.path();  // no temporaries left
    ++files;
  }
  EXPECT_EQ(files, paths.size());

  double best_snr = -1, best_dm = -1, snr_dm0 = -1, nearest_dm = -1;
  for (const auto& p : paths) {
    EXPECT_EQ(fs::path(p).extension(), ".tim");
    EXPECT_EQ(fs::path(p).filename().string().rfind("psr_DM", 0), 0u) << p;
    const TimeSeries ts = read_sigproc_tim(p);
    const double snr = folded_snr(ts, 0.25);
    if (snr > best_snr) {
      best_snr = snr;
      best_dm = ts.dm;
    }
    if (ts.dm == 0) snr_dm0 = snr;
    if (nearest_dm < 0 || std::abs(ts.dm - 60.0) < std::abs(nearest_dm - 60.0)) nearest_dm = ts.dm;
  }
  EXPECT_EQ(best_dm, nearest_dm) << "best S/N " << best_snr;
  EXPECT_GT(best_snr, 25.0);  // ideal 40, less the masked and smeared part
  EXPECT_LT(snr_dm0, 10.0);
}

TEST(DedisperseCli, PrestoFormatWritesDatAndInfPairs) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"-q", "simulate", write_sim(dir, 2.0, false), "-o", dir / "p"})
                .exit_code, 0);
  const auto r = run_tianyan({"-q", "dedisperse", dir / "p.fil", "-c",
                              write_pipeline_config(dir), "--dm", "50:70:5", "-o", dir / "o",
                              "--format", "presto"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto paths = lines(r.out);
  ASSERT_EQ(paths.size(), 5u);
  EXPECT_EQ(fs::path(paths.front()).filename(), "p_DM50.00.dat");
  for (const auto& p : paths) {
    const TimeSeries ts = read_presto_timeseries(p);
    EXPECT_EQ(ts.data.size(), static_cast<size_t>(2.0 / 98.304e-6));
  }
}

// --backend: `auto` runs (dedispersion on the GPU where there is a usable one) and says which
// it took; `cuda` without a usable GPU exits 4 with the reason and writes no series, never a
// CPU run; where a GPU exists, the series of `cuda` and `auto` equal the CPU's bit for bit.
TEST(DedisperseCli, BackendAutoSaysWhichAndCudaNeverRunsOnTheCpu) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"-q", "simulate", write_sim(dir, 2.0, false), "-o", dir / "b"})
                .exit_code, 0);
  const auto run = [&](const char* backend, const std::string& out) {
    return run_tianyan({"dedisperse", dir / "b.fil", "-c", write_pipeline_config(dir), "--dm",
                        "50:70:10", "-o", out, "--backend", backend});
  };
  const auto cpu = run("cpu", dir / "cpu");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  const std::vector<std::string> want = lines(cpu.out);
  ASSERT_EQ(want.size(), 3u);
  const auto same_series = [&](const std::vector<std::string>& got) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(fs::path(got[i]).filename(), fs::path(want[i]).filename());
      EXPECT_EQ(read_timeseries(got[i]).data, read_timeseries(want[i]).data) << got[i];
    }
  };

  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  const auto autob = run("auto", dir / "auto");
  ASSERT_EQ(autob.exit_code, 0) << autob.err;
  EXPECT_NE(autob.err.find(gpu ? "backend auto: CUDA device 0" : "backend auto: CPU ("),
            std::string::npos)
      << autob.err;
  same_series(lines(autob.out));

  const auto cuda = run("cuda", dir / "cuda");
  if (gpu) {
    ASSERT_EQ(cuda.exit_code, 0) << cuda.err;
    same_series(lines(cuda.out));
  } else {
    EXPECT_EQ(cuda.exit_code, 4) << cuda.err;
    EXPECT_NE(cuda.err.find("--backend cuda: no CUDA device"), std::string::npos) << cuda.err;
    EXPECT_TRUE(lines(cuda.out).empty()) << cuda.out;
  }
}

TEST(DedisperseCli, EmptyObservationIsBadInput) {
  const fs::path empty = real_data_dir() / "your" / "empty.fits";
  if (real_data_dir().empty() || !fs::exists(empty)) GTEST_SKIP() << empty << " is absent";
  TempDir dir;
  const auto r = run_tianyan({"-q", "dedisperse", empty.string(), "--dm", "0:10", "-o",
                              dir / "o"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
}

TEST(RfiCli, FlagsACarrierAndWritesAFilterbankInfoReads) {
  TempDir dir;
  ASSERT_EQ(run_tianyan({"-q", "simulate", write_sim(dir, 3.0, true), "-o", dir / "c"})
                .exit_code, 0);
  const auto r = run_tianyan({"-q", "rfi", dir / "c.fil", "-c", write_pipeline_config(dir), "-o",
                              dir / "o", "--write-filterbank"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(read_text(dir / "o/c.rfi.json"));
  const auto per_channel = j["masked_fraction"]["per_channel"].get<std::vector<double>>();
  ASSERT_EQ(per_channel.size(), 256u);
  // Channel centres: 1000 + (c + 0.5) 500 / 256; 1300 MHz is in channel 153.
  EXPECT_GT(per_channel[153], 0.9);
  EXPECT_LT(j["masked_fraction"]["total"].get<double>(), 0.2);
  EXPECT_FALSE(j["version"].get<std::string>().empty());
  EXPECT_EQ(j["inputs"].size(), 1u);
  EXPECT_EQ(j["configuration"]["rfi"]["block_nsamp"], 4096);

  const auto info = run_tianyan({"info", "--json", dir / "o/c_clean.fil"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const auto h = nlohmann::json::parse(info.out);
  EXPECT_EQ(h["nchan"], 256);
  EXPECT_EQ(h["nbits"], 32);
  EXPECT_EQ(h["nsamples"], static_cast<int>(3.0 / 98.304e-6));

  // The saved mask applied again gives the same mask.
  const auto again = run_tianyan({"-q", "rfi", dir / "c.fil", "-c", write_pipeline_config(dir),
                                  "-o", dir / "o2", "--mask", dir / "o/c.mask"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_text(dir / "o2/c.mask"), read_text(dir / "o/c.mask"));
}

}  // namespace
}  // namespace tianyan::test
