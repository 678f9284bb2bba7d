#pragma once
// Multi-beam coincidence over the beams of one scan (FAST's 19 beams; the layout and
// neighbours are kernels/common/fast_beams.hpp): the same periodic signal found in many beams
// at once is terrestrial (RFI enters every feed); a pulsar is seen in its own beam and, weaker,
// in a few neighbours, and is kept once, at the beam where it is strongest. Used by a
// multi-beam `tianyan search` and by a campaign's merge (docs/campaign.md).
#include <vector>

#include "kernels/search/candidate.hpp"

namespace tianyan {

// The [sift.multibeam] section of the configuration.
struct CoincidenceConfig {
  bool enabled = true;
  // A signal present in at least this many beams of a scan is RFI, [2, 19]. A bright pulsar
  // shows in its beam and up to all 6 neighbours (7 beams), so the default is 8: with
  // require_neighbours on, the neighbour rule then decides.
  int rfi_min_beams = 8;
  // A signal in several beams that are not all within one neighbourhood of the strongest beam
  // (the strongest and its neighbours) is RFI as well.
  bool require_neighbours = true;
  // Same signal: fundamental frequencies within this many Fourier bins (1 / T of the longer
  // of the two observations), and DMs within dm_tol (pc cm^-3) or a fraction dm_frac of the DM.
  double freq_tol_bins = 1.1;
  double dm_tol = 2.0;
  double dm_frac = 0.1;
};

// One signal after coincidence.
struct BeamGroup {
  Candidate best;                 // the detection of highest sigma; best.beam is its beam
  std::vector<int> beams;         // every beam it was found in (ascending)
  std::vector<double> beam_sigma; // the sigma in each of those beams
  bool rfi = false;               // judged terrestrial (too many beams, or not neighbours)
};

// Groups the candidates of one scan's beams (Candidate::beam 1..19; candidates of other
// scans must not be mixed in) into signals and marks the terrestrial ones. Candidates with
// beam 0 (unknown) are never grouped with others. Groups come back ranked by best.sigma.
std::vector<BeamGroup> multibeam_coincidence(const std::vector<Candidate>& scan_candidates,
                                             const CoincidenceConfig& config);

}  // namespace tianyan
