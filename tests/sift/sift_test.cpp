// Sifting: merging across DM and acceleration trials, the DM-hit and DM-0 rules, harmonic
// removal, ranking, determinism and scaling to a million candidates.
#include "kernels/search/sift.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/common/error.hpp"

namespace tianyan::test {
namespace {

constexpr double kTobs = 100.0;  // s: one Fourier bin is 0.01 Hz
constexpr double kDmStep = 0.5;  // pc cm^-3 between trials

Candidate cand(double freq_hz, double sigma, size_t dm_index, double tobs = kTobs) {
  Candidate c;
  c.freq_hz = freq_hz;
  c.r_bins = freq_hz * tobs;
  c.sigma = sigma;
  c.power = sigma * sigma;
  c.snr = sigma;
  c.dm_index = dm_index;
  c.dm = static_cast<double>(dm_index) * kDmStep;
  c.tobs_s = tobs;
  return c;
}

// A signal seen in DM trials center-half..center+half, sigma falling by 1 per trial away from
// the peak, the frequency scattered by up to `jitter_bins` as refinement does.
void add_signal(std::vector<Candidate>& out, double freq_hz, double peak_sigma, size_t center,
                size_t half, double jitter_bins = 0.3) {
  for (size_t k = center - half; k <= center + half; ++k) {
    const double off = static_cast<double>(k) - static_cast<double>(center);
    const double jitter = k == center ? 0.0 : jitter_bins * (off > 0 ? 1 : -1) / kTobs;
    out.push_back(cand(freq_hz + jitter, peak_sigma - std::abs(off), k));
  }
}

TEST(Sift, MergesAPulsarAcrossDmTrialsIntoItsPeak) {
  std::vector<Candidate> in;
  add_signal(in, 7.31, 20.0, 40, 3);
  const auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dm_hits, 7);
  EXPECT_EQ(out[0].dm_index, 40u);
  EXPECT_DOUBLE_EQ(out[0].dm, 20.0);
  EXPECT_DOUBLE_EQ(out[0].sigma, 20.0);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, 7.31);
}

TEST(Sift, AccelerationTrialsOfOneDmCountAsOneHit) {
  std::vector<Candidate> in;
  for (size_t dm = 10; dm < 13; ++dm) {
    for (int a = -2; a <= 2; ++a) {
      Candidate c = cand(3.3 + 0.002 * a, 10.0 - std::abs(a), dm);
      c.accel_ms2 = 5.0 * a;
      in.push_back(c);
    }
  }
  const auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dm_hits, 3);
  EXPECT_DOUBLE_EQ(out[0].accel_ms2, 0.0);
}

TEST(Sift, SignalsThreeBinsApartStaySeparate) {
  std::vector<Candidate> in;
  add_signal(in, 10.0, 15.0, 30, 2, 0.0);
  add_signal(in, 10.03, 12.0, 30, 2, 0.0);
  const auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, 10.0);
  EXPECT_DOUBLE_EQ(out[1].freq_hz, 10.03);
  EXPECT_EQ(out[0].dm_hits, 5);
  EXPECT_EQ(out[1].dm_hits, 5);

  // One bin apart is within merge_bins 1.1: the same signal.
  in.clear();
  add_signal(in, 10.0, 15.0, 30, 2, 0.0);
  add_signal(in, 10.01, 12.0, 30, 2, 0.0);
  const auto merged = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].dm_hits, 5);
}

TEST(Sift, ToleranceIsThatOfTheStrongerCandidate) {
  // 0.005 Hz is 0.5 bin of a 100 s series but 5 bins of a 1000 s one.
  std::vector<Candidate> in = {cand(5.0, 12.0, 20, 100.0), cand(5.005, 11.0, 21, 1000.0)};
  auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dm_hits, 2);

  in = {cand(5.0, 12.0, 20, 1000.0), cand(5.005, 11.0, 21, 100.0)};
  SiftConfig cfg;
  cfg.min_dm_hits = 1;
  out = sift_candidates(in, cfg);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].dm_hits, 1);
}

TEST(Sift, MergesIntoTheStrongestOfTheKeptCandidatesInReach) {
  // 10.0 and 10.012 are 1.2 bins apart, so both are kept; 10.006 is within reach of either.
  std::vector<Candidate> in;
  add_signal(in, 10.0, 20.0, 40, 1, 0.0);
  add_signal(in, 10.012, 15.0, 40, 1, 0.0);
  in.push_back(cand(10.006, 6.0, 42));
  SiftConfig cfg;
  cfg.max_harmonic = 0;
  const auto out = sift_candidates(in, cfg);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].dm_hits, 4);
  EXPECT_EQ(out[1].dm_hits, 3);
}

TEST(Sift, DropsSingleAndNonContiguousHits) {
  std::vector<Candidate> in = {cand(2.0, 9.0, 17),                       // one hit
                               cand(3.7, 9.0, 13), cand(3.7, 8.0, 19),   // 13 and 19
                               cand(5.3, 9.0, 13), cand(5.3, 8.0, 14)};  // 13 and 14
  auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, 5.3);
  EXPECT_EQ(out[0].dm_hits, 2);

  // Three hits of which only two are adjacent: the longest run decides, not the count.
  in = {cand(4.1, 9.0, 13), cand(4.1, 8.0, 14), cand(4.1, 7.0, 19)};
  SiftConfig cfg;
  cfg.min_dm_hits = 3;
  EXPECT_TRUE(sift_candidates(in, cfg).empty());
  cfg.min_dm_hits = 2;
  out = sift_candidates(in, cfg);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dm_hits, 3);
}

TEST(Sift, DropsSignalsPeakingAtOrBelowMinDm) {
  std::vector<Candidate> in;
  // Peaked at DM 0 (index 0), seen out to index 4.
  for (size_t k = 0; k < 5; ++k) in.push_back(cand(4.967, 30.0 - static_cast<double>(k), k));
  add_signal(in, 6.11, 14.0, 4, 2);  // peak at DM 2.0 = min_dm: not above it
  add_signal(in, 8.23, 13.0, 5, 2);  // peak at DM 2.5
  const auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, 8.23);
  EXPECT_DOUBLE_EQ(out[0].dm, 2.5);
}

TEST(Sift, DropsWeakCandidatesBeforeMerging) {
  std::vector<Candidate> in = {cand(9.1, 8.0, 10), cand(9.1, 4.9, 9), cand(9.1, 4.9, 11),
                               cand(12.7, 4.9, 20), cand(12.7, 4.8, 21)};
  // The neighbours of the 8-sigma peak are below min_sigma, so it has a single hit.
  EXPECT_TRUE(sift_candidates(in, SiftConfig{}).empty());
  SiftConfig cfg;
  cfg.min_sigma = 4.85;
  const auto out = sift_candidates(in, cfg);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, 9.1);
  EXPECT_EQ(out[0].dm_hits, 3);
}

TEST(Sift, RemovesHarmonicsOfAStrongerCandidate) {
  const double f = 7.3;
  std::vector<Candidate> in;
  add_signal(in, f, 20.0, 40, 2);
  add_signal(in, 2 * f + 0.015, 15.0, 40, 2);  // 1.5 bins off, within 2 x 1.1
  add_signal(in, f / 2, 12.0, 40, 2);
  add_signal(in, 1.5 * f, 11.0, 40, 2);
  add_signal(in, 5.0 / 3.0 * f, 10.0, 40, 2);
  add_signal(in, 1.618 * f, 9.0, 40, 2);     // unrelated
  add_signal(in, 3 * f + 0.05, 8.5, 40, 2);  // 5 bins off 3f: beyond 3 x 1.1
  const auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, f);
  EXPECT_DOUBLE_EQ(out[1].freq_hz, 1.618 * f);
  EXPECT_DOUBLE_EQ(out[2].freq_hz, 3 * f + 0.05);

  // Without the harmonic step every one of them is a separate survivor.
  SiftConfig cfg;
  cfg.max_harmonic = 0;
  EXPECT_EQ(sift_candidates(in, cfg).size(), 5u);  // 3/2 and 5/3 are fixed ratios
}

// A 32-harmonic sum at 2/7 f picks up f's harmonics 1..4 with its harmonics 7, 14, 21, 28:
// an alias of f, dropped; the same frequency summed over only 4 harmonics cannot reach f and
// is kept, as is an unrelated frequency summed over 32.
TEST(Sift, RemovesAliasesThatAHarmonicSumBuiltFromAStrongerSignal) {
  const double f = 7.3;
  auto with_nharm = [](std::vector<Candidate> v, int nharm) {
    for (Candidate& c : v) c.nharm = nharm;
    return v;
  };
  std::vector<Candidate> strong, alias, unrelated;
  add_signal(strong, f, 20.0, 40, 2);
  add_signal(alias, 2.0 / 7.0 * f, 9.0, 40, 2);
  add_signal(unrelated, 1.618 * f, 8.0, 40, 2);
  std::vector<Candidate> in = strong;
  for (const Candidate& c : with_nharm(alias, 32)) in.push_back(c);
  for (const Candidate& c : with_nharm(unrelated, 32)) in.push_back(c);
  auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, f);
  EXPECT_DOUBLE_EQ(out[1].freq_hz, 1.618 * f);

  in = strong;
  for (const Candidate& c : with_nharm(alias, 4)) in.push_back(c);
  out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[1].freq_hz, 2.0 / 7.0 * f);
}

TEST(Sift, RemovesHighHarmonicsUpToMaxHarmonic) {
  const double f = 1.37;
  std::vector<Candidate> in;
  add_signal(in, f, 20.0, 40, 2);
  add_signal(in, 16 * f, 12.0, 40, 2);
  add_signal(in, f / 16, 11.0, 40, 2);
  EXPECT_EQ(sift_candidates(in, SiftConfig{}).size(), 1u);
  SiftConfig cfg;
  cfg.max_harmonic = 15;
  EXPECT_EQ(sift_candidates(in, cfg).size(), 3u);
}

TEST(Sift, AStrongerHarmonicReplacesItsFundamental) {
  const double f = 4.41;
  std::vector<Candidate> in;
  add_signal(in, f, 10.0, 40, 2);
  add_signal(in, 2 * f, 20.0, 40, 2);
  const auto out = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].freq_hz, 2 * f);
  EXPECT_DOUBLE_EQ(out[0].sigma, 20.0);
}

// Ten frequencies with no pair near a harmonic ratio of each other.
const std::vector<double> kUnrelated = {11.17, 13.91, 17.03, 19.87, 23.41,
                                        29.63, 31.07, 37.29, 41.53, 43.97};

TEST(Sift, RanksBySigmaAndKeepsMaxCandidates) {
  const std::vector<double> sigmas = {9, 14, 7, 21, 11, 16, 8, 12, 19, 10};
  std::vector<Candidate> in;
  for (size_t i = 0; i < kUnrelated.size(); ++i) add_signal(in, kUnrelated[i], sigmas[i], 40, 1);
  const auto all = sift_candidates(in, SiftConfig{});
  ASSERT_EQ(all.size(), kUnrelated.size());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i - 1].sigma, all[i].sigma);

  SiftConfig cfg;
  cfg.max_candidates = 4;
  const auto top = sift_candidates(in, cfg);
  ASSERT_EQ(top.size(), 4u);
  const std::vector<double> expected = {21, 19, 16, 14};
  for (size_t i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(top[i].sigma, expected[i]) << i;
  EXPECT_DOUBLE_EQ(top[0].freq_hz, 19.87);
}

std::vector<Candidate> busy_input() {
  std::vector<Candidate> in;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> freq(0.5, 50.0);
  std::uniform_real_distribution<double> sig(5.0, 9.0);
  // Narrow in DM, so that many noise groups have adjacent hits and survive to be ranked.
  std::uniform_int_distribution<size_t> dm(5, 15);
  while (in.size() < 3000) {
    const double f = freq(rng);
    // Away from the tied signal below, whose hit count the test checks.
    if (std::abs(f - 3.143) > 0.05) in.push_back(cand(f, sig(rng), dm(rng)));
  }
  add_signal(in, 7.3, 25.0, 40, 4);
  add_signal(in, 14.6, 18.0, 40, 3);
  // Exact ties in sigma: the order between them must come from the frequency, then the DM.
  for (size_t k = 20; k < 24; ++k) {
    in.push_back(cand(3.141, 13.0, k));
    in.push_back(cand(3.145, 13.0, k - 1));  // a lower trial: frequency decides first
    in.push_back(cand(3.141, 13.0, k + 30));
  }
  return in;
}

bool same(const Candidate& a, const Candidate& b) {
  return a.freq_hz == b.freq_hz && a.sigma == b.sigma && a.dm_index == b.dm_index &&
         a.dm_hits == b.dm_hits && a.accel_ms2 == b.accel_ms2 && a.dm == b.dm;
}

TEST(Sift, ResultDoesNotDependOnInputOrder) {
  std::vector<Candidate> in = busy_input();
  SiftConfig cfg;
  cfg.max_candidates = 100000;
  const auto reference = sift_candidates(in, cfg);
  ASSERT_GT(reference.size(), 5u);
  std::mt19937_64 rng(12345);
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(in.begin(), in.end(), rng);
    const auto out = sift_candidates(in, cfg);
    ASSERT_EQ(out.size(), reference.size()) << trial;
    for (size_t i = 0; i < out.size(); ++i) EXPECT_TRUE(same(out[i], reference[i])) << i;
  }
  // The tied group leads with the lower frequency at the lower DM trial.
  const auto tied = std::find_if(reference.begin(), reference.end(),
                                 [](const Candidate& c) { return c.sigma == 13.0; });
  ASSERT_NE(tied, reference.end());
  EXPECT_DOUBLE_EQ(tied->freq_hz, 3.141);
  // Its DM is the middle of the trials within 1 sigma of the peak, in the run 19..23.
  EXPECT_GE(tied->dm_index, 19u);
  EXPECT_LE(tied->dm_index, 23u);
  EXPECT_EQ(tied->dm_hits, 9);  // 19..23 and 50..53
}

TEST(Sift, HandlesAMillionCandidates) {
  // A quadratic merge would not finish within the test timeout at this size.
  constexpr double kLong = 500.0;
  std::vector<Candidate> in;
  in.reserve(1000000);
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> jitter(-0.5 / kLong, 0.5 / kLong);
  for (size_t dm = 0; dm < 1000; ++dm) {
    for (int a = 0; a < 50; ++a) {
      const double peak =
          30.0 - std::abs(static_cast<double>(dm) - 500.0) * 0.02 - static_cast<double>(a) * 0.01;
      in.push_back(cand(123.456 + jitter(rng), peak, dm, kLong));
    }
  }
  std::uniform_real_distribution<double> freq(0.1, 1000.0);
  std::uniform_real_distribution<double> sig(5.0, 7.0);
  std::uniform_int_distribution<size_t> dm(0, 1499);
  while (in.size() < 1000000) {
    const double f = freq(rng);
    // Noise merged into the pulsar would add DM hits of its own.
    if (std::abs(f - 123.456) > 0.01) in.push_back(cand(f, sig(rng), dm(rng), kLong));
  }
  const auto out = sift_candidates(std::move(in), SiftConfig{});
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].dm_hits, 1000);
  EXPECT_EQ(out[0].dm_index, 500u);
  EXPECT_LE(out.size(), 200u);
}

TEST(Sift, EmptyAndInvalidInput) {
  EXPECT_TRUE(sift_candidates({}, SiftConfig{}).empty());
  SiftConfig cfg;
  cfg.max_candidates = 0;
  EXPECT_THROW(sift_candidates({}, cfg), Error);
  try {
    sift_candidates({cand(1.0, 10.0, 5, 0.0)}, SiftConfig{});
    FAIL() << "a candidate with tobs_s 0 has no tolerance";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
  }
}

}  // namespace
}  // namespace tianyan::test
