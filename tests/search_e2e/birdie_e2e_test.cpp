// A strong noise diode (FAST's cal, 4.967 Hz) and a 50 Hz interferer, no pulsar: with the
// birdies of configs/fast.toml their harmonics are zapped in the spectrum of every DM trial,
// including DMs far above the sifting cut, so no candidate comes from them at any DM. The
// same spectra without the birdies show both signals strongly (the test has teeth).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/search/period_search.hpp"
#include "pipeline/search_run.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "pipeline/whole_series.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

constexpr double kMains = 50.0;
const double kDiode = 1.0 / kFastNoiseDiodePeriod;

std::string simulate_interference(const TempDir& dir) {
  SimConfig c;
  c.observation.nchan = 64;
  c.observation.tsamp_s = 0.5e-3;
  c.observation.duration_s = 30;
  c.observation.npol = 1;
  c.observation.nbits = 8;
  c.observation.seed = 4967;
  c.noise.bandpass = "flat";
  c.output.format = "filterbank";
  c.rfi.noise_diode.enabled = true;
  c.rfi.noise_diode.amplitude_sigma = 0.3;
  c.rfi.periodic = {SimPeriodic{kMains, 0.1, 0.3}};
  SimulateOptions so;
  so.threads = 2;
  return simulate(c, dir / "rfi", so).files.front();
}

// Whether f is within tol_hz of (p / q) x f0 for p <= 32, q <= 4 (harmonics and the
// subharmonics a harmonic sum could build from them).
bool related(double f, double f0, double tol_hz) {
  for (int q = 1; q <= 4; ++q) {
    for (int p = 1; p <= 32 * q; ++p) {
      if (std::abs(f - f0 * p / q) <= tol_hz) return true;
    }
  }
  return false;
}

// Largest normalised power in the bins within one bin of each harmonic h f0 below f_hi.
double max_power_near(const std::vector<std::complex<float>>& spec, double tobs, double f0,
                      double f_hi) {
  double best = 0;
  for (int h = 1; h * f0 < f_hi; ++h) {
    const double r = h * f0 * tobs;
    for (auto j = static_cast<long>(std::ceil(r - 1.0)); j <= static_cast<long>(std::floor(r + 1.0));
         ++j) {
      if (j > 0 && j < static_cast<long>(spec.size())) best = std::max(best, double(std::norm(spec[j])));
    }
  }
  return best;
}

TEST(BirdieZapping, DiodeAndMainsZappedAtEveryDm) {
  TempDir dir;
  const std::string fil = simulate_interference(dir);
  PipelineConfig config = load_pipeline_config(std::string(TIANYAN_SOURCE_DIR) + "/configs/fast.toml");
  config.dedisp.plan.dm_lo = 0;
  config.dedisp.plan.dm_hi = 200;
  config.rfi.block_nsamp = 8192;
  SearchConfig bare = config.search;
  bare.birdies.clear();
  bare.auto_birdies.enabled = false;
  auto zapped = make_period_searcher(Backend::Cpu, config.search, 2);
  auto unzapped = make_period_searcher(Backend::Cpu, bare, 2);

  const auto reader = open_beam(discover_beams({fil}).front(), OpenOptions{false, 2});
  size_t trials = 0, above_cut = 0, low_dm_above_cut = 0;
  double min_unzapped_diode = 1e30, min_unzapped_mains = 1e30;
  dedisperse_whole_series(*reader, config, 2, [&](std::vector<TrialSeries>& batch) {
    std::vector<SeriesInput> inputs;
    for (const TrialSeries& s : batch) {
      inputs.push_back({s.data.data(), s.data.size(), reader->info().tsamp_s * s.trial.downsample,
                        s.trial.dm, s.index, {}});
    }
    for (const SeriesInput& in : inputs) {
      const SeriesGeometry g = series_geometry(config.search, in.nsamp, in.tsamp_s);
      const double nyq = 0.5 / in.tsamp_s;
      const auto with = zapped->spectrum(in);
      const auto without = unzapped->spectrum(in);
      // Zapped: nothing left within a bin of any harmonic, at any DM.
      EXPECT_EQ(max_power_near(with, g.tobs_s, kDiode, nyq), 0.0) << "DM " << in.dm;
      EXPECT_EQ(max_power_near(with, g.tobs_s, kMains, nyq), 0.0) << "DM " << in.dm;
      // Dispersing an undispersed signal smears it over the band delay, so the check that the
      // interferers are really there looks at the low DMs (0 and trials above the cut).
      if (in.dm <= 10.0) {
        low_dm_above_cut += in.dm > config.sift.min_dm ? 1 : 0;
        min_unzapped_diode =
            std::min(min_unzapped_diode, max_power_near(without, g.tobs_s, kDiode, nyq));
        min_unzapped_mains =
            std::min(min_unzapped_mains, max_power_near(without, g.tobs_s, kMains, nyq));
      }
      ++trials;
      above_cut += in.dm > config.sift.min_dm ? 1 : 0;
    }
    for (const auto& list : zapped->search(inputs)) {
      for (const Candidate& c : list) {
        const double tol = 1.1 / c.tobs_s;
        EXPECT_FALSE(related(c.freq_hz, kDiode, tol) && c.sigma >= config.sift.min_sigma)
            << "diode-related candidate " << c.freq_hz << " Hz, sigma " << c.sigma << " at DM " << c.dm;
        EXPECT_FALSE(related(c.freq_hz, kMains, tol) && c.sigma >= config.sift.min_sigma)
            << "mains-related candidate " << c.freq_hz << " Hz, sigma " << c.sigma << " at DM " << c.dm;
      }
    }
  });
  EXPECT_GT(trials, 20u);
  EXPECT_GT(above_cut, trials / 2);
  // Without the birdies the interferers are overwhelming at low DMs, above the cut too.
  EXPECT_GT(low_dm_above_cut, 0u);
  EXPECT_GT(min_unzapped_diode, 50.0);  // noise reaches 50 with probability e^-50 per bin
  EXPECT_GT(min_unzapped_mains, 50.0);

  // And the whole pipeline reports no candidate.
  SearchRunOptions options;
  options.threads = 2;
  const BeamSearch r = search_beam(*reader, config, options);
  for (const Candidate& c : r.candidates) {
    ADD_FAILURE() << "candidate " << c.freq_hz << " Hz sigma " << c.sigma << " DM " << c.dm;
  }
}

}  // namespace
}  // namespace tianyan::test
