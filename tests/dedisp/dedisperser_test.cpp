// Dedispersion kernels: brute force against a naive loop, the subband algorithm against brute
// force at its own delays, gulp boundaries, thread counts, the factory's errors.
#include "kernels/dedisp/dedisperser.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "io/gulp.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/delay_table.hpp"
#include "tests/dedisp/dedisp_test_util.hpp"

namespace tianyan {
namespace {

using test::gaussian_noise;
using test::trial_row;

// 128 channels over 1100-1500 MHz at 200 us, DM 0-400: four plan steps, downsample 1 to 4,
// subband groups of several trials. Small enough for a debug build.
struct Case {
  BandGeometry band = BandGeometry::from_edges(1100, 1500, 128, 200e-6);
  DmPlan plan;
  Case() {
    DmPlanConfig cfg;
    cfg.dm_hi = 400;
    plan = make_dm_plan(band, cfg);
  }
  DedispSetup setup(DedispAlgorithm algo, uint64_t max_nfresh, int threads = 1) const {
    return make_dedisp_setup(plan, band.freqs_mhz(), max_nfresh, threads, algo);
  }
};

std::vector<float> run(Dedisperser& d, const std::vector<float>& in, size_t nchan,
                       uint64_t nfresh) {
  std::vector<float> out(d.output_size(), 0.0f);
  d.execute(in.data(), in.size() / nchan, nfresh, out.data());
  return out;
}

TEST(Dedisperser, PlanHasSeveralStepsAndGroups) {
  const Case k;
  EXPECT_GE(k.plan.steps.size(), 3u);
  EXPECT_GE(k.plan.max_downsample(), 4);
  EXPECT_GT(k.plan.trials().back().group, 10);
}

// The reference against the definition, evaluated in double by the most naive loop.
TEST(Dedisperser, BruteForceMatchesNaiveSum) {
  const Case k;
  const uint64_t nfresh = 1024;
  auto d = make_dedisperser(Backend::Cpu, k.setup(DedispAlgorithm::BruteForce, nfresh));
  const size_t nchan = 128;
  const std::vector<float> in = gaussian_noise(nfresh + d->overlap(), nchan, 1);
  const std::vector<float> out = run(*d, in, nchan, nfresh);
  const std::vector<DmTrial> trials = k.plan.trials();
  for (size_t t = 0; t < trials.size(); t += 37) {
    const std::vector<int32_t> delays = channel_delays(trials[t].dm, k.band.freqs_mhz(), 200e-6);
    EXPECT_EQ(d->trial_delays(t), delays);
    const int ds = trials[t].downsample;
    for (uint64_t j = 0; j < nfresh / ds; ++j) {
      double want = 0;
      for (size_t c = 0; c < nchan; ++c) {
        for (int s = 0; s < ds; ++s) want += in[(j * ds + s + delays[c]) * nchan + c];
      }
      ASSERT_NEAR(out[d->output_offset(t) + j], want, 1e-3) << "trial " << t << " j " << j;
    }
  }
  const double dm_max = trials.back().dm;
  EXPECT_EQ(d->overlap(), static_cast<uint64_t>(
                              delay_samples(dm_max, k.band.f_lo_mhz, k.band.f_hi_mhz(), 200e-6)));
}

// The subband algorithm applies effective delays d1(coarse DM) + d2(fine DM); given those
// delays, its output must equal the direct sum up to float rounding of a different summation
// order (1e-3 on outputs of sigma sqrt(128 ds) >= 11: relative 1e-4).
TEST(Dedisperser, SubbandEqualsDirectSumAtItsDelaysOnNoise) {
  const Case k;
  const uint64_t nfresh = 2048;
  const DedispSetup setup = k.setup(DedispAlgorithm::Subband, nfresh);
  auto d = make_dedisperser(Backend::Cpu, setup);
  const size_t nchan = 128;
  const std::vector<float> in = gaussian_noise(nfresh + d->overlap(), nchan, 2);
  const std::vector<float> out = run(*d, in, nchan, nfresh);
  std::vector<int32_t> delays;
  std::vector<int> ds;
  for (size_t t = 0; t < d->num_trials(); ++t) {
    const std::vector<int32_t> dt = d->trial_delays(t);
    delays.insert(delays.end(), dt.begin(), dt.end());
    ds.push_back(setup.trials[t].downsample);
  }
  std::vector<float> ref(d->output_size(), 0.0f);
  dedisperse_direct(in.data(), nchan, in.size() / nchan, nfresh, delays, ds, nfresh, 1, ref.data());
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    worst = std::max(worst, double{std::abs(ref[i] - out[i])});
  EXPECT_LT(worst, 1e-3);
}

// Effective delays stay within the subband smearing of the exact ones: channel c of subband s
// is off by at most the dispersion across [f_c, f_top(s)] at the group's coarse-DM error (half
// the group's DM span) plus 1.5 samples: round(a') + round(b) - round(a + b) with three
// roundings of at most half a sample each.
TEST(Dedisperser, SubbandDelaysWithinSubbandSmearing) {
  const Case k;
  const DedispSetup setup = k.setup(DedispAlgorithm::Subband, 1024);
  auto d = make_dedisperser(Backend::Cpu, setup);
  const std::vector<double> f = k.band.freqs_mhz();
  const size_t per_sub = f.size() / static_cast<size_t>(k.plan.nsub);
  size_t first = 0;
  int worst = 0;
  for (size_t t = 0; t < setup.trials.size(); ++t) {
    if (setup.trials[t].group != setup.trials[first].group) first = t;
    size_t last = first;
    while (last + 1 < setup.trials.size() &&
           setup.trials[last + 1].group == setup.trials[t].group) {
      ++last;
    }
    const double half_span = 0.5 * (setup.trials[last].dm - setup.trials[first].dm);
    const std::vector<int32_t> exact = channel_delays(setup.trials[t].dm, f, setup.tsamp_s);
    const std::vector<int32_t> eff = d->trial_delays(t);
    for (size_t c = 0; c < f.size(); ++c) {
      const double f_ref = f[(c / per_sub + 1) * per_sub - 1];
      const double bound = dispersion_delay_s(half_span, f[c], f_ref) / setup.tsamp_s + 1.5;
      ASSERT_LE(std::abs(eff[c] - exact[c]), bound) << "trial " << t << " channel " << c;
      worst = std::max(worst, std::abs(eff[c] - exact[c]));
    }
  }
  EXPECT_GE(worst, 1);  // the test would be vacuous if the groups were single trials
}

// Gulps of G fresh samples through GulpStream give, concatenated, the one-shot output, bit for
// bit: every output sample is summed from the same inputs in the same order.
void check_gulps(DedispAlgorithm algo) {
  const Case k;
  const uint64_t gulp = 512;
  const uint64_t ngulps = 4;
  const size_t nchan = 128;
  auto whole = make_dedisperser(Backend::Cpu, k.setup(algo, gulp * ngulps));
  auto piece = make_dedisperser(Backend::Cpu, k.setup(algo, gulp));
  ASSERT_EQ(whole->overlap(), piece->overlap());
  const std::vector<float> data = gaussian_noise(gulp * ngulps + whole->overlap(), nchan, 3);
  const std::vector<float> one = run(*whole, data, nchan, gulp * ngulps);

  test::ArrayReader reader(&data, k.band.freqs_mhz(), 200e-6);
  GulpStream stream(reader, gulp, piece->overlap(), 0, gulp * ngulps);
  std::vector<std::vector<float>> rows(piece->num_trials());
  std::vector<float> out(piece->output_size());
  Gulp g;
  const std::vector<DmTrial> trials = k.plan.trials();
  while (stream.next(g)) {
    piece->execute(g.data.data(), g.nsamp, g.nfresh, out.data());
    for (size_t t = 0; t < rows.size(); ++t) {
      const std::vector<float> r = trial_row(*piece, out, t, g.nfresh, trials[t].downsample);
      rows[t].insert(rows[t].end(), r.begin(), r.end());
    }
  }
  for (size_t t = 0; t < rows.size(); ++t) {
    ASSERT_EQ(rows[t], trial_row(*whole, one, t, gulp * ngulps, trials[t].downsample))
        << "trial " << t;
  }
}

TEST(Dedisperser, GulpsEqualOneShotBruteForce) { check_gulps(DedispAlgorithm::BruteForce); }
TEST(Dedisperser, GulpsEqualOneShotSubband) { check_gulps(DedispAlgorithm::Subband); }

void check_threads(DedispAlgorithm algo) {
  const Case k;
  const uint64_t nfresh = 2048;
  auto one = make_dedisperser(Backend::Cpu, k.setup(algo, nfresh, 1));
  auto two = make_dedisperser(Backend::Cpu, k.setup(algo, nfresh, 2));
  const std::vector<float> in = gaussian_noise(nfresh + one->overlap(), 128, 4);
  EXPECT_EQ(run(*one, in, 128, nfresh), run(*two, in, 128, nfresh));
}

TEST(Dedisperser, SameBitsAtOneAndTwoThreadsBruteForce) {
  check_threads(DedispAlgorithm::BruteForce);
}
TEST(Dedisperser, SameBitsAtOneAndTwoThreadsSubband) { check_threads(DedispAlgorithm::Subband); }

TEST(Dedisperser, ReportsWorkspace) {
  const Case k;
  auto d = make_dedisperser(Backend::Cpu, k.setup(DedispAlgorithm::Subband, 1024, 2));
  // At least the channel-major copy of one gulp plus its look-ahead.
  EXPECT_GE(d->workspace_bytes(), 128 * (1024 + d->overlap()) * sizeof(float));
  EXPECT_EQ(d->num_trials(), static_cast<size_t>(k.plan.num_trials()));
}

// Where no GPU can run it, Backend::Cuda is an error saying why, never a CPU run.
TEST(Dedisperser, CudaWithoutAGpuIsAnErrorNotAFallback) {
  const CudaStatus status = query_cuda_devices();
  if (!cuda_device_problem(0, status)) {
    GTEST_SKIP() << "CUDA device 0 is usable here: dedisp_backend_parity_test covers it";
  }
  const Case k;
  try {
    make_dedisperser(Backend::Cuda, k.setup(DedispAlgorithm::Subband, 1024));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Environment);
    EXPECT_NE(std::string(e.what()).find("the CUDA dedisperser cannot run: " + status.problem),
              std::string::npos)
        << e.what();
  }
}

TEST(Dedisperser, RejectsBadSetupsAndCalls) {
  const Case k;
  DedispSetup s = k.setup(DedispAlgorithm::Subband, 1024);
  DedispSetup descending = s;
  std::reverse(descending.freqs_mhz.begin(), descending.freqs_mhz.end());
  EXPECT_THROW(make_dedisperser(Backend::Cpu, descending), Error);
  DedispSetup odd = s;
  odd.trials[0].downsample = 3;
  EXPECT_THROW(make_dedisperser(Backend::Cpu, odd), Error);
  DedispSetup negative = s;
  negative.trials[0].dm = -1;
  EXPECT_THROW(make_dedisperser(Backend::Cpu, negative), Error);
  auto d = make_dedisperser(Backend::Cpu, s);
  std::vector<float> in((1024 + d->overlap()) * 128), out(d->output_size());
  try {
    d->execute(in.data(), 1024 + d->overlap(), 1022, out.data());  // not a multiple of 4
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
  }
  EXPECT_THROW(d->execute(in.data(), 1024, 1024, out.data()), Error);  // no look-ahead
}

}  // namespace
}  // namespace tianyan
