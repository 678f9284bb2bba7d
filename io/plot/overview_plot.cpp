// The overview of a search and the RFI mask plot (io/plot/plot.hpp, docs/plots.md).
#include <fmt/format.h>
#include <plplot.h>

#include <algorithm>
#include <cmath>

#include "io/plot/plot.hpp"
#include "io/plot/plot_draw.hpp"
#include "io/plot/plot_session.hpp"

namespace tianyan {
namespace {
using namespace plot_detail;

// Symbol scale from sigma: the weakest candidate 0.6, the strongest 3.
double symbol_scale(double sigma, Range s) {
  const double span = s.hi - s.lo;
  const double t = span > 0 ? std::clamp((sigma - s.lo) / span, 0.0, 1.0) : 0.5;
  return 0.6 + 2.4 * t;
}

void draw_candidates(const std::vector<Candidate>& ranked, int label_top) {
  std::vector<double> sigmas;
  for (const Candidate& c : ranked) sigmas.push_back(c.sigma);
  const Range s = data_range(sigmas, 0.0);
  // Weakest first, so that strong candidates are drawn on top.
  for (size_t k = ranked.size(); k-- > 0;) {
    const Candidate& c = ranked[k];
    if (!(c.freq_hz > 0)) continue;
    const PLFLT x = std::log10(1e3 / c.freq_hz), y = c.dm;
    plcol0(k < static_cast<size_t>(std::max(label_top, 0)) ? 2 : 1);
    plssym(0, symbol_scale(c.sigma, s));
    plpoin(1, &x, &y, 4);
  }
  plssym(0, 1.0);
  plcol0(2);
  const size_t nlabel = std::min(ranked.size(), static_cast<size_t>(std::max(label_top, 0)));
  for (size_t k = 0; k < nlabel; ++k) {
    if (!(ranked[k].freq_hz > 0)) continue;
    const std::string label = fmt::format("  {}", k + 1);
    plptex(std::log10(1e3 / ranked[k].freq_hz), ranked[k].dm, 1, 0, 0, label.c_str());
  }
  plcol0(1);
}

void draw_overview(const std::vector<Candidate>& ranked, const PlotOptions& options) {
  std::vector<double> logp, dms;
  for (const Candidate& c : ranked) {
    if (!(c.freq_hz > 0)) continue;
    logp.push_back(std::log10(1e3 / c.freq_hz));
    dms.push_back(c.dm);
  }
  Range x = logp.empty() ? Range{0, 4} : data_range(logp, 0.08);
  if (x.hi - x.lo < 0.5) x = {0.5 * (x.lo + x.hi) - 0.25, 0.5 * (x.lo + x.hi) + 0.25};
  Range y = dms.empty() ? Range{0, 100} : data_range(dms, 0.08);
  y.lo =
      std::max(y.lo, dms.empty() ? 0.0 : std::min(0.0, *std::min_element(dms.begin(), dms.end())));
  set_text_scale(0.6);
  set_panel(search_overview_layout(), x, y);
  draw_frame(true, true);
  draw_candidates(ranked, options.label_top);
  std::string scan = ranked.empty() ? "" : ranked.front().scan;
  const size_t nred = std::min(ranked.size(), static_cast<size_t>(std::max(options.label_top, 0)));
  const std::string title =
      fmt::format("{} candidates{}{}: symbol size grows with #gs; red: best {}", ranked.size(),
                  scan.empty() ? "" : " of ", pl_text(scan), nred);
  label_panel("Period (ms)", "DM (pc cm#u-3#d)", title);
  if (ranked.empty()) plptex(0.5 * (x.lo + x.hi), 0.5 * (y.lo + y.hi), 1, 0, 0.5, "no candidates");
}

// The mask averaged into at most ncol time columns x nrow frequency rows: the fraction of each
// cell's samples masked (whole cells, plus the samples clipped in every channel).
std::vector<double> decimated_mask(const RfiMask& mask, size_t ncol, size_t nrow) {
  const size_t nb = mask.nblocks(), nc = mask.nchan();
  std::vector<double> masked(nrow * ncol, 0.0), total(nrow * ncol, 0.0);
  for (size_t b = 0; b < nb; ++b) {
    const size_t col = b * ncol / nb;
    const double ns = static_cast<double>(mask.block_samples(b));
    const double clip = ns > 0 ? static_cast<double>(mask.clipped(b).size()) / ns : 0.0;
    const uint8_t* cells = mask.block_cells(b);
    for (size_t ch = 0; ch < nc; ++ch) {
      const size_t i = (ch * nrow / nc) * ncol + col;
      masked[i] += ns * (cells[ch] != 0 ? 1.0 : clip);
      total[i] += ns;
    }
  }
  for (size_t i = 0; i < masked.size(); ++i) masked[i] = total[i] > 0 ? masked[i] / total[i] : 0.0;
  return masked;
}

void draw_mask_panels(const RfiMask& mask, const PlotOptions& options) {
  const RfiMaskLayout l = rfi_mask_layout();
  const RfiMaskSummary sum = mask.summary();
  const size_t nb = mask.nblocks(), nc = mask.nchan();
  std::vector<double> t_edges(nb + 1, 0.0);
  for (size_t b = 0; b < nb; ++b) {
    t_edges[b + 1] = t_edges[b] + static_cast<double>(mask.block_samples(b)) * mask.tsamp_s();
  }
  const double t = t_edges.back();
  const std::vector<double>& f = mask.freqs_mhz();
  const Range tr{0, t > 0 ? t : 1};
  const Range fr = cell_edges(f.front(), f.back(), nc);
  set_text_scale(0.6);
  // Mask image, reduced to the panel's pixels.
  const size_t ncol =
      std::clamp<size_t>(static_cast<size_t>((l.mask.x1 - l.mask.x0) * options.width_px), 1, nb);
  const size_t nrow =
      std::clamp<size_t>(static_cast<size_t>((l.mask.y1 - l.mask.y0) * options.height_px), 1, nc);
  std::vector<double> img = decimated_mask(mask, ncol, nrow);
  if (f.front() > f.back()) {  // rows must run upwards in frequency
    for (size_t r = 0; r < nrow / 2; ++r) {
      std::swap_ranges(img.begin() + static_cast<long>(r * ncol),
                       img.begin() + static_cast<long>((r + 1) * ncol),
                       img.begin() + static_cast<long>((nrow - 1 - r) * ncol));
    }
  }
  set_panel(l.mask, tr, fr);
  grey_image(img, nrow, ncol, tr, fr, Range{0, 1});
  draw_frame();
  label_panel("Time (s)", "Frequency (MHz)", "Mask (black: all samples masked)");
  // Fraction against time, above the mask.
  set_panel(l.vs_time, tr, {0, 1.05});
  draw_frame();
  step_line(sum.block_fraction, t_edges, false);
  label_panel("", "Masked",
              fmt::format("RFI mask: {:.2f} % masked, {:.3f} % clipped", 100 * sum.total_fraction,
                          100 * sum.clipped_fraction));
  // Fraction against frequency, right of the mask, sharing its frequency axis.
  set_panel(l.vs_freq, {0, 1.05}, fr);
  draw_frame();
  std::vector<double> f_edges(nc + 1);
  const double df = nc > 1 ? (f.back() - f.front()) / static_cast<double>(nc - 1) : 1.0;
  for (size_t ch = 0; ch <= nc; ++ch)
    f_edges[ch] = f.front() + (static_cast<double>(ch) - 0.5) * df;
  step_line(sum.channel_fraction, f_edges, true);
  label_panel("Masked", "", "Per channel");
}

}  // namespace

PlotBox search_overview_layout() { return {0.09, 0.96, 0.09, 0.92}; }

RfiMaskLayout rfi_mask_layout() {
  RfiMaskLayout l;
  l.mask = {0.09, 0.72, 0.08, 0.68};
  l.vs_time = {0.09, 0.72, 0.76, 0.93};
  l.vs_freq = {0.77, 0.97, 0.08, 0.68};
  return l;
}

void plot_search_overview(const std::string& path, const std::vector<Candidate>& ranked,
                          const PlotOptions& options) {
  render_page(path, options, [&] { draw_overview(ranked, options); });
}

void plot_rfi_mask(const std::string& path, const RfiMask& mask, const PlotOptions& options) {
  render_page(path, options, [&] {
    if (mask.nblocks() == 0 || mask.nchan() == 0) {
      set_text_scale(0.6);
      return empty_panel(rfi_mask_layout().mask, "RFI mask", "empty mask: no blocks");
    }
    draw_mask_panels(mask, options);
  });
}

}  // namespace tianyan
