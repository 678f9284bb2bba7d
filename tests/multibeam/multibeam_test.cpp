// Multi-beam coincidence: RFI in many or scattered beams, a pulsar in a beam and its
// neighbours kept once, DM and frequency tolerances, beam 0, scans, determinism against a slow
// reference.
#include "kernels/search/multibeam.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/error.hpp"
#include "kernels/common/fast_beams.hpp"
#include "pipeline/campaign_merge.hpp"

namespace tianyan::test {
namespace {

constexpr double kTobs = 100.0;  // s: one Fourier bin is 0.01 Hz

Candidate cand(int beam, double freq_hz, double dm, double sigma, const std::string& scan = "S1") {
  Candidate c;
  c.freq_hz = freq_hz;
  c.r_bins = freq_hz * kTobs;
  c.dm = dm;
  c.sigma = sigma;
  c.snr = sigma;
  c.power = sigma * sigma;
  c.tobs_s = kTobs;
  c.beam = beam;
  c.scan = scan;
  return c;
}

std::vector<int> all_beams() {
  std::vector<int> b;
  for (int i = 1; i <= kFastNumBeams; ++i) b.push_back(i);
  return b;
}

TEST(Multibeam, RfiInAll19BeamsIsOneGroupMarkedRfi) {
  std::vector<Candidate> in;
  for (int b = 1; b <= kFastNumBeams; ++b) {
    // Refinement scatters the frequency by a fraction of a bin and the DM peak by a trial.
    in.push_back(cand(b, 50.0 + 0.004 * (b % 3), 1.0 + 0.2 * (b % 4), 20.0 + 0.1 * b));
  }
  in.push_back(cand(4, 1.7, 60.0, 9.0));  // a pulsar beside it
  const std::vector<BeamGroup> groups = multibeam_coincidence(in, CoincidenceConfig{});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_TRUE(groups[0].rfi);
  EXPECT_EQ(groups[0].beams, all_beams());
  EXPECT_EQ(groups[0].best.beam, 19);  // the strongest
  EXPECT_FALSE(groups[1].rfi);
  const std::vector<Candidate> kept = apply_multibeam(in, CoincidenceConfig{});
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].freq_hz, 1.7);
}

TEST(Multibeam, PulsarInBeam1AndTwoNeighboursKeptOnceAtStrongest) {
  for (const int strongest : {1, 2, 7}) {
    std::vector<Candidate> in = {cand(1, 1.7, 60.0, 9.0), cand(2, 1.7 + 0.3 / kTobs, 61.5, 8.0),
                                 cand(7, 1.7 - 0.5 / kTobs, 58.0, 7.0)};
    for (Candidate& c : in) {
      if (c.beam == strongest) c.sigma = 15.0;
    }
    const std::vector<BeamGroup> groups = multibeam_coincidence(in, CoincidenceConfig{});
    ASSERT_EQ(groups.size(), 1u) << "strongest beam " << strongest;
    EXPECT_FALSE(groups[0].rfi);
    EXPECT_EQ(groups[0].best.beam, strongest);
    EXPECT_EQ(groups[0].best.sigma, 15.0);
    EXPECT_EQ(groups[0].beams, (std::vector<int>{1, 2, 7}));
    ASSERT_EQ(groups[0].beam_sigma.size(), 3u);
    for (size_t k = 0; k < 3; ++k) {
      const auto it = std::find_if(
          in.begin(), in.end(), [&](const Candidate& c) { return c.beam == groups[0].beams[k]; });
      EXPECT_EQ(groups[0].beam_sigma[k], it->sigma);
    }
  }
}

TEST(Multibeam, PulsarInOuterBeam8AndNeighbours2And9) {
  const std::vector<Candidate> in = {cand(9, 0.5, 120.0, 7.5), cand(8, 0.5, 118.0, 11.0),
                                     cand(2, 0.5 + 0.8 / kTobs, 125.0, 6.5)};
  const std::vector<BeamGroup> groups = multibeam_coincidence(in, CoincidenceConfig{});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_FALSE(groups[0].rfi);
  EXPECT_EQ(groups[0].best.beam, 8);
  EXPECT_EQ(groups[0].beams, (std::vector<int>{2, 8, 9}));
  EXPECT_EQ(groups[0].beam_sigma, (std::vector<double>{6.5, 11.0, 7.5}));
}

TEST(Multibeam, DifferentPulsarsInDifferentBeamsStaySeparate) {
  const std::vector<Candidate> in = {cand(3, 1.7, 60.0, 9.0), cand(12, 2.3, 60.0, 8.0),
                                     cand(3, 5.1, 30.0, 7.0)};
  const std::vector<BeamGroup> groups = multibeam_coincidence(in, CoincidenceConfig{});
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].best.sigma, 9.0);  // ranked by sigma
  EXPECT_EQ(groups[1].best.sigma, 8.0);
  EXPECT_EQ(groups[2].best.sigma, 7.0);
  for (const BeamGroup& g : groups) {
    EXPECT_FALSE(g.rfi);
    EXPECT_EQ(g.beams.size(), 1u);
  }
}

TEST(Multibeam, ScatteredNonAdjacentBeamsAreRfiWhenNeighboursRequired) {
  // Beams 8, 14 and 11 are on opposite sides of the outer ring: no pulsar lights them together.
  ASSERT_FALSE(fast_beams_adjacent(8, 14));
  ASSERT_FALSE(fast_beams_adjacent(8, 11));
  const std::vector<Candidate> in = {cand(8, 3.0, 40.0, 9.0), cand(14, 3.0, 40.0, 8.0),
                                     cand(11, 3.0, 40.0, 7.0)};
  CoincidenceConfig cfg;
  std::vector<BeamGroup> groups = multibeam_coincidence(in, cfg);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_TRUE(groups[0].rfi);
  EXPECT_EQ(groups[0].beams, (std::vector<int>{8, 11, 14}));
  cfg.require_neighbours = false;  // then only the count (3 < 5) decides
  groups = multibeam_coincidence(in, cfg);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_FALSE(groups[0].rfi);
  // One beam that is a neighbour of a neighbour but not of the strongest is enough.
  cfg.require_neighbours = true;
  groups = multibeam_coincidence({cand(1, 3.0, 40.0, 9.0), cand(8, 3.0, 40.0, 7.0)}, cfg);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_TRUE(groups[0].rfi);
}

TEST(Multibeam, RfiMinBeamsCountsBeams) {
  CoincidenceConfig cfg;
  cfg.rfi_min_beams = 5;
  std::vector<Candidate> in;
  for (int b : {1, 2, 3, 4}) in.push_back(cand(b, 7.0, 20.0, 10.0 - b));
  ASSERT_EQ(multibeam_coincidence(in, cfg).size(), 1u);
  EXPECT_FALSE(multibeam_coincidence(in, cfg)[0].rfi);  // 4 neighbouring beams: a pulsar
  in.push_back(cand(5, 7.0, 20.0, 4.0));
  EXPECT_TRUE(multibeam_coincidence(in, cfg)[0].rfi);  // 5: RFI although all are neighbours
  cfg.rfi_min_beams = 6;
  EXPECT_FALSE(multibeam_coincidence(in, cfg)[0].rfi);
}

// The defaults keep a bright pulsar seen in its beam and all six neighbours (the simulated
// campaign's S/N 40 pulsar shows in 5 beams).
TEST(Multibeam, BrightPulsarInABeamAndAllItsNeighboursIsKept) {
  const CoincidenceConfig cfg;
  std::vector<Candidate> in;
  in.push_back(cand(1, 7.0, 20.0, 30.0));
  for (int b : {2, 3, 4, 5, 6, 7}) in.push_back(cand(b, 7.0, 20.0, 8.0 + b));
  const std::vector<BeamGroup> groups = multibeam_coincidence(in, cfg);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_FALSE(groups[0].rfi);
  EXPECT_EQ(groups[0].best.beam, 1);
  EXPECT_EQ(groups[0].beams.size(), 7u);
  in.push_back(cand(8, 7.0, 20.0, 5.0));  // an eighth beam, not a neighbour of beam 1
  EXPECT_TRUE(multibeam_coincidence(in, cfg)[0].rfi);
}

TEST(Multibeam, DmAndFrequencyTolerances) {
  const CoincidenceConfig cfg;  // 1.1 bins; max(2, 0.1 DM)
  const auto ngroups = [&](const Candidate& a, const Candidate& b) {
    return multibeam_coincidence({a, b}, cfg).size();
  };
  // Same period, different DMs: two sources.
  EXPECT_EQ(ngroups(cand(1, 1.7, 30.0, 9.0), cand(2, 1.7, 60.0, 8.0)), 2u);
  EXPECT_EQ(ngroups(cand(1, 1.7, 100.0, 9.0), cand(2, 1.7, 109.0, 8.0)), 1u);  // 9 <= 10.9
  EXPECT_EQ(ngroups(cand(1, 1.7, 100.0, 9.0), cand(2, 1.7, 112.0, 8.0)), 2u);  // 12 > 11.2
  EXPECT_EQ(ngroups(cand(1, 1.7, 5.0, 9.0), cand(2, 1.7, 6.9, 8.0)), 1u);      // dm_tol 2
  EXPECT_EQ(ngroups(cand(1, 1.7, 5.0, 9.0), cand(2, 1.7, 7.2, 8.0)), 2u);
  EXPECT_EQ(ngroups(cand(1, 1.7, 60.0, 9.0), cand(2, 1.7 + 1.0 / kTobs, 60.0, 8.0)), 1u);
  EXPECT_EQ(ngroups(cand(1, 1.7, 60.0, 9.0), cand(2, 1.7 + 1.2 / kTobs, 60.0, 8.0)), 2u);
  // A harmonic is another signal here: sifting handled harmonics within each beam.
  EXPECT_EQ(ngroups(cand(1, 1.7, 60.0, 9.0), cand(2, 3.4, 60.0, 8.0)), 2u);
}

TEST(Multibeam, OneDetectionPerBeamTheStrongest) {
  const std::vector<Candidate> in = {cand(1, 1.7, 60.0, 9.0), cand(1, 1.7, 62.0, 12.0),
                                     cand(2, 1.7, 60.0, 8.0)};
  const std::vector<BeamGroup> groups = multibeam_coincidence(in, CoincidenceConfig{});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].beams, (std::vector<int>{1, 2}));
  EXPECT_EQ(groups[0].beam_sigma, (std::vector<double>{12.0, 8.0}));
  EXPECT_EQ(groups[0].best.dm, 62.0);
}

TEST(Multibeam, BeamZeroIsNeverGrouped) {
  std::vector<Candidate> in;
  for (int k = 0; k < 19; ++k) in.push_back(cand(0, 50.0, 1.0, 10.0 + k));
  in.push_back(cand(1, 50.0, 1.0, 5.0));
  const std::vector<BeamGroup> groups = multibeam_coincidence(in, CoincidenceConfig{});
  ASSERT_EQ(groups.size(), in.size());
  for (const BeamGroup& g : groups) {
    EXPECT_FALSE(g.rfi);
    EXPECT_EQ(g.beams, std::vector<int>{g.best.beam});
    EXPECT_EQ(g.beam_sigma, std::vector<double>{g.best.sigma});
  }
  EXPECT_EQ(groups.front().best.sigma, 28.0);
  EXPECT_EQ(apply_multibeam(in, CoincidenceConfig{}).size(), in.size());
}

TEST(Multibeam, DisabledGroupsNothing) {
  CoincidenceConfig cfg;
  cfg.enabled = false;
  std::vector<Candidate> in;
  for (int b = 1; b <= kFastNumBeams; ++b) in.push_back(cand(b, 50.0, 1.0, 10.0 + b));
  const std::vector<Candidate> kept = apply_multibeam(in, cfg);
  ASSERT_EQ(kept.size(), in.size());
  EXPECT_EQ(kept.front().beam, 19);
}

TEST(Multibeam, ScansAreSeparate) {
  std::vector<Candidate> in;
  for (int b = 1; b <= kFastNumBeams; ++b) in.push_back(cand(b, 50.0, 1.0, 10.0 + b, "A"));
  in.push_back(cand(3, 50.0, 1.0, 40.0, "B"));  // the same frequency in another scan
  EXPECT_THROW(multibeam_coincidence(in, CoincidenceConfig{}), Error);
  std::vector<BeamGroup> groups;
  const std::vector<Candidate> kept = apply_multibeam(in, CoincidenceConfig{}, &groups);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].scan, "B");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].best.scan, "B");
  EXPECT_TRUE(groups[1].rfi);
}

TEST(Multibeam, BadConfigurationAndCandidates) {
  CoincidenceConfig cfg;
  cfg.rfi_min_beams = 1;
  try {
    multibeam_coincidence({}, cfg);
    FAIL() << "rfi_min_beams = 1 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("rfi_min_beams"), std::string::npos);
  }
  cfg = CoincidenceConfig{};
  cfg.dm_frac = NAN;
  EXPECT_THROW(multibeam_coincidence({}, cfg), Error);
  Candidate bad = cand(1, 0.0, 1.0, 5.0);
  EXPECT_THROW(multibeam_coincidence({bad}, CoincidenceConfig{}), Error);
}

// The slow obvious reference: candidates strongest first (distinct sigmas), each joining the
// first (strongest) group whose lead is within tolerance, checked against every group.
std::vector<BeamGroup> reference(std::vector<Candidate> in, const CoincidenceConfig& cfg) {
  std::sort(in.begin(), in.end(),
            [](const Candidate& a, const Candidate& b) { return a.sigma > b.sigma; });
  std::vector<BeamGroup> groups;
  for (const Candidate& c : in) {
    BeamGroup* home = nullptr;
    for (BeamGroup& g : groups) {
      const double df = std::abs(c.freq_hz - g.best.freq_hz);
      const double ddm = std::abs(c.dm - g.best.dm);
      if (df <= cfg.freq_tol_bins / kTobs &&
          ddm <= std::max(cfg.dm_tol, cfg.dm_frac * std::max(c.dm, g.best.dm))) {
        home = &g;
        break;
      }
    }
    if (!home) {
      groups.push_back(BeamGroup{c, {c.beam}, {c.sigma}, false});
    } else if (std::count(home->beams.begin(), home->beams.end(), c.beam) == 0) {
      home->beams.push_back(c.beam);
      home->beam_sigma.push_back(c.sigma);
    }
  }
  for (BeamGroup& g : groups) {
    std::vector<std::pair<int, double>> p;
    for (size_t k = 0; k < g.beams.size(); ++k) p.emplace_back(g.beams[k], g.beam_sigma[k]);
    std::sort(p.begin(), p.end());
    for (size_t k = 0; k < p.size(); ++k) std::tie(g.beams[k], g.beam_sigma[k]) = p[k];
    int outside = 0;
    for (int b : g.beams) outside += b != g.best.beam && !fast_beams_adjacent(b, g.best.beam);
    g.rfi = static_cast<int>(g.beams.size()) >= cfg.rfi_min_beams ||
            (cfg.require_neighbours && outside > 0);
  }
  return groups;
}

// Pulsars in a beam and random neighbours, RFI in many beams, noise, with a fixed seed.
std::vector<Candidate> random_scan(std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Candidate> out;
  double sigma = 1000.0;  // distinct sigmas keep the reference's plain sort unambiguous
  const auto next_sigma = [&] { return sigma -= 0.01 + u(rng); };
  for (int s = 0; s < 60; ++s) {
    const double f = 0.5 + 30.0 * u(rng);
    const double dm = 200.0 * u(rng);
    const int centre = 1 + static_cast<int>(u(rng) * kFastNumBeams) % kFastNumBeams;
    std::vector<int> beams = {centre};
    const bool rfi = u(rng) < 0.3;
    for (int b = 1; b <= kFastNumBeams; ++b) {
      const bool lit = rfi ? u(rng) < 0.6 : fast_beams_adjacent(centre, b) && u(rng) < 0.4;
      if (lit && b != centre) beams.push_back(b);
    }
    for (int b : beams) {
      out.push_back(cand(b, f + (u(rng) - 0.5) * 0.8 / kTobs, dm + (u(rng) - 0.5), next_sigma()));
    }
  }
  return out;
}

void expect_same(const std::vector<BeamGroup>& a, const std::vector<BeamGroup>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].best.freq_hz, b[i].best.freq_hz) << i;
    EXPECT_EQ(a[i].best.beam, b[i].best.beam) << i;
    EXPECT_EQ(a[i].best.sigma, b[i].best.sigma) << i;
    EXPECT_EQ(a[i].beams, b[i].beams) << i;
    EXPECT_EQ(a[i].beam_sigma, b[i].beam_sigma) << i;
    EXPECT_EQ(a[i].rfi, b[i].rfi) << i;
  }
}

TEST(Multibeam, MatchesSlowReferenceAndIgnoresInputOrder) {
  std::mt19937 rng(20261123);
  std::vector<Candidate> in = random_scan(rng);
  const CoincidenceConfig cfg;
  const std::vector<BeamGroup> got = multibeam_coincidence(in, cfg);
  expect_same(got, reference(in, cfg));
  size_t rfi = 0, multi = 0;
  for (const BeamGroup& g : got) {
    rfi += g.rfi;
    multi += g.beams.size() > 1 && !g.rfi;
  }
  EXPECT_GT(rfi, 5u);  // the mix exercises both outcomes
  EXPECT_GT(multi, 5u);
  for (int k = 0; k < 3; ++k) {
    std::shuffle(in.begin(), in.end(), rng);
    expect_same(multibeam_coincidence(in, cfg), got);
  }
}

TEST(Multibeam, EqualSigmasDoNotDependOnInputOrder) {
  // RFI often has the same sigma in several beams: the order must come from the fields.
  std::vector<Candidate> in;
  for (int b = 1; b <= 6; ++b) in.push_back(cand(b, 9.0, 10.0, 12.0));
  for (int b = 8; b <= 12; ++b) in.push_back(cand(b, 4.0 + 0.001 * b, 10.0, 12.0));
  const std::vector<BeamGroup> first = multibeam_coincidence(in, CoincidenceConfig{});
  std::mt19937 rng(7);
  for (int k = 0; k < 5; ++k) {
    std::shuffle(in.begin(), in.end(), rng);
    expect_same(multibeam_coincidence(in, CoincidenceConfig{}), first);
  }
}

}  // namespace
}  // namespace tianyan::test
