#pragma once
// DIR/report.html: one static page that browses the candidates of a search offline (no server,
// no network: CSS and JS are inline, images are relative paths to files in DIR). docs/report.md
// describes the page and its URL parameters (?sort=, ?order=, ?min_sigma=, ?dm_min=, ...).
//
// The candidate data travel in the page as a JSON blob inside <script type="application/json">
// and the page's JS builds the sortable, filterable table from it; a <noscript> static table
// holds the same rows for browsers without JS. The run metadata are rendered in C++ as static
// HTML (nested tables), so they need no JS.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/search/candidate.hpp"

namespace tianyan {

// One candidate of the table. File names are relative to DIR ("" when absent); they are
// percent-encoded into the links, so any name is safe.
struct ReportRow {
  Candidate cand;
  int rank = 0;              // 1-based position in the ranked list
  bool folded = false;       // the fold_* and redchi2 fields hold only when true
  double fold_snr = 0;       // profile S/N at the optimised model (FoldOptimum::snr)
  double redchi2 = 0;        // reduced chi-square of the profile (FoldOptimum::redchi2)
  double fold_period_s = 0;  // optimised period, s
  double fold_dm = 0;        // optimised DM, pc cm^-3
  std::string plot;          // full candidate sheet (PNG)
  std::string thumbnail;     // small image for the table (the plot itself is used when empty)
  std::string archive;       // fold archive
  std::string summary;       // JSON summary of the fold
};

// Writes DIR/report.html atomically (the directory is created when missing).
//  * overview_images: file names relative to DIR shown on top of the page, in order;
//  * run_metadata: any JSON, rendered at the bottom. Members "configuration" (a string is shown
//    as preformatted text), "inputs" and "timings" come first when present; every other member
//    follows, objects as nested tables and arrays as lists.
// Throws Internal when a file name is absolute or climbs out of DIR ("..") and Environment when
// the file cannot be written.
void write_report_html(const std::string& dir, const std::vector<ReportRow>& rows,
                       const std::vector<std::string>& overview_images,
                       const nlohmann::json& run_metadata);

// The page itself (what write_report_html writes), for tests and for callers that store it
// elsewhere. Same arguments and errors, without the writing.
std::string format_report_html(const std::vector<ReportRow>& rows,
                               const std::vector<std::string>& overview_images,
                               const nlohmann::json& run_metadata);

// Escaping helpers, exposed for the tests.
// Text and attribute values: & < > " ' become character references.
std::string html_escape(std::string_view text);
// A path relative to the page as a URL: every byte other than A-Z a-z 0-9 - . _ ~ / is
// percent-encoded (so '#', '?', ':' and spaces cannot change what the link means).
std::string url_path_encode(std::string_view path);
// JSON safe inside <script>: every '<' is written as \u003c, so neither "</script" nor
// "<!--" can appear; invalid UTF-8 is replaced by U+FFFD.
std::string json_for_script(const nlohmann::json& value);

}  // namespace tianyan
