// The candidate sheet and its thumbnail (io/plot/plot.hpp; panels described in docs/plots.md).
#include <plplot.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "io/plot/candidate_text.hpp"
#include "io/plot/plot.hpp"
#include "io/plot/plot_draw.hpp"
#include "io/plot/plot_session.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {
using namespace plot_detail;

// Checks the shapes the panels rely on, so that a bad archive or a bug fails with a message
// instead of reading past a vector.
void check_shapes(const std::string& path, const FoldedCandidate& c) {
  const FoldCube& q = c.cube;
  const FoldOptimum& b = c.best;
  if (!(b.model.freq_hz > 0) || !std::isfinite(b.model.freq_hz)) {
    throw internal_error("{}: candidate sheet: best frequency {} Hz is not positive", path,
                         b.model.freq_hz);
  }
  auto expect = [&](const char* what, size_t got, size_t want) {
    if (got != want && got != 0) {
      throw internal_error("{}: candidate sheet: {} has {} values, expected {}", path, what, got,
                           want);
    }
  };
  expect("profile", b.profile.size(), q.nbin);
  expect("time_phase", b.time_phase.size(), q.nsubint * q.nbin);
  expect("freq_phase", b.freq_phase.size(), q.nsubband * q.nbin);
  expect("bin_var", q.bin_var.size(), q.nsubint * q.nsubband);
  expect("freqs_mhz", q.freqs_mhz.size(), q.nsubband);
  expect("subint_mid_s", q.subint_mid_s.size(), q.nsubint);
  expect("dm_snr", b.dm_snr.size(), b.dm_grid.size());
  expect("freq_fdot_snr", b.freq_fdot_snr.size(), b.freq_grid_hz.size() * b.fdot_grid_hz_s.size());
}

// Noise variance of one bin of each time_phase row (sum over subbands) or of each freq_phase
// row (sum over sub-integrations); empty when the cube carries no variances.
std::vector<double> row_variances(const FoldCube& q, bool per_subint) {
  if (q.bin_var.empty()) return {};
  std::vector<double> var(per_subint ? q.nsubint : q.nsubband, 0.0);
  for (size_t i = 0; i < q.nsubint; ++i) {
    for (size_t s = 0; s < q.nsubband; ++s)
      var[per_subint ? i : s] += q.bin_var[i * q.nsubband + s];
  }
  return var;
}

void draw_profile(const PlotBox& box, const FoldedCandidate& c, bool numbers) {
  const FoldCube& q = c.cube;
  if (c.best.profile.empty() || q.nbin == 0) return empty_panel(box, "Profile", "no profile");
  std::vector<double> var = row_variances(q, true);
  double total_var = 0;
  for (double v : var) total_var += v;
  std::vector<double> prof =
      normalise_rows(c.best.profile.data(), 1, q.nbin,
                     total_var > 0 ? std::vector<double>{total_var} : std::vector<double>{});
  prof = two_rotations(prof, 1, q.nbin);
  set_panel(box, {0, 2}, data_range(prof, 0.08));
  draw_frame(numbers);
  step_line(prof, 0.0, 1.0 / static_cast<double>(q.nbin));
  if (numbers) {
    label_panel("Phase (turns)", total_var > 0 ? "Amplitude (#gs)" : "Amplitude (arb.)",
                "Profile, two rotations");
  }
}

Range time_range(const FoldCube& q) {
  if (q.subint_mid_s.size() >= 2)
    return cell_edges(q.subint_mid_s.front(), q.subint_mid_s.back(), q.nsubint);
  return {0, q.tobs_s > 0 ? q.tobs_s : 1.0};
}

void draw_time_phase(const PlotBox& box, const FoldedCandidate& c, bool numbers) {
  const FoldCube& q = c.cube;
  if (c.best.time_phase.empty() || q.nbin == 0) {
    return empty_panel(box, "Phase vs time", "no sub-integrations");
  }
  const std::vector<double> img = two_rotations(
      normalise_rows(c.best.time_phase.data(), q.nsubint, q.nbin, row_variances(q, true)),
      q.nsubint, q.nbin);
  const Range t = time_range(q);
  set_panel(box, {0, 2}, t);
  grey_image(img, q.nsubint, 2 * q.nbin, {0, 2}, t);
  draw_frame(numbers);
  if (numbers) label_panel("Phase (turns)", "Time (s)", "Phase vs time");
}

void draw_freq_phase(const PlotBox& box, const FoldedCandidate& c) {
  const FoldCube& q = c.cube;
  if (c.best.freq_phase.empty() || q.nbin == 0 || q.freqs_mhz.empty()) {
    return empty_panel(box, "Phase vs frequency", "no subbands");
  }
  const std::vector<double> img = two_rotations(
      normalise_rows(c.best.freq_phase.data(), q.nsubband, q.nbin, row_variances(q, false)),
      q.nsubband, q.nbin);
  const Range f = q.nsubband >= 2 ? cell_edges(q.freqs_mhz.front(), q.freqs_mhz.back(), q.nsubband)
                                  : Range{q.freqs_mhz[0] - 0.5, q.freqs_mhz[0] + 0.5};
  set_panel(box, {0, 2}, f);
  grey_image(img, q.nsubband, 2 * q.nbin, {0, 2}, f);
  draw_frame();
  label_panel("Phase (turns)", "Frequency (MHz)", "Phase vs frequency (blank: masked)");
}

void draw_dm_curve(const PlotBox& box, const FoldedCandidate& c) {
  const FoldOptimum& b = c.best;
  if (b.dm_grid.size() < 2) return empty_panel(box, "S/N vs DM", "no DM trials");
  const Range x = data_range(b.dm_grid, 0.0);
  const Range y = data_range(b.dm_snr, 0.08);
  set_panel(box, x, y);
  draw_frame();
  plcol0(4);
  pllsty(2);
  const PLFLT xs[2] = {b.model.dm, b.model.dm}, ys[2] = {y.lo, y.hi};
  plline(2, xs, ys);
  pllsty(1);
  plcol0(1);
  plline(static_cast<PLINT>(b.dm_grid.size()), b.dm_grid.data(), b.dm_snr.data());
  label_panel("DM (pc cm#u-3#d)", "S/N", "S/N vs DM (dashed: best)");
}

// Period offsets are shown in the unit that keeps their numbers readable.
struct PeriodUnit {
  double scale;
  const char* name;
};
PeriodUnit period_unit(double span_s) {
  if (span_s >= 1e-3) return {1e3, "ms"};
  if (span_s >= 1e-6) return {1e6, "#gms"};
  return {1e9, "ns"};
}

void draw_spin_map(const PlotBox& box, const FoldedCandidate& c, bool accel) {
  const FoldOptimum& b = c.best;
  const size_t nf = b.freq_grid_hz.size(), nd = b.fdot_grid_hz_s.size();
  const char* title = accel ? "S/N vs period and acceleration" : "S/N vs period and Ṗ";
  if (nf < 2 || nd < 2) return empty_panel(box, title, "no period grid");
  const double f0 = b.model.freq_hz, p0 = 1.0 / f0;
  auto y_of = [&](double fdot) {
    const FoldModel m{f0, fdot, b.model.dm, b.model.ref_s};
    return accel ? m.accel_ms2() : m.pdot();
  };
  const double dp_first = 1.0 / b.freq_grid_hz.front() - p0,
               dp_last = 1.0 / b.freq_grid_hz.back() - p0;
  const PeriodUnit unit = period_unit(std::max(std::abs(dp_first), std::abs(dp_last)));
  const Range x = cell_edges(dp_first * unit.scale, dp_last * unit.scale, nf);
  const double y_first = y_of(b.fdot_grid_hz_s.front()), y_last = y_of(b.fdot_grid_hz_s.back());
  const Range y = cell_edges(y_first, y_last, nd);
  // The image runs left to right and bottom to top: flip a grid that runs the other way.
  const bool flip_x = dp_last < dp_first, flip_y = y_last < y_first;
  std::vector<double> img(nd * nf);
  for (size_t j = 0; j < nd; ++j) {
    for (size_t i = 0; i < nf; ++i) {
      img[(flip_y ? nd - 1 - j : j) * nf + (flip_x ? nf - 1 - i : i)] = b.freq_fdot_snr[j * nf + i];
    }
  }
  set_panel(box, x, y);
  grey_image(img, nd, nf, x, y);
  draw_frame();
  plcol0(2);
  plssym(0, 2.0);
  const PLFLT bx = 0.0, by = y_of(b.model.fdot_hz_s);
  plpoin(1, &bx, &by, 5);
  plssym(0, 1.0);
  plcol0(1);
  label_panel(fmt::format("P - P#dbest#u ({})", unit.name),
              accel ? "Acceleration (m s#u-2#d)" : "Ṗ (s/s)", fmt::format("{} (x: best)", title));
}

void draw_text(const PlotBox& box, const FoldedCandidate& c, bool accel) {
  const SheetText text = candidate_text(c, accel);
  plvpor(box.x0, box.x1, box.y0, box.y1);
  plwind(0, 1, 0, 1);
  plcol0(1);
  const size_t rows = std::max<size_t>({text.left.size(), text.right.size(), 10}) + 1;
  for (size_t i = 0; i < text.left.size(); ++i) {
    plptex(0.0, 1.0 - (static_cast<double>(i) + 0.8) / static_cast<double>(rows), 1, 0, 0,
           text.left[i].c_str());
  }
  for (size_t i = 0; i < text.right.size(); ++i) {
    plptex(0.52, 1.0 - (static_cast<double>(i) + 0.8) / static_cast<double>(rows), 1, 0, 0,
           text.right[i].c_str());
  }
}

}  // namespace

CandidateSheetLayout candidate_sheet_layout() {
  CandidateSheetLayout l;
  l.profile = {0.07, 0.28, 0.80, 0.95};
  l.time_phase = {0.07, 0.28, 0.07, 0.71};
  l.freq_phase = {0.36, 0.57, 0.07, 0.71};
  l.dm_curve = {0.65, 0.97, 0.50, 0.71};
  l.spin_map = {0.65, 0.97, 0.07, 0.40};
  l.text = {0.36, 0.995, 0.765, 0.995};
  return l;
}

ThumbnailLayout thumbnail_layout() {
  ThumbnailLayout l;
  l.profile = {0.04, 0.96, 0.70, 0.97};
  l.time_phase = {0.04, 0.96, 0.03, 0.66};
  return l;
}

PlotOptions thumbnail_options() {
  PlotOptions o;
  o.width_px = 320;
  o.height_px = 240;
  return o;
}

void plot_candidate_sheet(const std::string& path, const FoldedCandidate& c,
                          const PlotOptions& options) {
  check_shapes(path, c);
  const bool accel = use_accel_axis(c.meta, options.spin_axis);
  const CandidateSheetLayout l = candidate_sheet_layout();
  plot_detail::render_page(path, options, [&] {
    set_text_scale(0.55);
    draw_profile(l.profile, c, true);
    draw_time_phase(l.time_phase, c, true);
    draw_freq_phase(l.freq_phase, c);
    draw_dm_curve(l.dm_curve, c);
    draw_spin_map(l.spin_map, c, accel);
    set_text_scale(0.52);
    draw_text(l.text, c, accel);
  });
}

void plot_thumbnail(const std::string& path, const FoldedCandidate& c, const PlotOptions& options) {
  check_shapes(path, c);
  const ThumbnailLayout l = thumbnail_layout();
  plot_detail::render_page(path, options, [&] {
    set_text_scale(0.5);
    draw_profile(l.profile, c, false);
    draw_time_phase(l.time_phase, c, false);
  });
}

}  // namespace tianyan
