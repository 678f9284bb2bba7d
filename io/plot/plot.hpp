#pragma once
// Plots with PLplot's cairo devices (pngcairo, pdfcairo): no X server needed, which matters on
// cluster nodes. Panels, units and how to read them: docs/plots.md.
//
// Every function writes one page to `path` atomically (a temporary name beside it, renamed
// into place when PLplot has closed a complete file). Errors:
//  * Environment: the output is not writable, the disk is full, or PLplot (or its cairo
//    driver, Debian package plplot-driver-cairo) is missing or fails; the message names the
//    file and PLplot's own words. PLplot's fatal errors, which would exit() the process, are
//    caught and turned into this error.
//  * BadInput: an unknown format in PlotOptions ("PATH: unknown plot format").
//  * Internal: the data to plot are inconsistent (a grid whose size does not match).
// PLplot keeps global state, so all plotting in the process is serialised by one mutex: the
// functions are safe to call from several threads at once (they run one after the other), but
// two concurrent calls must not write the same path.
#include <string>
#include <vector>

#include "kernels/fold/fold.hpp"
#include "kernels/rfi/rfi_mask.hpp"
#include "kernels/search/candidate.hpp"

namespace tianyan {

// Which quantity the second axis of the period-derivative map shows.
enum class PlotSpinAxis {
  Auto,   // acceleration for a search candidate (FoldMeta::rank > 0 or a non-zero search
          // acceleration), Pdot for a fold from an ephemeris (--period/--pdot)
  Pdot,   // period derivative, s/s
  Accel,  // line-of-sight acceleration, m/s^2
};

struct PlotOptions {
  std::string format = "png";  // "png" (pngcairo) or "pdf" (pdfcairo)
  // Page size. PNG: pixels. PDF: the same aspect ratio on a page 11 inches wide.
  int width_px = 1600;
  int height_px = 1200;
  PlotSpinAxis spin_axis = PlotSpinAxis::Auto;
  int label_top = 10;  // overview: label this many of the best candidates with their rank
};

// The 320 x 240 PNG options of a report thumbnail (plot_thumbnail).
PlotOptions thumbnail_options();

// One page per candidate, after prepfold: the profile over two rotations; phase against time
// (sub-integrations) and against frequency (subbands) as grey scales, masked rows left blank;
// S/N against DM trial; the period / period-derivative S/N map with the best point marked; a
// text block. Reads c.best (profile, time_phase, freq_phase, grids), c.cube (shapes, bin_var,
// frequencies, sub-integration times) and c.meta (text). Missing grids give an empty panel
// that says so.
void plot_candidate_sheet(const std::string& path, const FoldedCandidate& c,
                          const PlotOptions& options);

// A small image for the HTML report: the profile twice over and the phase-time grey scale.
// Use thumbnail_options() or any size.
void plot_thumbnail(const std::string& path, const FoldedCandidate& c, const PlotOptions& options);

// The whole search: `ranked` (best first; rank = index + 1) in the period-DM plane, period on a
// logarithmic axis, symbol size growing with sigma, the best options.label_top labelled with
// their rank. An empty list gives empty axes that say so.
void plot_search_overview(const std::string& path, const std::vector<Candidate>& ranked,
                          const PlotOptions& options);

// The RFI mask: masked fraction against time (per block) and against frequency (per channel),
// and the mask itself as a grey scale, time x frequency, averaged down to the panel's pixels
// (black: every sample of the cell masked).
void plot_rfi_mask(const std::string& path, const RfiMask& mask, const PlotOptions& options);

// Where the panels lie on the page, in PLplot's normalised viewport coordinates (0..1, origin
// at the bottom left): in pixels, x from x0 * width to x1 * width and rows from
// (1 - y1) * height to (1 - y0) * height counted from the top. Tests look inside these boxes.
struct PlotBox {
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
};
struct CandidateSheetLayout {
  PlotBox profile, time_phase, freq_phase, dm_curve, spin_map, text;
};
struct ThumbnailLayout {
  PlotBox profile, time_phase;
};
struct RfiMaskLayout {
  PlotBox vs_time, vs_freq, mask;
};
CandidateSheetLayout candidate_sheet_layout();
ThumbnailLayout thumbnail_layout();
PlotBox search_overview_layout();
RfiMaskLayout rfi_mask_layout();

}  // namespace tianyan
