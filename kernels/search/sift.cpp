#include "kernels/search/sift.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

// A total order over every field, so that equal-sigma candidates (common: the same signal in
// several acceleration trials) are ordered the same whatever order the search produced them in.
bool stronger(const Candidate& a, const Candidate& b) {
  const auto numbers = [](const Candidate& c) {
    return std::make_tuple(-c.sigma, c.freq_hz, c.dm_index, c.accel_ms2, c.nharm, -c.power, -c.snr,
                           -c.refined_power, c.tobs_s, c.r_bins, c.dm, c.epoch_mjd, c.beam,
                           c.ra_deg, c.dec_deg);
  };
  const auto na = numbers(a);
  const auto nb = numbers(b);
  if (na != nb) return na < nb;
  return std::tie(a.scan, a.file) < std::tie(b.scan, b.file);
}

void check_config(const SiftConfig& cfg) {
  const auto bad = [](const char* what) {
    return Error(ErrorKind::BadInput, fmt::format("sift configuration: {}", what));
  };
  if (!(cfg.merge_bins >= 0 && cfg.merge_bins <= 1e6)) throw bad("merge_bins must be in [0, 1e6]");
  if (cfg.min_dm_hits < 1 || cfg.min_dm_hits > 1000000) {
    throw bad("min_dm_hits must be in [1, 1e6]");
  }
  if (!std::isfinite(cfg.min_dm)) throw bad("min_dm must be finite");
  if (!(cfg.min_sigma >= 0 && cfg.min_sigma <= 1e6)) throw bad("min_sigma must be in [0, 1e6]");
  if (cfg.max_harmonic < 0 || cfg.max_harmonic > 1000) {
    throw bad("max_harmonic must be in [0, 1000]");
  }
  if (cfg.max_candidates < 1 || cfg.max_candidates > 10000000) {
    throw bad("max_candidates must be in [1, 1e7]");
  }
}

// Candidate indices, strongest first. Sorting compact keys rather than whole candidates keeps
// a million-candidate sort in cache; the full comparison only breaks exact ties.
std::vector<size_t> strength_order(const std::vector<Candidate>& cands) {
  struct Key {
    double sigma, freq;
    size_t index;
  };
  std::vector<Key> keys(cands.size());
  for (size_t i = 0; i < cands.size(); ++i) keys[i] = {cands[i].sigma, cands[i].freq_hz, i};
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.sigma != b.sigma) return a.sigma > b.sigma;
    if (a.freq != b.freq) return a.freq < b.freq;
    return stronger(cands[a.index], cands[b.index]);
  });
  std::vector<size_t> order(cands.size());
  for (size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].index;
  return order;
}

// Frequency buckets at least as wide as every tolerance, so that a candidate's partner lies in
// its own bucket or a neighbour. Only occupied buckets are numbered (`key` holds their
// floor(f / width), ascending), which bounds memory by the candidate count at any resolution.
struct Buckets {
  std::vector<size_t> of;    // candidate -> bucket number
  std::vector<int64_t> key;  // bucket number -> floor(f / width)
};

Buckets make_buckets(const std::vector<Candidate>& cands, double width) {
  std::vector<std::pair<int64_t, size_t>> by_key(cands.size());
  for (size_t i = 0; i < cands.size(); ++i) {
    by_key[i] = {static_cast<int64_t>(std::floor(cands[i].freq_hz / width)), i};
  }
  std::sort(by_key.begin(), by_key.end());
  Buckets b;
  b.of.resize(cands.size());
  for (const auto& [key, i] : by_key) {
    if (b.key.empty() || b.key.back() != key) b.key.push_back(key);
    b.of[i] = b.key.size() - 1;
  }
  return b;
}

struct Group {
  double freq_hz;  // the lead's
  double tol_hz;   // merge_bins / the lead's tobs_s
  size_t lead;     // candidate index of the strongest member
  size_t next;     // next group kept in the same bucket, or kNone
};

// Step 2: greedy merging in order of decreasing sigma; returns each candidate's group. Groups
// are numbered in order of creation, so a lower number is a stronger lead.
std::vector<size_t> merge_groups(const std::vector<Candidate>& cands,
                                 const std::vector<size_t>& order, double merge_bins,
                                 double max_tol, std::vector<Group>& groups) {
  double max_freq = 0;
  for (const Candidate& c : cands) max_freq = std::max(max_freq, c.freq_hz);
  // A floor on the width keeps floor(f / width) within int64 when merge_bins is (near) 0.
  const Buckets buckets = make_buckets(cands, std::max(max_tol, max_freq * 1e-12));
  std::vector<size_t> head(buckets.key.size(), kNone);
  std::vector<size_t> group_of(cands.size(), kNone);
  for (const size_t i : order) {
    const double f = cands[i].freq_hz;
    const size_t b = buckets.of[i];
    size_t best = kNone;
    const auto scan = [&](size_t bucket) {
      for (size_t g = head[bucket]; g != kNone; g = groups[g].next) {
        if (std::abs(f - groups[g].freq_hz) <= groups[g].tol_hz) best = std::min(best, g);
      }
    };
    scan(b);
    if (b > 0 && buckets.key[b - 1] == buckets.key[b] - 1) scan(b - 1);
    if (b + 1 < head.size() && buckets.key[b + 1] == buckets.key[b] + 1) scan(b + 1);
    if (best == kNone) {
      best = groups.size();
      groups.push_back({f, merge_bins / cands[i].tobs_s, i, head[b]});
      head[b] = best;
    }
    group_of[i] = best;
  }
  return group_of;
}

// Sorts and deduplicates [first, last); returns the number of distinct values and the longest
// run of consecutive ones.
std::pair<size_t, size_t> distinct_and_longest_run(size_t* first, size_t* last) {
  std::sort(first, last);
  last = std::unique(first, last);
  const size_t n = static_cast<size_t>(last - first);
  size_t best = n == 0 ? 0 : 1;
  size_t run = best;
  for (size_t k = 1; k < n; ++k) {
    run = first[k] == first[k - 1] + 1 ? run + 1 : 1;
    best = std::max(best, run);
  }
  return {n, best};
}

// The DM estimate: the middle of the DM trials whose sigma is within 1 of the peak's, among
// the contiguous trials around the peak, moved to the member trial nearest it. A wide pulse
// has a flat DM curve whose noisy maximum wanders by several trials; the middle of the flat
// top does not (docs/search.md, "Sifting").
void centre_dm(const std::vector<Candidate>& cands, const size_t* first, const size_t* last,
               Candidate& lead) {
  std::vector<std::pair<size_t, size_t>> near;  // (dm_index, candidate) within 1 sigma
  for (const size_t* m = first; m != last; ++m) {
    if (cands[*m].sigma >= lead.sigma - 1.0) near.emplace_back(cands[*m].dm_index, *m);
  }
  std::sort(near.begin(), near.end());
  size_t lo = 0;
  while (lo < near.size() && near[lo].first != lead.dm_index) ++lo;
  if (lo == near.size()) return;
  size_t hi = lo;
  while (lo > 0 && near[lo - 1].first + 1 >= near[lo].first) --lo;
  while (hi + 1 < near.size() && near[hi + 1].first <= near[hi].first + 1) ++hi;
  const double mid = 0.5 * (cands[near[lo].second].dm + cands[near[hi].second].dm);
  size_t best = near[lo].second;
  for (size_t k = lo; k <= hi; ++k) {
    if (std::abs(cands[near[k].second].dm - mid) < std::abs(cands[best].dm - mid)) {
      best = near[k].second;
    }
  }
  lead.dm = cands[best].dm;
  lead.dm_index = cands[best].dm_index;
}

// Step 3, on flat arrays: the dm_index values of every group's members, grouped by counting
// (a vector per group would cost a million allocations).
std::vector<Candidate> apply_dm_rules(std::vector<Candidate>& cands,
                                      const std::vector<Group>& groups,
                                      const std::vector<size_t>& group_of, const SiftConfig& cfg) {
  std::vector<size_t> start(groups.size() + 1, 0);
  for (const size_t g : group_of) ++start[g + 1];
  for (size_t g = 0; g < groups.size(); ++g) start[g + 1] += start[g];
  std::vector<size_t> trials(cands.size()), members(cands.size());
  std::vector<size_t> fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < cands.size(); ++i) {
    members[fill[group_of[i]]] = i;
    trials[fill[group_of[i]]++] = cands[i].dm_index;
  }

  std::vector<Candidate> survivors;
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto [hits, run] =
        distinct_and_longest_run(trials.data() + start[g], trials.data() + start[g + 1]);
    Candidate& lead = cands[groups[g].lead];
    if (run < static_cast<size_t>(cfg.min_dm_hits) || !(lead.dm > cfg.min_dm)) continue;
    lead.dm_hits = static_cast<int>(hits);
    centre_dm(cands, members.data() + start[g], members.data() + start[g + 1], lead);
    survivors.push_back(std::move(lead));
  }
  return survivors;
}

struct Ratio {
  int num, den;  // f_weak / f_strong = num / den
};

std::vector<Ratio> harmonic_ratios(int max_harmonic) {
  std::vector<Ratio> ratios;
  for (int n = 1; n <= max_harmonic; ++n) {
    ratios.push_back({n, 1});
    if (n > 1) ratios.push_back({1, n});
  }
  for (Ratio r : {Ratio{3, 2}, Ratio{5, 2}, Ratio{2, 3}, Ratio{4, 3}, Ratio{5, 3}, Ratio{3, 4},
                  Ratio{5, 4}, Ratio{2, 5}, Ratio{3, 5}, Ratio{4, 5}}) {
    ratios.push_back(r);
  }
  return ratios;
}

// Frequencies ordered for window look-ups; the second member, an index into a list kept in
// order of decreasing sigma, makes the smallest index the strongest.
using FreqIndex = std::set<std::pair<double, size_t>>;

// The strongest entry of `index` within its own tolerance of `freq`; `max_tol` bounds every
// tolerance, so that only a short window is scanned.
template <typename TolOf>
size_t strongest_within(const FreqIndex& index, double freq, double max_tol, TolOf tol_of) {
  size_t best = kNone;
  for (auto it = index.lower_bound({freq - max_tol, 0});
       it != index.end() && it->first <= freq + max_tol; ++it) {
    if (std::abs(freq - it->first) <= tol_of(it->second)) best = std::min(best, it->second);
  }
  return best;
}

// A harmonic sum of N harmonics at g collects the power of a stronger signal f whenever its
// q-th harmonic lands on f's p-th, q g = p f, for some q <= N: such candidates (at 2/7 f,
// 3/10 f, ...) are aliases. The match is within merge_bins / T at that harmonic, so the
// allowance does not grow with q.
bool aliased(const Candidate& c, const std::vector<Candidate>& stronger_kept,
             const SiftConfig& cfg) {
  const int qmax = std::min(c.nharm, cfg.max_harmonic);
  for (const Candidate& s : stronger_kept) {
    const double tol = cfg.merge_bins / std::min(c.tobs_s, s.tobs_s);
    for (int q = 2; q <= qmax; ++q) {
      const double p = std::round(q * c.freq_hz / s.freq_hz);
      if (p >= 1 && p <= cfg.max_harmonic && std::abs(q * c.freq_hz - p * s.freq_hz) <= tol) {
        return true;
      }
    }
  }
  return false;
}

// Step 4 (survivors only: hundreds to thousands). With f = ratio x f_strong and a tolerance scaled
// by the ratio, the test reads |f / ratio - f_strong| <= tol(strong): a look-up of f / ratio among
// stronger survivors.
std::vector<Candidate> remove_harmonics(std::vector<Candidate> ranked, const SiftConfig& cfg,
                                        double max_tol) {
  const std::vector<Ratio> ratios = harmonic_ratios(cfg.max_harmonic);
  std::vector<Candidate> out;
  FreqIndex kept;
  const auto tol_of = [&](size_t k) { return cfg.merge_bins / out[k].tobs_s; };
  for (Candidate& c : ranked) {
    const bool related = std::any_of(ratios.begin(), ratios.end(), [&](Ratio r) {
      const double fundamental = c.freq_hz * r.den / r.num;
      return strongest_within(kept, fundamental, max_tol, tol_of) != kNone;
    }) || aliased(c, out, cfg);
    if (related) continue;
    kept.emplace(c.freq_hz, out.size());
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::vector<Candidate> sift_candidates(std::vector<Candidate> candidates, const SiftConfig& cfg) {
  check_config(cfg);
  // Step 1. `!(>=)` also drops a NaN sigma, which has no place in a ranking.
  std::erase_if(candidates, [&](const Candidate& c) { return !(c.sigma >= cfg.min_sigma); });
  double min_tobs = std::numeric_limits<double>::infinity();
  for (const Candidate& c : candidates) {
    if (!(c.freq_hz > 0 && std::isfinite(c.freq_hz) && c.tobs_s > 0 && std::isfinite(c.tobs_s))) {
      throw internal_error("sift: candidate with freq_hz {} and tobs_s {} (both must be > 0)",
                           c.freq_hz, c.tobs_s);
    }
    min_tobs = std::min(min_tobs, c.tobs_s);
  }
  if (candidates.empty()) return {};
  const double max_tol = cfg.merge_bins / min_tobs;

  const std::vector<size_t> order = strength_order(candidates);
  std::vector<Group> groups;
  const std::vector<size_t> group_of =
      merge_groups(candidates, order, cfg.merge_bins, max_tol, groups);
  // Groups were created in order of decreasing sigma, so survivors come out ranked.
  std::vector<Candidate> survivors = apply_dm_rules(candidates, groups, group_of, cfg);
  std::vector<Candidate> out = remove_harmonics(std::move(survivors), cfg, max_tol);
  if (out.size() > static_cast<size_t>(cfg.max_candidates)) {
    out.resize(static_cast<size_t>(cfg.max_candidates));
  }
  return out;
}

}  // namespace tianyan
