// A dispersed pulse: it peaks at the DM trial nearest its true DM, with the S/N that the plan's
// smearing predicts (model in docs/dedispersion.md, "Expected S/N"), for both algorithms.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "kernels/common/dispersion.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "tests/dedisp/dedisp_test_util.hpp"

namespace tianyan {
namespace {

constexpr double kTsamp = 100e-6;
constexpr double kSigma = 0.15e-3;  // intrinsic Gaussian sigma (FWHM 0.35 ms)
constexpr double kT0 = 0.2;         // arrival time at the top channel, s
constexpr uint64_t kNfresh = 8192;

BandGeometry band() { return BandGeometry::from_edges(1100, 1500, 256, kTsamp); }

// Noiseless filterbank of a Gaussian pulse (amplitude 1 per channel) at `dm`, with the
// dispersion sweep inside each channel (a boxcar of t_chan(f_c)) and the integration over each
// sample, both done numerically on an 8 x 8 grid.
std::vector<float> inject(double dm, uint64_t nsamp) {
  const std::vector<double> f = band().freqs_mhz();
  const size_t nchan = f.size();
  std::vector<float> data(nsamp * nchan, 0.0f);
  constexpr int kSub = 8;
  for (size_t c = 0; c < nchan; ++c) {
    const double t_arr = kT0 + dispersion_delay_s(dm, f[c], f.back());
    const double w = channel_smearing_s(dm, band().chan_bw_mhz, f[c]);
    const double reach = 6 * kSigma + w;
    const auto i0 = static_cast<uint64_t>(std::max(0.0, (t_arr - reach) / kTsamp));
    const auto i1 = std::min(nsamp, static_cast<uint64_t>((t_arr + reach) / kTsamp) + 1);
    for (uint64_t i = i0; i < i1; ++i) {
      double sum = 0;
      for (int u = 0; u < kSub; ++u) {
        const double t = (static_cast<double>(i) + (u + 0.5) / kSub) * kTsamp;
        for (int q = 0; q < kSub; ++q) {
          const double x = t - t_arr - ((q + 0.5) / kSub - 0.5) * w;
          sum += std::exp(-x * x / (2 * kSigma * kSigma));
        }
      }
      data[i * nchan + c] = static_cast<float>(sum / (kSub * kSub));
    }
  }
  return data;
}

// Matched-filter S/N of a noiseless dedispersed series whose noise sigma is sqrt(nchan ds).
double series_snr(const std::vector<float>& y, size_t nchan, int ds) {
  double s2 = 0;
  for (float v : y) s2 += double{v} * v;
  return std::sqrt(s2 / (static_cast<double>(nchan) * ds));
}

// The model: the dedispersed pulse is a Gaussian whose variance is the intrinsic one plus
// w^2/12 for every boxcar smearing w (output sample, delay rounding, channel sweep at f_ctr,
// DM error across the band, subband DM error); a Gaussian of fluence F (input-sample units)
// and sigma s has matched-filter S/N F / sqrt(2 sqrt(pi) s nchan / tsamp).
double predicted_snr(const DmPlanStep& step, double dm, double dm_err, bool subband) {
  const BandGeometry b = band();
  const double t_samp = step.t_samp_s;
  const double t_chan = channel_smearing_s(dm, b.chan_bw_mhz, b.f_ctr_mhz());
  const double t_dm = 2 * dm_step_smearing_s(dm_err, b);  // k |dDM| (f_lo^-2 - f_hi^-2)
  const double t_sub = subband ? step.t_sub_s : 0.0;
  const double var =
      kSigma * kSigma +
      (t_samp * t_samp + kTsamp * kTsamp + t_chan * t_chan + t_dm * t_dm + t_sub * t_sub) / 12;
  const double nchan = b.nchan;
  const double fluence = nchan * kSigma * std::sqrt(2 * std::numbers::pi) / kTsamp;
  return fluence / std::sqrt(2 * std::sqrt(std::numbers::pi) * std::sqrt(var) * nchan / kTsamp);
}

struct PulseResult {
  size_t best = 0;
  std::vector<double> snr;
};

PulseResult search(const DmPlan& plan, DedispAlgorithm algo, double dm) {
  const DedispSetup setup = make_dedisp_setup(plan, band().freqs_mhz(), kNfresh, 2, algo);
  auto d = make_dedisperser(Backend::Cpu, setup);
  const std::vector<float> in = inject(dm, kNfresh + d->overlap());
  std::vector<float> out(d->output_size());
  d->execute(in.data(), kNfresh + d->overlap(), kNfresh, out.data());
  PulseResult r;
  for (size_t t = 0; t < setup.trials.size(); ++t) {
    const int ds = setup.trials[t].downsample;
    r.snr.push_back(series_snr(test::trial_row(*d, out, t, kNfresh, ds), 256, ds));
    if (r.snr[t] > r.snr[r.best]) r.best = t;
  }
  return r;
}

// Places the pulse a quarter step above a trial in the middle of plan step `step_index`.
void check_pulse(size_t step_index) {
  DmPlanConfig cfg;
  cfg.dm_hi = 250;
  const DmPlan plan = make_dm_plan(band(), cfg);
  ASSERT_GT(plan.steps.size(), step_index);
  const DmPlanStep& step = plan.steps[step_index];
  const int64_t local = step.ndm / 2;
  const double dm_trial = step.dm_lo + static_cast<double>(local) * step.ddm;
  const double dm = dm_trial + 0.25 * step.ddm;
  size_t nearest = static_cast<size_t>(local);
  for (size_t s = 0; s < step_index; ++s) nearest += static_cast<size_t>(plan.steps[s].ndm);

  for (DedispAlgorithm algo : {DedispAlgorithm::BruteForce, DedispAlgorithm::Subband}) {
    const bool sub = algo == DedispAlgorithm::Subband;
    const PulseResult r = search(plan, algo, dm);
    EXPECT_EQ(r.best, nearest) << (sub ? "subband" : "brute force") << " DM " << dm;
    const double want = predicted_snr(step, dm, 0.25 * step.ddm, sub);
    EXPECT_NEAR(r.snr[nearest] / want, 1.0, 0.10)
        << (sub ? "subband" : "brute force") << " DM " << dm << " S/N " << r.snr[nearest]
        << " predicted " << want << " ds " << step.downsample;
  }
}

TEST(DedispPulse, PeaksAtNearestTrialWithPredictedSnrFirstStep) { check_pulse(0); }
TEST(DedispPulse, PeaksAtNearestTrialWithPredictedSnrDownsampledStep) { check_pulse(3); }

// The fast path loses at most a few per cent of the brute-force S/N near the peak.
TEST(DedispPulse, SubbandSnrCloseToBruteForce) {
  DmPlanConfig cfg;
  cfg.dm_hi = 250;
  const DmPlan plan = make_dm_plan(band(), cfg);
  const double dm = 123.456;
  const PulseResult brute = search(plan, DedispAlgorithm::BruteForce, dm);
  const PulseResult fast = search(plan, DedispAlgorithm::Subband, dm);
  EXPECT_EQ(brute.best, fast.best);
  EXPECT_NEAR(fast.snr[fast.best] / brute.snr[brute.best], 1.0, 0.03);
}

}  // namespace
}  // namespace tianyan
