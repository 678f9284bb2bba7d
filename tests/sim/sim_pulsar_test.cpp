// Pulsar injection: dispersion delays, period, acceleration and the ideal S/N in the truth.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/common/constants.hpp"
#include "kernels/common/dispersion.hpp"
#include "sim_test_util.hpp"

namespace tianyan::test {
namespace {

SimPulsar test_pulsar() {
  SimPulsar p;
  p.period_s = 0.5;
  p.dm = 100.0;
  p.components = {SimProfileComponent{0.0, 0.01, 1.0}};
  p.amplitude_sigma = 2.0;
  p.phase0 = 0.25;
  p.spectral_index = 0.0;
  return p;
}

// Centroid time (s) of the signal in channel c within [t_lo, t_hi).
double centroid(const std::vector<double>& s, size_t nchan, size_t c, double tsamp, double t_lo,
                double t_hi) {
  double w = 0, wt = 0;
  const auto k0 = static_cast<size_t>(std::max(0.0, t_lo / tsamp));
  const auto k1 = std::min(s.size() / nchan, static_cast<size_t>(t_hi / tsamp));
  for (size_t k = k0; k < k1; ++k) {
    w += s[k * nchan + c];
    wt += s[k * nchan + c] * (static_cast<double>(k) + 0.5) * tsamp;
  }
  return wt / w;
}

TEST(SimPulsar, PulsesArriveAtTheDispersionDelayOfEveryChannel) {
  SimConfig config = small_config();
  config.noise.enabled = false;
  config.pulsars = {test_pulsar()};
  const MemoryRun run = run_in_memory(config);
  const Capture& cap = run.beams.at(1);
  const auto s = intensity_sigma_units(config, cap);
  const auto& f = cap.header.freqs_mhz;
  for (size_t c = 0; c < f.size(); ++c) {
    // phase = 0.25 + t / P reaches 1 at t = 0.375 s at the top channel.
    const double expected = 0.375 + dispersion_delay_s(100.0, f[c], f.back());
    const double got = centroid(s, f.size(), c, 0.5e-3, expected - 0.1, expected + 0.1);
    EXPECT_NEAR(got, expected, 2e-5) << "channel " << c;
  }
  EXPECT_NEAR(run.result.truth["pulsars"][0]["start"]["period_s"].get<double>(), 0.5, 1e-12);
}

TEST(SimPulsar, TruthSnrEqualsSumOfSquaresOfTheInjectedDifference) {
  SimConfig with = small_config();
  with.pulsars = {test_pulsar()};
  with.pulsars[0].spectral_index = -1.6;
  SimConfig without = with;
  without.pulsars.clear();
  const MemoryRun a = run_in_memory(with);
  const MemoryRun b = run_in_memory(without);
  const auto s = intensity_sigma_units(with, a.beams.at(1), &b.beams.at(1));
  double sum = 0;
  for (double v : s) sum += v * v;
  const double truth = a.result.truth["pulsars"][0]["ideal_snr"].get<double>();
  EXPECT_GT(truth, 10.0);
  EXPECT_NEAR(std::sqrt(sum), truth, 2e-4 * truth);
}

TEST(SimPulsar, TargetSnrIsMetWithinTwoPercent) {
  struct Case {
    double period, dm, duty;
    int npol;
    std::string shape;
  };
  for (const Case& k :
       {Case{0.5, 100.0, 0.01, 2, "gaussian"}, Case{0.0123, 600.0, 0.03, 1, "gaussian"},
        Case{0.0031, 40.0, 0.05, 4, "vonmises"}, Case{1.1, 10.0, 0.002, 2, "vonmises"}}) {
    SimConfig config = small_config();
    config.observation.npol = k.npol;
    config.noise.enabled = false;
    SimPulsar p = test_pulsar();
    p.period_s = k.period;
    p.dm = k.dm;
    p.profile = k.shape;
    p.components = {SimProfileComponent{0.3, k.duty, 1.0}};
    p.amplitude_sigma.reset();
    p.snr = 15.0;
    config.pulsars = {p};
    const MemoryRun run = run_in_memory(config);
    const auto s = intensity_sigma_units(config, run.beams.at(1));
    double sum = 0;
    for (double v : s) sum += v * v;
    const double truth = run.result.truth["pulsars"][0]["ideal_snr"].get<double>();
    EXPECT_NEAR(truth, 15.0, 0.3) << "P " << k.period << " DM " << k.dm;
    EXPECT_NEAR(std::sqrt(sum), truth, 1e-3 * truth) << "P " << k.period;
  }
}

TEST(SimPulsar, AcceleratedPulsesFollowTheQuadraticArrivalLaw) {
  SimConfig config = small_config();
  config.observation.nchan = 4;
  config.observation.freq_lo_mhz = 1400.0;
  config.observation.freq_hi_mhz = 1500.0;
  config.observation.tsamp_s = 0.1e-3;
  config.observation.duration_s = 20.0;
  config.noise.enabled = false;
  SimPulsar p = test_pulsar();
  p.period_s = 0.1;
  p.dm = 0.0;
  p.phase0 = 0.5;
  p.accel_ms2 = 1.0e4;
  p.components = {SimProfileComponent{0.0, 0.02, 1.0}};
  config.pulsars = {p};
  const MemoryRun run = run_in_memory(config);
  const auto s = intensity_sigma_units(config, run.beams.at(1));
  const double a_over_c = p.accel_ms2 / kSpeedOfLight;
  for (int n : {1, 100, 199}) {
    // t + a t^2 / (2c) = (n - phase0) P.
    const double target = (n - p.phase0) * p.period_s;
    const double t_acc = (-1.0 + std::sqrt(1.0 + 2.0 * a_over_c * target)) / a_over_c;
    const double got = centroid(s, 4, 3, 0.1e-3, t_acc - 0.03, t_acc + 0.03);
    EXPECT_NEAR(got, t_acc, 2e-6) << "pulse " << n;
    if (n == 199) EXPECT_GT(target - t_acc, 5e-3);  // far from the unaccelerated time
  }
  const auto& truth = run.result.truth["pulsars"][0];
  const double f_mid = truth["middle"]["frequency_hz"].get<double>();
  EXPECT_NEAR(f_mid, 10.0 * (1.0 + a_over_c * 10.0), 1e-9);
  EXPECT_GT(f_mid, truth["start"]["frequency_hz"].get<double>());
}

TEST(SimPulsar, BinaryPulsesFollowTheOrbit) {
  SimConfig config = small_config();
  config.observation.nchan = 4;
  config.observation.freq_lo_mhz = 1400.0;
  config.observation.freq_hi_mhz = 1500.0;
  config.observation.tsamp_s = 0.1e-3;
  config.observation.duration_s = 10.0;
  config.noise.enabled = false;
  SimPulsar p = test_pulsar();
  p.period_s = 0.05;
  p.dm = 0.0;
  p.phase0 = 0.5;
  p.components = {SimProfileComponent{0.0, 0.03, 1.0}};
  p.orbit = SimOrbit{true, 20.0, 0.01, 3.0};  // 20 s orbit, 10 light-ms
  config.pulsars = {p};
  const MemoryRun run = run_in_memory(config);
  const auto s = intensity_sigma_units(config, run.beams.at(1));
  const double omega = 2.0 * M_PI / 20.0;
  for (int n : {1, 50, 120, 190}) {
    // Solve t - x sin(omega (t - t0)) = (n - phase0) P by fixed-point iteration.
    const double target = (n - p.phase0) * p.period_s;
    double t = target;
    for (int i = 0; i < 50; ++i) t = target + 0.01 * std::sin(omega * (t - 3.0));
    EXPECT_NEAR(centroid(s, 4, 3, 0.1e-3, t - 0.01, t + 0.01), t, 3e-6) << "pulse " << n;
  }
  const auto& truth = run.result.truth["pulsars"][0];
  EXPECT_NEAR(truth["start"]["frequency_hz"].get<double>(),
              20.0 * (1.0 - 0.01 * omega * std::cos(omega * -3.0)), 1e-9);
  EXPECT_NEAR(truth["orbit"]["pb_s"].get<double>(), 20.0, 0.0);
}

TEST(SimPulsar, ProfileWindowMeanIsTheAverageOfTheProfile) {
  SimPulsar p = test_pulsar();
  p.components = {SimProfileComponent{0.2, 0.05, 1.0}, SimProfileComponent{0.6, 0.02, 0.5}};
  const PulseProfile profile(p, 1e-3);
  for (double x : {0.1, 0.18, 0.55, 0.61, 3.19, 1234.59}) {
    for (double w : {1e-3, 0.02}) {
      for (double sm : {0.0, 5e-3, 0.05}) {
        // Brute-force average over the trapezoid (box w convolved with box sm).
        double acc = 0;
        const int n = 400;
        for (int i = 0; i < n; ++i) {
          for (int j = 0; j < (sm > 0 ? n : 1); ++j) {
            const double u = (i + 0.5) / n * w;
            const double v = sm > 0 ? ((j + 0.5) / n - 0.5) * sm : 0.0;
            acc += profile.value(x + u + v);
          }
        }
        acc /= sm > 0 ? n * n : n;
        EXPECT_NEAR(profile.window_mean(x, w, sm), acc, 2e-4) << x << " " << w << " " << sm;
      }
    }
  }
}

}  // namespace
}  // namespace tianyan::test
