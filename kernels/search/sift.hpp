#pragma once
// Sifting of the candidates of all DM trials of one beam (PRESTO's ACCEL_sift logic;
// docs/search.md, "Sifting"): merge candidates that agree in frequency across DM trials and
// acceleration trials, require several DM hits in contiguous trials and a DM peak away from 0,
// drop harmonically related candidates in favour of the strongest, rank by sigma.
#include <vector>

#include "kernels/search/candidate.hpp"

namespace tianyan {

struct SiftConfig {
  double merge_bins = 1.1;     // same signal when frequencies agree within this many bins (1/T)
  int min_dm_hits = 2;         // hits needed in contiguous DM trials, [1, 1e6]
  double min_dm = 2.0;         // the best DM must exceed this, pc cm^-3 (terrestrial signals
                               // peak at 0)
  double min_sigma = 5.0;      // candidates below this are dropped before merging, [0, 1e6]
  int max_harmonic = 32;       // drop f / f_strong near n or 1/n for n <= this, and near the
                               // ratios 3/2, 5/2, 2/3, 4/3, 5/3, 3/4, 5/4, 2/5, 3/5, 4/5
  int max_candidates = 200;    // the strongest this many are kept, [1, 1e7]
};

// Steps, in order:
// 1. drop candidates with sigma < min_sigma;
// 2. sort by sigma (descending; ties by frequency, so the result is deterministic) and merge
//    every candidate within merge_bins / tobs_s Hz of a stronger kept one into it; the kept
//    one's dm_hits counts the distinct DM trials (dm_index) merged into it;
// 3. drop those whose longest run of consecutive dm_index values is shorter than min_dm_hits,
//    or whose own dm <= min_dm; a survivor's dm (and dm_index) moves to the middle of the
//    contiguous DM trials around its peak whose sigma is within 1 of the peak's (the member
//    trial nearest that middle): flat DM curves of wide pulses peak at random in their top;
// 4. drop a candidate whose frequency is within merge_bins / tobs_s (scaled by the ratio for
//    f = ratio x f_strong) of a harmonic ratio of a stronger survivor, or whose q-th harmonic
//    (2 <= q <= min(nharm, max_harmonic)) is within merge_bins / tobs_s of the p-th harmonic
//    (p <= max_harmonic) of a stronger survivor: an alias its harmonic sum built from it;
// 5. keep the max_candidates strongest, ranked by sigma.
std::vector<Candidate> sift_candidates(std::vector<Candidate> candidates, const SiftConfig& cfg);

}  // namespace tianyan
