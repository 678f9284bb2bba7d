#pragma once
// Sharing the subbanding between fold requests of similar DM (docs/fold.md, "Groups").
// A subband series is formed once per group, its channels aligned at the group's DM with
// integer sample shifts relative to the subband's highest channel; each member then folds it
// with the exact delay of that channel at its own DM. A member whose DM differs from the
// group's by dDM is smeared inside each subband by dDM x smear_s_per_dm (the widest subband's
// dispersion sweep per unit DM); groups keep that below `max_bins` phase bins of every member.
#include <cstddef>
#include <vector>

namespace tianyan {

// The number of subbands used for `nchan` channels when `requested` are asked for: the largest
// divisor of nchan that is at most `requested` (and at least 1).
size_t fold_subband_count(size_t nchan, size_t requested);

// The largest dispersion sweep across one subband per unit DM, s / (pc cm^-3):
// max over subbands of k_DM (f_lo^-2 - f_hi^-2), f the channel centres of the subband.
// freqs_mhz: ascending channel centres; nsubband divides freqs_mhz.size().
double subband_sweep_s_per_dm(const std::vector<double>& freqs_mhz, size_t nsubband);

struct FoldGroup {
  double dm = 0;                // the DM the group's subbands are dedispersed at
  std::vector<size_t> members;  // indices into the request list, ascending
};

// Groups requests so that every member's DM is within tol_dm[i] of its group's DM, with as
// few groups as possible (greedy point stabbing of the intervals dm +- tol, sorted by their
// right ends); a group's DM is the middle of the intersection of its members' intervals, so a
// group of one folds at exactly its member's DM. Groups come in ascending DM.
std::vector<FoldGroup> group_by_dm(const std::vector<double>& dm,
                                   const std::vector<double>& tol_dm);

}  // namespace tianyan
