#pragma once
// Synthetic inputs for the plot tests and the helper that looks at the pixels of a PNG.
#include <string>
#include <vector>

#include "io/plot/plot.hpp"

namespace tianyan::test {

// A folded pulsar: nsubint 32 x nsubband 32 x nbin 64, a Gaussian pulse at phase 0.3 in noise
// (fixed seed), subbands 5 and 6 masked (bin_var 0, data 0), DM and period-fdot grids with a
// peak at the best values. blank = true: the same shapes and metadata, every datum 0 and no
// grids.
FoldedCandidate make_candidate(bool blank = false);
inline constexpr size_t kMaskedSubbands[] = {5, 6};

// Candidates for the overview: n of them, sigma falling with rank, periods 1 ms..2 s.
std::vector<Candidate> make_candidates(size_t n);

// An RFI mask of nchan 64 x nblocks 100 with channels 10..15 masked in every block and blocks
// 40..45 masked in every channel: 1 - (1 - 6/64)(1 - 6/100) of the cells.
RfiMask make_mask();

struct PixelBox {
  int x0, y0, x1, y1;  // pixels, rows from the top, end exclusive
};
// A PlotBox of a width x height page in pixels, shrunk by `inset` pixels on each side (to stay
// clear of the frame and its ticks).
PixelBox pixel_box(const PlotBox& box, int width, int height, int inset);

struct PngStats {
  int width = 0, height = 0;
  std::vector<double> inked_fraction;  // per box: non-white pixels / pixels
  std::vector<long> inked;             // per box: non-white pixels
};
// Decodes the PNG with tests/plot/png_stats.py (python3's zlib); fails the test on error.
PngStats png_stats(const std::string& path, const std::vector<PixelBox>& boxes);

// True when python3 was found at configure time.
bool have_python();

}  // namespace tianyan::test
