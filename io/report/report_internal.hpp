#pragma once
// Pieces of report.html shared between the files of io/report/ (not a public interface).
#include <nlohmann/json.hpp>
#include <string>

namespace tianyan::report_detail {

// The page's inline style sheet and script (report_assets.cpp). The script expects the
// elements written by format_report_html: #cand-data (the JSON blob {"rows": [...]}),
// #cand-table with <th data-key=KEY><button>, #cand-body, #cand-count and the filter inputs
// #min_sigma, #dm_min, #dm_max, #p_min, #p_max, #filter-reset.
extern const char* const kReportCss;
extern const char* const kReportJs;

// run_metadata as static HTML: "configuration", "inputs", "timings" first, then every other
// member, each in a <section> with its key as heading (report_metadata.cpp).
std::string render_run_metadata(const nlohmann::json& run_metadata);

}  // namespace tianyan::report_detail
