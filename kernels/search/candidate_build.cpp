#include "kernels/search/candidate_build.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/search/fourier_interp.hpp"
#include "kernels/search/search_stats.hpp"

namespace tianyan {
namespace {

constexpr double kDedupBins = 1.1;
constexpr int kInterpHalfWidth = 32;  // refine_peak's default

int num_stages(int max_harm) {
  int s = 0;
  while ((1 << s) <= max_harm) ++s;
  return s;
}

}  // namespace

SeriesTables series_tables(const SearchConfig& cfg, const std::vector<BirdieConfig>& extra_birdies,
                           const SeriesGeometry& g) {
  SeriesTables t;
  std::vector<BirdieConfig> all = cfg.birdies;
  all.insert(all.end(), extra_birdies.begin(), extra_birdies.end());
  t.zaps = birdie_zap_ranges(all, 1.0 / g.tobs_s, g.nbins);
  for (int s = 0; s < num_stages(cfg.max_harmonics); ++s) {
    const double trials = independent_trials(g, 1 << s);
    t.trials.push_back(trials);
    t.thresholds.push_back(
        static_cast<float>(power_for_sigma(cfg.sigma_threshold, 1 << s, trials)));
  }
  return t;
}

std::vector<Candidate> dedup_by_frequency(std::vector<Candidate> cands, double tol_bins) {
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    return a.sigma != b.sigma ? a.sigma > b.sigma : a.freq_hz < b.freq_hz;
  });
  std::vector<Candidate> kept;
  std::vector<double> kept_freqs;  // sorted, for the neighbour lookup
  for (Candidate& c : cands) {
    const double tol_hz = tol_bins / c.tobs_s;
    auto it = std::lower_bound(kept_freqs.begin(), kept_freqs.end(), c.freq_hz - tol_hz);
    if (it != kept_freqs.end() && *it <= c.freq_hz + tol_hz) continue;
    kept_freqs.insert(std::upper_bound(kept_freqs.begin(), kept_freqs.end(), c.freq_hz),
                      c.freq_hz);
    kept.push_back(std::move(c));
  }
  return kept;
}

std::vector<Candidate> candidates_from_peaks(const std::vector<HarmonicPeak>& peaks,
                                             const SeriesGeometry& g,
                                             const std::vector<double>& trials,
                                             const SeriesInput& s, double accel,
                                             size_t max_cands) {
  std::vector<Candidate> cands;
  cands.reserve(peaks.size());
  for (const HarmonicPeak& pk : peaks) {
    Candidate c;
    const auto stage = static_cast<size_t>(std::log2(pk.nharm));
    c.nharm = pk.nharm;
    c.power = pk.power;
    c.sigma = candidate_sigma(pk.power, pk.nharm, trials[stage]);
    c.r_bins = pk.r_fund();
    c.freq_hz = c.r_bins / g.tobs_s;
    c.tobs_s = g.tobs_s;
    c.accel_ms2 = accel;
    c.dm = s.dm;
    c.dm_index = s.dm_index;
    cands.push_back(c);
  }
  // The grid finds one signal at several stages and neighbouring points: refine only the
  // strongest per frequency, which bounds the work per series.
  cands = dedup_by_frequency(std::move(cands), kDedupBins);
  if (cands.size() > max_cands) cands.resize(max_cands);
  return cands;
}

size_t refine_extent(const std::vector<Candidate>& cands, size_t nbins) {
  // refine_peak searches r within 1 / nharm of r_bins, so harmonic h stays within
  // h r_bins + 1; fourier_interp reads half_width bins above floor(r). Windows that cross the
  // top mirror into bins below it, which the prefix then holds as well.
  double top = 0;
  for (const Candidate& c : cands) top = std::max(top, c.nharm * c.r_bins + 1.0);
  const double need = std::floor(top) + kInterpHalfWidth + 2;
  return need >= static_cast<double>(nbins) ? nbins : static_cast<size_t>(need);
}

void refine_candidates(std::vector<Candidate>& cands, const std::complex<float>* spec,
                       size_t nbins) {
  for (Candidate& c : cands) {
    const RefinedPeak rp =
        refine_peak(spec, nbins, c.r_bins, c.nharm, 1.0 / c.nharm, kInterpHalfWidth);
    c.r_bins = rp.r_fund;
    c.freq_hz = rp.r_fund / c.tobs_s;
    c.refined_power = rp.power;
    c.snr = spectral_snr(rp.power, c.nharm);
  }
}

std::vector<Candidate> merge_accel_candidates(const std::vector<Candidate>& all,
                                              size_t max_cands) {
  std::vector<Candidate> kept = dedup_by_frequency(all, kDedupBins);
  // The detection grid's power is noisy (scalloping, one grid point): across acceleration
  // trials the refined spectral S/N picks the acceleration and frequency better; sigma stays
  // the largest detection's (its false-alarm promise is the grid's).
  for (Candidate& k : kept) {
    const double tol_hz = kDedupBins / k.tobs_s;
    const Candidate* best = &k;
    for (const Candidate& c : all) {
      if (std::abs(c.freq_hz - k.freq_hz) <= tol_hz && c.snr > best->snr) best = &c;
    }
    const double sigma = k.sigma, power = k.power;
    k = *best;
    k.sigma = sigma;
    k.power = power;
  }
  if (kept.size() > max_cands) kept.resize(max_cands);
  return kept;
}

}  // namespace tianyan
