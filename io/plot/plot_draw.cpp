#include "io/plot/plot_draw.hpp"

#include <plplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tianyan::plot_detail {

void set_text_scale(double factor) { plschr(0, factor); }

void set_panel(const PlotBox& box, Range x, Range y) {
  plvpor(box.x0, box.x1, box.y0, box.y1);
  plwind(x.lo, x.hi, y.lo, y.hi);
}

void draw_frame(bool numbers, bool log_x) {
  plcol0(1);
  std::string xopt = numbers ? "bcnst" : "bcst";
  if (log_x) xopt += "l";
  plbox(xopt.c_str(), 0, 0, numbers ? "bcnstv" : "bcst", 0, 0);
}

void label_panel(const std::string& x_label, const std::string& y_label, const std::string& title) {
  plcol0(1);
  pllab(x_label.c_str(), y_label.c_str(), title.c_str());
}

void empty_panel(const PlotBox& box, const std::string& title, const std::string& note) {
  set_panel(box, {0, 1}, {0, 1});
  plcol0(1);
  plbox("bc", 0, 0, "bc", 0, 0);
  pllab("", "", title.c_str());
  plptex(0.5, 0.5, 1, 0, 0.5, note.c_str());
}

void grey_image(const std::vector<double>& image, size_t nrow, size_t ncol, Range x, Range y,
                std::optional<Range> z) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  if (z) {
    lo = z->lo;
    hi = z->hi;
  } else {
    for (double v : image) {
      if (v == kBlank || !std::isfinite(v)) continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!(lo <= hi)) return;      // nothing but blank cells
  if (!(hi > lo)) hi = lo + 1;  // constant: everything in the lowest colour
  // PLplot wants columns of pointers, x first: idata[ix][iy]. Non-finite values, like masked
  // ones, fall below lo and are not drawn.
  std::vector<double> transposed(nrow * ncol);
  std::vector<const double*> columns(ncol);
  for (size_t c = 0; c < ncol; ++c) {
    for (size_t r = 0; r < nrow; ++r) {
      const double v = image[r * ncol + c];
      transposed[c * nrow + r] = std::isfinite(v) ? v : kBlank;
    }
    columns[c] = transposed.data() + c * nrow;
  }
  // plimagefr, not plimage: plimage scales colours over the whole data range, blank cells
  // included, and only clips to [lo, hi]; here both the clip and the colour scale are [lo, hi].
  plimagefr(columns.data(), static_cast<PLINT>(ncol), static_cast<PLINT>(nrow), x.lo, x.hi, y.lo,
            y.hi, lo, hi, lo, hi, nullptr, nullptr);
}

void step_line(const std::vector<double>& values, double x0, double dx) {
  std::vector<double> xs, ys;
  xs.reserve(2 * values.size());
  ys.reserve(2 * values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    xs.push_back(x0 + static_cast<double>(i) * dx);
    xs.push_back(x0 + static_cast<double>(i + 1) * dx);
    ys.push_back(values[i]);
    ys.push_back(values[i]);
  }
  plline(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
}

void step_line(const std::vector<double>& values, const std::vector<double>& edges, bool swap_xy) {
  std::vector<double> xs, ys;
  for (size_t i = 0; i < values.size() && i + 1 < edges.size(); ++i) {
    xs.push_back(edges[i]);
    xs.push_back(edges[i + 1]);
    ys.push_back(values[i]);
    ys.push_back(values[i]);
  }
  if (swap_xy) std::swap(xs, ys);
  plline(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
}

Range data_range(const std::vector<double>& values, double margin) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(lo <= hi)) return {-1, 1};
  if (!(hi > lo)) return {lo - 1, hi + 1};
  const double pad = margin * (hi - lo);
  return {lo - pad, hi + pad};
}

std::string pl_text(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    out += ch;
    if (ch == '#') out += '#';
  }
  return out;
}

std::vector<double> normalise_rows(const float* data, size_t nrow, size_t ncol,
                                   const std::vector<double>& row_var) {
  std::vector<double> out(nrow * ncol);
  for (size_t r = 0; r < nrow; ++r) {
    double* row = out.data() + r * ncol;
    if (!row_var.empty() && !(row_var[r] > 0)) {
      std::fill(row, row + ncol, kBlank);
      continue;
    }
    double mean = 0;
    for (size_t c = 0; c < ncol; ++c) mean += data[r * ncol + c];
    mean /= static_cast<double>(ncol);
    const double scale = row_var.empty() ? 1.0 : 1.0 / std::sqrt(row_var[r]);
    for (size_t c = 0; c < ncol; ++c) row[c] = (data[r * ncol + c] - mean) * scale;
  }
  return out;
}

std::vector<double> two_rotations(const std::vector<double>& image, size_t nrow, size_t ncol) {
  std::vector<double> out(nrow * 2 * ncol);
  for (size_t r = 0; r < nrow; ++r) {
    const double* src = image.data() + r * ncol;
    std::copy(src, src + ncol, out.data() + r * 2 * ncol);
    std::copy(src, src + ncol, out.data() + r * 2 * ncol + ncol);
  }
  return out;
}

Range cell_edges(double first_centre, double last_centre, size_t n) {
  const double lo = std::min(first_centre, last_centre), hi = std::max(first_centre, last_centre);
  const double half = n > 1 ? 0.5 * (hi - lo) / static_cast<double>(n - 1) : 0.5;
  return {lo - half, hi + half};
}

}  // namespace tianyan::plot_detail
