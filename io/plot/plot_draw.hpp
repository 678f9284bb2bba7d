#pragma once
// Internal to io/plot: small drawing helpers over PLplot's C API, called inside render_page
// (io/plot/plot_session.hpp) and so under its lock. Images are row-major vectors
// [nrow][ncol], row 0 at the bottom of the panel, column 0 at the left.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "io/plot/plot.hpp"

namespace tianyan::plot_detail {

// A value that grey_image leaves undrawn (blank: the page background shows).
inline constexpr double kBlank = -1e300;

struct Range {
  double lo = 0, hi = 1;
};

// Character height relative to PLplot's default, which the cairo driver scales with the page
// (about 1/37 of the page height).
void set_text_scale(double factor);

// Selects the panel and its world coordinates.
void set_panel(const PlotBox& box, Range x, Range y);

// Frame with numeric labels on the left and bottom ("bcnst" / "bcnstv" in PLplot's terms);
// `numbers` false draws the frame and ticks only.
void draw_frame(bool numbers = true, bool log_x = false);

// Axis labels and a title above the panel; '#' in them is PLplot's escape character.
void label_panel(const std::string& x_label, const std::string& y_label, const std::string& title);

// A frame with a title and a note in the middle, for data that are absent.
void empty_panel(const PlotBox& box, const std::string& title, const std::string& note);

// Draws an image over [x.lo, x.hi] x [y.lo, y.hi] (the outer edges of its cells) with the
// current cmap1, scaled from the smallest to the largest value that is not kBlank (or over
// `z` when given). A constant image draws in the lowest colour (white).
void grey_image(const std::vector<double>& image, size_t nrow, size_t ncol, Range x, Range y,
                std::optional<Range> z = std::nullopt);

// A profile as steps: bin i spans [x0 + i dx, x0 + (i+1) dx).
void step_line(const std::vector<double>& values, double x0, double dx);
// Steps with explicit edges: value i spans [edges[i], edges[i+1]) (edges.size() = n + 1).
// `swap_xy` draws the value along x and the edges along y.
void step_line(const std::vector<double>& values, const std::vector<double>& edges, bool swap_xy);

// Smallest and largest finite values, widened by `margin` of the span on both sides (a
// constant series gets +-1).
Range data_range(const std::vector<double>& values, double margin);

// Doubles '#' so that text from files prints literally.
std::string pl_text(const std::string& text);

// Rows normalised for display: each row minus its mean, divided by sqrt(row_var[r]) when that
// is positive. A row with row_var[r] == 0 (nothing folded: masked) becomes kBlank. An empty
// row_var means unknown variances: rows are only mean-subtracted.
std::vector<double> normalise_rows(const float* data, size_t nrow, size_t ncol,
                                   const std::vector<double>& row_var);

// [nrow][ncol] -> [nrow][2 ncol]: every row twice over (two rotations of phase).
std::vector<double> two_rotations(const std::vector<double>& image, size_t nrow, size_t ncol);

// Outer edges of cells centred on evenly spaced `centres` (at least 2, either order).
Range cell_edges(double first_centre, double last_centre, size_t n);

}  // namespace tianyan::plot_detail
