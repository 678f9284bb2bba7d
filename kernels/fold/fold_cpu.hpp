#pragma once
// The folding pass's engine (CPU): cleaned data go in gulp by gulp, in stream order, and come
// out as one FoldCube per request, all requests folded in the same single pass
// (docs/fold.md has the algorithm and its measured cost).
//
//  * Requests are grouped by DM (kernels/fold/fold_group.hpp) so that the intra-subband
//    smearing of a member's DM error is below `max_smear_bins` phase bins of every member.
//  * Per group, subband s's series is y_s[j] = sum over the subband's channels c of
//    x_c[j + n_c], n_c = round(delay(group DM, f_c, f_top) / tsamp) >= 0, f_top its highest
//    channel: the arrival time at f_top of sample j is j tsamp. Output indices j run from
//    -max(n_c) to nsamples - 1, so every input sample is folded once; x beyond the stream
//    (before 0, at or after nsamples) counts as 0.
//  * Each member folds y_s[j] at emission time t = (j + 1/2) tsamp - delay(DM, f_top, f_ref)
//    (the sample's middle; f_ref the highest channel): phase bin floor(frac(phase(t)) nbin),
//    sub-integration floor(t / subint_s) clamped to [0, nsubint), subint_s = tobs / nsubint.
//  * bin_var[k][s] = v n / nbin, n the outputs y_s[j] in sub-integration k and
//    v = sum (y[j] - y[j-1])^2 / (2 (n - 1)) over consecutive outputs of k: the white-noise
//    variance of one output, measured from first differences so that slow signals (the FAST
//    noise diode, a 0.3 sigma square wave in every channel, doubled the plain variance of a
//    64-channel subband) and baselines do not count as noise. Channels that are exactly 0
//    (masked) add nothing to it.
//
// Memory: the cubes (nsubint x nsubband x nbin floats per request), the rows of the previous
// gulp the next one still needs (at most one tile plus max n_c rows of nchan floats; a tile
// is max(2048, 2 max n_c) samples), and per thread one tile of (channels per subband) x
// (tile + max n_c) floats. Nothing grows with the observation's length.
//
// Tiles of output samples sit at fixed positions (-max n_c + m x tile), so the cubes are the
// same bit for bit whatever the gulp sizes and the thread count.
//
// Threads: OpenMP over subbands (each thread owns whole subbands of every cube, so sums are
// made in a fixed order and the cubes do not depend on the thread count).
//
// The plan (groups, shifts, tiles, boundaries) is kernels/fold/fold_plan.hpp and the
// per-sample arithmetic kernels/fold/fold_elements.hpp, both shared with the CUDA engine.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/fold/fold.hpp"
#include "kernels/fold/fold_group.hpp"
#include "kernels/fold/folder.hpp"

namespace tianyan {

class StreamFolder final : public Folder {
 public:
  // nsubband must divide the channel count. Throws Internal for inconsistent arguments.
  StreamFolder(FoldBand band, size_t nsubband, std::vector<FoldSpec> specs, int threads,
               double max_smear_bins = 0.5);
  ~StreamFolder() override;
  StreamFolder(const StreamFolder&) = delete;
  StreamFolder& operator=(const StreamFolder&) = delete;

  // The Folder contract (kernels/fold/folder.hpp).
  void add(const float* data, uint64_t start, uint64_t nsamp) override;
  std::vector<FoldCube> finish() override;
  const std::vector<FoldGroup>& groups() const override;
  size_t memory_bytes() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tianyan
