#pragma once
// The folding pass's plan, shared by the CPU engine (fold_cpu.cpp) and the CUDA one
// (fold_cuda.cpp), so both fold the same outputs of the same subband series in the same
// tiles: the DM groups, each channel's integer shift per group, the look-ahead, the tile
// length, and per request the emission time of output 0 and the sub-integration boundaries
// (the definitions are in kernels/fold/fold_cpu.hpp).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/fold/fold_group.hpp"
#include "kernels/fold/folder.hpp"

namespace tianyan {

struct FoldPlan {
  FoldBand band;
  size_t nchan = 0, nsub = 0, per = 0;
  std::vector<FoldGroup> groups;
  std::vector<std::vector<uint32_t>> active;  // [nsubband]: channels not skipped (global)
  std::vector<std::vector<int64_t>> shift;    // [group][nchan]: n_c at the group's DM
  std::vector<int64_t> group_lookahead;       // [group][nsubband]: max n_c (active c)
  std::vector<int64_t> sub_lookahead;         // [nsubband]: max n_c over groups
  int64_t lookahead = 0;                      // max over subbands
  int64_t tile = 0;                           // output samples per tile
  struct Request {
    FoldSpec spec;
    double subint_s = 0;
    std::vector<double> t0_top;   // [nsubband]: emission time - ref_s of output j = 0
    std::vector<int64_t> bounds;  // [nsubband][nsubint + 1]: first output j of subint k
  };
  std::vector<Request> req;

  // Outputs before this hold no sample of subband s in group g: they are not folded.
  int64_t first_output(size_t g, size_t s) const { return -group_lookahead[g * nsub + s]; }
  // The outputs that can be folded once rows up to `end` (exclusive) are in: whole tiles
  // only, so tiles (and the order of every sum) do not depend on the gulps.
  int64_t ready_upto(int64_t end) const {
    return -lookahead + end / tile * tile;
  }
};

// Validates the arguments (Internal error for inconsistent ones, as StreamFolder documents)
// and builds the plan.
FoldPlan make_fold_plan(FoldBand band, size_t nsubband, std::vector<FoldSpec> specs,
                        double max_smear_bins);

// Request r's cube from its accumulated sums: data [nsubint][nsubband][nbin], and per cell
// the sum of squared first differences, the outputs and the differences.
FoldCube make_fold_cube(const FoldPlan& plan, size_t r, std::vector<float> data,
                        const std::vector<double>& diff2, const std::vector<uint64_t>& count,
                        const std::vector<uint64_t>& ndiff);

}  // namespace tianyan
