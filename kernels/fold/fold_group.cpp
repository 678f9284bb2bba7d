#include "kernels/fold/fold_group.hpp"

#include <algorithm>
#include <numeric>

#include "kernels/common/dispersion.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {

size_t fold_subband_count(size_t nchan, size_t requested) {
  size_t n = std::max<size_t>(1, std::min(nchan, requested));
  while (n > 1 && nchan % n != 0) --n;
  return n;
}

double subband_sweep_s_per_dm(const std::vector<double>& freqs_mhz, size_t nsubband) {
  if (nsubband == 0 || freqs_mhz.size() % nsubband != 0) {
    throw internal_error("subband_sweep_s_per_dm: {} subbands do not divide {} channels", nsubband,
                         freqs_mhz.size());
  }
  const size_t per = freqs_mhz.size() / nsubband;
  double sweep = 0;
  for (size_t s = 0; s < nsubband; ++s) {
    sweep =
        std::max(sweep, dispersion_delay_s(1.0, freqs_mhz[s * per], freqs_mhz[(s + 1) * per - 1]));
  }
  return sweep;
}

std::vector<FoldGroup> group_by_dm(const std::vector<double>& dm,
                                   const std::vector<double>& tol_dm) {
  if (dm.size() != tol_dm.size()) {
    throw internal_error("group_by_dm: {} DMs but {} tolerances", dm.size(), tol_dm.size());
  }
  std::vector<size_t> order(dm.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Sorted by right end (ties by index, so the grouping does not depend on the sort).
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double ra = dm[a] + tol_dm[a], rb = dm[b] + tol_dm[b];
    return ra != rb ? ra < rb : a < b;
  });
  std::vector<FoldGroup> groups;
  std::vector<bool> taken(dm.size(), false);
  for (size_t i : order) {
    if (taken[i]) continue;
    // The stabbing point is this interval's right end; every untaken interval whose left end
    // reaches it contains it (their right ends are at least as far).
    const double point = dm[i] + tol_dm[i];
    FoldGroup g;
    double lo = -1e300, hi = 1e300;
    for (size_t j : order) {
      if (taken[j] || dm[j] - tol_dm[j] > point) continue;
      taken[j] = true;
      g.members.push_back(j);
      lo = std::max(lo, dm[j] - tol_dm[j]);
      hi = std::min(hi, dm[j] + tol_dm[j]);
    }
    std::sort(g.members.begin(), g.members.end());
    // A group of one folds at exactly its member's DM (the midpoint may round).
    g.dm = g.members.size() == 1 ? dm[g.members[0]] : std::max(0.0, 0.5 * (lo + hi));
    groups.push_back(std::move(g));
  }
  std::sort(groups.begin(), groups.end(),
            [](const FoldGroup& a, const FoldGroup& b) { return a.dm < b.dm; });
  return groups;
}

}  // namespace tianyan
