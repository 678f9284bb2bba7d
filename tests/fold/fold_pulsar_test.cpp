// The folding pass end to end (pipeline/fold_run.hpp): simulated pulsars (the simulator of
// the search's end-to-end tests) folded from the raw filterbank through the RFI stage, at the
// truth and at a slightly wrong model in the same pass, then optimised; and pure noise folded
// at random periods.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/fold_run.hpp"
#include "tests/search_e2e/search_e2e_util.hpp"

namespace tianyan::test {
namespace {

PipelineConfig fold_test_config() {
  PipelineConfig c = default_pipeline_config();
  c.rfi.block_nsamp = 8192;
  return c;
}

struct Simulated {
  std::unique_ptr<Reader> reader;
  double ideal_snr = 0;
  FoldModel truth;  // at the middle of the observation
};

Simulated simulate_beam(const TempDir& dir, const SimConfig& sim, const std::string& name) {
  SimulateOptions so;
  so.threads = 2;
  const SimulateResult r = simulate(sim, dir / name, so);
  Simulated s;
  s.reader = open_beam(discover_beams(r.files).front(), OpenOptions{false, 2});
  if (!sim.pulsars.empty()) {
    s.ideal_snr = r.pulsar_snr[0][0];
    const double mid = 0.5 * s.reader->info().duration_s();
    const PulsarTiming timing(sim.pulsars.front());
    s.truth = {timing.frequency(mid), timing.frequency_derivative(mid), sim.pulsars.front().dm,
               mid};
  }
  return s;
}

// The optimiser's grid steps (docs/fold_optimise.md): one bin of drift end to end (frequency),
// at the ends against the middle (fdot), between the extreme subbands folded (DM).
struct Steps {
  double df = 0, dfdot = 0, ddm = 0;
};
Steps grid_steps(const FoldCube& c) {
  const double nb = static_cast<double>(c.nbin), T = c.tobs_s;
  double xlo = 1e300, xhi = -1e300;
  for (size_t s = 0; s < c.nsubband; ++s) {
    double var = 0;
    for (size_t k = 0; k < c.nsubint; ++k) var += c.bin_var[k * c.nsubband + s];
    if (var <= 0) continue;
    const double x = dispersion_delay_s(1.0, c.freqs_mhz[s], c.ref_freq_mhz);
    xlo = std::min(xlo, x), xhi = std::max(xhi, x);
  }
  return {1.0 / (nb * T), 8.0 / (nb * T * T), 1.0 / (nb * c.model.freq_hz * (xhi - xlo))};
}

struct Verdict {
  bool snr = false, freq = false, fdot = false, dm = false;
};

Verdict judge(const FoldedCandidate& f, const Simulated& s, const char* label) {
  const FoldOptimum& b = f.best;
  const Steps st = grid_steps(f.cube);
  const double ef = std::abs(b.model.freq_hz - s.truth.freq_hz);
  const double efd = std::abs(b.model.fdot_hz_s - s.truth.fdot_hz_s);
  const double edm = std::abs(b.model.dm - s.truth.dm);
  Verdict v;
  v.snr = b.snr >= 0.8 * s.ideal_snr;
  // Period and frequency errors are the same test (dP = df / f^2), as are pdot / accel and
  // fdot (pdot = -fdot / f^2, a = c fdot / f, f known to far better than 1e-3).
  v.freq = ef <= std::max(st.df, 3 * b.freq_err_hz);
  v.fdot = efd <= std::max(st.dfdot, 3 * b.fdot_err_hz_s);
  v.dm = edm <= std::max(st.ddm, 3 * b.dm_err);
  std::printf(
      "[%s] snr %.2f / ideal %.2f (%.0f%%), redchi2 %.1f; df %.2e (step %.2e, err %.2e) "
      "dfdot %.2e (step %.2e, err %.2e) ddm %.3f (step %.3f, err %.3f)%s\n",
      label, b.snr, s.ideal_snr, 100 * b.snr / s.ideal_snr, b.redchi2, ef, st.df, b.freq_err_hz,
      efd, st.dfdot, b.fdot_err_hz_s, edm, st.ddm, b.dm_err,
      v.snr && v.freq && v.fdot && v.dm ? "" : "  <- FAILS A WINDOW");
  return v;
}

void fold_pulsars(const Injection& in, const char* name, int seeds, int required) {
  TempDir dir;
  int ok[4] = {0, 0, 0, 0}, folds = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const SimConfig sim = injection_config(in, 500 + static_cast<uint64_t>(seed));
    Simulated s = simulate_beam(dir, sim, name + std::to_string(seed));
    // The truth, and a model off by 0.6 frequency steps, 0.7 fdot steps and 1.4 DM steps of
    // a 64-bin fold, in the same pass.
    std::vector<FoldRequest> req(2);
    req[0].model = s.truth;
    req[1].model = s.truth;
    const double T = s.reader->info().duration_s();
    req[1].model.freq_hz += 0.6 / (64 * T);
    req[1].model.fdot_hz_s -= 0.7 * 8 / (64 * T * T);
    req[1].model.dm +=
        1.4 * s.truth.period_s() / 64 /
        dispersion_delay_s(1.0, s.reader->info().freq_lo_mhz(), s.reader->info().freq_hi_mhz());
    FoldRunOptions options;
    options.threads = 2;
    const auto folds_out = fold_beam(*s.reader, fold_test_config(), req, options);
    for (size_t i = 0; i < folds_out.size(); ++i) {
      const std::string label = fmt::format("{} seed {} {}", name, seed, i == 0 ? "truth" : "off");
      const Verdict v = judge(folds_out[i], s, label.c_str());
      ok[0] += v.snr, ok[1] += v.freq, ok[2] += v.fdot, ok[3] += v.dm;
      ++folds;
    }
  }
  const int need = folds - (seeds - required) * 2;
  EXPECT_GE(ok[0], need) << "profile S/N >= 80% of the ideal";
  EXPECT_GE(ok[1], need) << "frequency (period) within the window";
  EXPECT_GE(ok[2], need) << "fdot (pdot, acceleration) within the window";
  EXPECT_GE(ok[3], need) << "DM within the window";
}

TEST(FoldPulsar, SlowPulsarIsRecoveredFromTruthAndFromAWrongModel) {
  Injection in;
  in.period_s = 0.25;
  in.dm = 50;
  in.duty = 0.05;
  in.snr = 30;
  // 3 seeds x 2 models, each window a 3-sigma one: all must pass but one seed.
  fold_pulsars(in, "slow", 3, 2);
}

TEST(FoldPulsar, AcceleratedPulsarIsRecoveredFromTruthAndFromAWrongModel) {
  Injection in;
  in.period_s = 0.0213;
  in.dm = 120;
  in.duty = 0.08;
  in.snr = 30;
  in.accel_ms2 = 300;
  in.tsamp_s = 0.25e-3;
  fold_pulsars(in, "binary", 3, 2);
}

TEST(FoldPulsar, NoiseFoldedAtRandomPeriodsHasUnitReducedChiSquare) {
  // 8 random periods in one pass over noise. The profile at the folded model: the reduced
  // chi-square of nbin - 1 = 127 degrees of freedom has mean 1 and sd sqrt(2/127) = 0.125;
  // the mean of 8, sd 0.044 (5 sd: 0.22). Each cell (subint, subband) likewise; the mean over
  // all cells of all folds (8 x 64 x 64 x 127 dof) has sd 0.0008: 0.02 allows for the 8-bit
  // data and the RFI stage's robust normalisation.
  TempDir dir;
  Injection in;
  SimConfig sim = injection_config(in, 77);
  sim.pulsars.clear();
  Simulated s = simulate_beam(dir, sim, "noise");
  std::mt19937_64 rng(78);
  std::vector<FoldRequest> req(8);
  for (FoldRequest& r : req) {
    const double p = 0.07 * std::exp(3.0 * std::uniform_real_distribution<double>(0, 1)(rng));
    r.model =
        FoldModel::from_period(p, 0.0, 200.0 * std::uniform_real_distribution<double>(0, 1)(rng),
                               0.5 * s.reader->info().duration_s());
  }
  FoldRunOptions options;
  options.threads = 2;
  const auto folds = fold_beam(*s.reader, fold_test_config(), req, options);
  double profile_chi2 = 0, cell_chi2 = 0, cells = 0;
  for (const FoldedCandidate& f : folds) {
    const FoldCube& c = f.cube;
    std::vector<double> prof(c.nbin, 0.0);
    double var = 0;
    for (size_t cell = 0; cell < c.bin_var.size(); ++cell) {
      const float* p = c.data.data() + cell * c.nbin;
      double mean = 0, ss = 0;
      for (size_t b = 0; b < c.nbin; ++b)
        prof[b] += p[b], mean += p[b] / static_cast<double>(c.nbin);
      for (size_t b = 0; b < c.nbin; ++b) ss += (p[b] - mean) * (p[b] - mean);
      var += c.bin_var[cell];
      if (c.bin_var[cell] > 0) {
        cell_chi2 += ss / c.bin_var[cell] / static_cast<double>(c.nbin - 1);
        cells += 1;
      }
    }
    double mean = 0, ss = 0;
    for (double v : prof) mean += v / static_cast<double>(c.nbin);
    for (double v : prof) ss += (v - mean) * (v - mean);
    const double chi2 = ss / var / static_cast<double>(c.nbin - 1);
    profile_chi2 += chi2 / static_cast<double>(folds.size());
    std::printf("P %.6f s DM %.1f: redchi2 at the folded model %.3f, optimised %.3f (snr %.2f)\n",
                c.model.period_s(), c.model.dm, chi2, f.best.redchi2, f.best.snr);
  }
  cell_chi2 /= cells;
  std::printf("mean reduced chi-square: profiles %.4f, cells %.4f\n", profile_chi2, cell_chi2);
  EXPECT_NEAR(profile_chi2, 1.0, 0.22);
  EXPECT_NEAR(cell_chi2, 1.0, 0.02);
}

TEST(FoldPulsar, NoiseDiodeDoesNotDeflateTheProfileSnr) {
  // The FAST noise diode, a 0.3 sigma square wave at 4.967 Hz in every channel, adds
  // 0.15^2 x 64^2 = 92 to the plain variance (64) of a 64-channel subband series: a variance
  // taken that way would cut every profile S/N by sqrt(64 / 156) = 0.64. bin_var is the white
  // noise's (first differences), so the pulsar's S/N with the diode stays that without it
  // (same noise seed); 0.9 leaves room for the diode's residue in the profile's baseline.
  TempDir dir;
  Injection in;
  in.snr = 30;
  PipelineConfig config = fold_test_config();
  config.fold.nsubband = 1;
  double snr[2] = {0, 0};
  for (int diode = 0; diode < 2; ++diode) {
    SimConfig sim = injection_config(in, 90);
    sim.rfi.noise_diode.enabled = diode == 1;
    sim.rfi.noise_diode.amplitude_sigma = 0.3;
    Simulated s = simulate_beam(dir, sim, diode ? "diode" : "clean");
    FoldRequest r;
    r.model = s.truth;
    FoldRunOptions options;
    options.threads = 2;
    snr[diode] = fold_beam(*s.reader, config, {r}, options).front().best.snr;
  }
  std::printf("profile S/N without the diode %.2f, with it %.2f\n", snr[0], snr[1]);
  EXPECT_GT(snr[1], 0.9 * snr[0]);
}

// The built-in sample's case: a slow pulsar under FAST's noise diode (0.3 sigma, 50% duty,
// broadband). Without zero-DM the optimiser, searching +-2 turns of DM (+-200 pc cm^-3 at
// 0.25 s) and +-1 turn of fdot, can end on the diode's beat at low DM with a larger profile
// S/N than the pulsar's; fold.zero_dm removes the diode and keeps it on the pulsar. Folded
// from 0.6 frequency steps and 3 DM units off, 3 seeds: every window must hold in every seed
// (without zero-DM 2 of these 3 seeds end 50-65 DM units off, on the diode).
TEST(FoldPulsar, SlowPulsarUnderTheNoiseDiodeWithZeroDm) {
  TempDir dir;
  Injection in;
  in.period_s = 0.25;
  in.dm = 70;
  in.snr = 30;
  in.duration_s = 20;
  in.nchan = 512;
  in.tsamp_s = 2e-4;
  PipelineConfig config = fold_test_config();
  config.fold.zero_dm = true;
  for (int seed = 1; seed <= 3; ++seed) {
    SimConfig sim = injection_config(in, 700 + static_cast<uint64_t>(seed));
    sim.rfi.noise_diode.enabled = true;
    sim.rfi.noise_diode.amplitude_sigma = 0.3;
    Simulated s = simulate_beam(dir, sim, "diode" + std::to_string(seed));
    FoldRequest r;
    r.model = s.truth;
    const double T = s.reader->info().duration_s();
    r.model.freq_hz += 0.6 / (64 * T);
    r.model.dm += 3.0;
    FoldRunOptions options;
    options.threads = 2;
    const FoldedCandidate f = fold_beam(*s.reader, config, {r}, options).front();
    const Verdict v = judge(f, s, fmt::format("diode, zero-DM, seed {}", seed).c_str());
    EXPECT_TRUE(v.freq && v.fdot && v.dm) << "seed " << seed;
    // Zero-DM takes the part of the pulse that is common to all channels at once: at DM 70
    // the sweep across the band is most of a period, so little is lost.
    EXPECT_GT(f.best.snr, 0.7 * s.ideal_snr) << "seed " << seed;
  }
}

TEST(FoldPulsar, RefusesRequestsItCannotFold) {
  TempDir dir;
  Injection in;
  in.duration_s = 2;
  Simulated s = simulate_beam(dir, injection_config(in, 5), "bad");
  FoldRunOptions options;
  auto error_of = [&](FoldModel m) -> std::string {
    FoldRequest r;
    r.model = m;
    r.meta.rank = 7;
    try {
      fold_beam(*s.reader, fold_test_config(), {r}, options);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadInput);
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of({2000.0, 0, 10, 1}).find("candidate 7: spin frequency 2000"),
            std::string::npos);  // above Nyquist (1000 Hz)
  EXPECT_NE(error_of({10.0, 0, -1, 1}).find("DM -1"), std::string::npos);
  EXPECT_NE(error_of({10.0, -20.0, 10, 1}).find("negative"), std::string::npos);
}

}  // namespace
}  // namespace tianyan::test
