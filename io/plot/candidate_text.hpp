#pragma once
// Internal to io/plot: the text of a candidate sheet, as PLplot strings ('#' escapes already
// applied to text that came from files).
#include <string>
#include <vector>

#include "io/plot/plot.hpp"

namespace tianyan::plot_detail {

// True when the period-derivative map shows acceleration (see PlotSpinAxis::Auto).
bool use_accel_axis(const FoldMeta& meta, PlotSpinAxis axis);

// "12.3456789 ± 0.0000012": the error to two significant digits and the value to the same
// decimal place; a non-positive or non-finite error prints the value alone ("%.10g").
std::string value_with_error(double value, double err);
// The same in scientific notation, for period derivatives: "1.234e-15 ± 5.6e-17".
std::string sci_with_error(double value, double err);

struct SheetText {
  std::vector<std::string> left;   // provenance: source, telescope, times, files, version
  std::vector<std::string> right;  // measurements: P, Pdot or accel, DM, S/N, search values
};
SheetText candidate_text(const FoldedCandidate& c, bool accel);

}  // namespace tianyan::plot_detail
