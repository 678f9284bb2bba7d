#include "kernels/search/multibeam.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "kernels/common/error.hpp"
#include "kernels/common/fast_beams.hpp"

namespace tianyan {
namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();

// A total order over every field, so that the grouping does not depend on the order in which
// the beams' candidates arrive (equal sigmas are common between beams of a strong RFI).
bool stronger(const Candidate& a, const Candidate& b) {
  const auto numbers = [](const Candidate& c) {
    return std::make_tuple(-c.sigma, c.beam, c.freq_hz, c.dm, c.dm_index, c.accel_ms2, c.nharm,
                           -c.power, -c.snr, -c.refined_power, c.tobs_s, c.r_bins, c.dm_hits,
                           c.epoch_mjd, c.ra_deg, c.dec_deg);
  };
  const auto na = numbers(a);
  const auto nb = numbers(b);
  if (na != nb) return na < nb;
  return std::tie(a.scan, a.file) < std::tie(b.scan, b.file);
}

// Candidate indices, strongest first. Sorting compact keys keeps a large sort in cache; the
// full comparison only breaks exact ties of sigma.
std::vector<size_t> strength_order(const std::vector<Candidate>& cands) {
  std::vector<std::pair<double, size_t>> keys(cands.size());
  for (size_t i = 0; i < cands.size(); ++i) keys[i] = {cands[i].sigma, i};
  std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return stronger(cands[a.second], cands[b.second]);
  });
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].second;
  return order;
}

void check_config(const CoincidenceConfig& cfg) {
  const auto bad = [](const char* what) {
    return Error(ErrorKind::BadInput, fmt::format("sift.multibeam configuration: {}", what));
  };
  if (cfg.rfi_min_beams < 2 || cfg.rfi_min_beams > kFastNumBeams) {
    throw bad("rfi_min_beams must be in [2, 19]");
  }
  if (!(cfg.freq_tol_bins >= 0 && cfg.freq_tol_bins <= 1e6)) {
    throw bad("freq_tol_bins must be in [0, 1e6]");
  }
  if (!(cfg.dm_tol >= 0 && cfg.dm_tol <= 1e6)) throw bad("dm_tol must be in [0, 1e6]");
  if (!(cfg.dm_frac >= 0 && cfg.dm_frac <= 10)) throw bad("dm_frac must be in [0, 10]");
}

bool fast_beam(int beam) { return beam >= 1 && beam <= kFastNumBeams; }

void check_candidates(const std::vector<Candidate>& cands) {
  const std::string* scan = nullptr;
  for (const Candidate& c : cands) {
    if (!(c.freq_hz > 0 && std::isfinite(c.freq_hz) && c.tobs_s > 0 && std::isfinite(c.tobs_s) &&
          std::isfinite(c.sigma) && std::isfinite(c.dm))) {
      throw internal_error(
          "multibeam: candidate with freq_hz {}, tobs_s {}, sigma {}, dm {} (frequency and "
          "length must be > 0, all finite)",
          c.freq_hz, c.tobs_s, c.sigma, c.dm);
    }
    if (!fast_beam(c.beam)) continue;
    if (scan && *scan != c.scan) {
      throw internal_error("multibeam: candidates of scans '{}' and '{}' mixed", *scan, c.scan);
    }
    scan = &c.scan;
  }
}

// The same signal: fundamentals within freq_tol_bins Fourier bins of the longer observation
// (the finer resolution) and DMs within the larger of the absolute and relative allowances.
bool same_signal(const Candidate& a, const Candidate& b, const CoincidenceConfig& cfg) {
  const double tol_hz = cfg.freq_tol_bins / std::max(a.tobs_s, b.tobs_s);
  const double dm_tol = std::max(cfg.dm_tol, cfg.dm_frac * std::max(a.dm, b.dm));
  return std::abs(a.freq_hz - b.freq_hz) <= tol_hz && std::abs(a.dm - b.dm) <= dm_tol;
}

// RFI: too many beams, or (require_neighbours) a beam outside the strongest one's neighbourhood.
bool terrestrial(const BeamGroup& g, const CoincidenceConfig& cfg) {
  if (static_cast<int>(g.beams.size()) >= cfg.rfi_min_beams) return true;
  if (!cfg.require_neighbours) return false;
  return std::any_of(g.beams.begin(), g.beams.end(), [&](int b) {
    return b != g.best.beam && !fast_beams_adjacent(g.best.beam, b);
  });
}

BeamGroup single(const Candidate& c) {
  BeamGroup g;
  g.best = c;
  g.beams = {c.beam};
  g.beam_sigma = {c.sigma};
  return g;
}

// Greedy grouping in order of decreasing strength: each candidate joins the strongest group
// whose lead (its strongest member) is the same signal, or leads a new one. Comparing with the
// lead, not with any member, stops chains of near neighbours in frequency from merging distinct
// signals. A beam already in the group adds nothing (its strongest detection is there).
std::vector<BeamGroup> group_fast_beams(const std::vector<Candidate>& cands,
                                        const std::vector<size_t>& order,
                                        const CoincidenceConfig& cfg) {
  double min_tobs = std::numeric_limits<double>::infinity();
  for (const size_t i : order) min_tobs = std::min(min_tobs, cands[i].tobs_s);
  const double window = cfg.freq_tol_bins / min_tobs;  // bounds every frequency tolerance
  std::vector<BeamGroup> groups;
  groups.reserve(order.size());  // growth by copies of large groups is what would cost time
  std::vector<size_t> lead_of;   // group -> candidate index of its strongest member
  std::set<std::pair<double, size_t>> leads;  // (lead frequency, group), for window look-ups
  for (const size_t i : order) {
    const Candidate& c = cands[i];
    size_t best = kNone;
    for (auto it = leads.lower_bound({c.freq_hz - window, 0});
         it != leads.end() && it->first <= c.freq_hz + window; ++it) {
      if (it->second < best && same_signal(c, cands[lead_of[it->second]], cfg)) best = it->second;
    }
    if (best == kNone) {
      leads.emplace(c.freq_hz, groups.size());
      lead_of.push_back(i);
      groups.push_back(single(c));
      continue;
    }
    BeamGroup& g = groups[best];
    if (std::find(g.beams.begin(), g.beams.end(), c.beam) != g.beams.end()) continue;
    g.beams.push_back(c.beam);
    g.beam_sigma.push_back(c.sigma);
  }
  return groups;
}

void sort_beams(BeamGroup& g) {
  std::vector<std::pair<int, double>> pairs;
  for (size_t k = 0; k < g.beams.size(); ++k) pairs.emplace_back(g.beams[k], g.beam_sigma[k]);
  std::sort(pairs.begin(), pairs.end());
  for (size_t k = 0; k < pairs.size(); ++k) {
    g.beams[k] = pairs[k].first;
    g.beam_sigma[k] = pairs[k].second;
  }
}

}  // namespace

std::vector<BeamGroup> multibeam_coincidence(const std::vector<Candidate>& scan_candidates,
                                             const CoincidenceConfig& config) {
  check_config(config);
  check_candidates(scan_candidates);
  const std::vector<size_t> order = strength_order(scan_candidates);

  std::vector<BeamGroup> out;
  out.reserve(scan_candidates.size());
  std::vector<size_t> fast;  // FAST beams, strongest first
  for (const size_t i : order) {
    // Beam 0 (unknown) or a beam outside FAST's layout has no neighbours to compare with.
    if (config.enabled && fast_beam(scan_candidates[i].beam)) {
      fast.push_back(i);
    } else {
      out.push_back(single(scan_candidates[i]));
    }
  }
  const auto singles = static_cast<std::ptrdiff_t>(out.size());
  for (BeamGroup& g : group_fast_beams(scan_candidates, fast, config)) {
    sort_beams(g);
    g.rfi = terrestrial(g, config);
    out.push_back(std::move(g));
  }
  // Both lists are in strength order already: merging them ranks every group.
  std::vector<BeamGroup> ranked;
  ranked.reserve(out.size());
  std::merge(std::make_move_iterator(out.begin()), std::make_move_iterator(out.begin() + singles),
             std::make_move_iterator(out.begin() + singles), std::make_move_iterator(out.end()),
             std::back_inserter(ranked),
             [](const BeamGroup& a, const BeamGroup& b) { return stronger(a.best, b.best); });
  return ranked;
}

}  // namespace tianyan
