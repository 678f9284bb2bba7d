#include "io/report/report_html.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <iterator>

#include "io/atomic_file.hpp"
#include "io/report/report_internal.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

using nlohmann::json;

// The table's columns: the key the page's JS sorts by (and ?sort= names), and the heading.
struct Column {
  const char* key;
  const char* heading;
  const char* title;  // tooltip of the heading
};
constexpr Column kColumns[] = {
    {"rank", "Rank", "position in the search's ranked list"},
    {"period", "Period (ms)", "period at the epoch (middle of the observation)"},
    {"freq", "Freq (Hz)", "spin frequency at the epoch"},
    {"dm", "DM", "dispersion measure, pc cm^-3"},
    {"accel", "Accel (m/s\u00b2)", "trial acceleration"},
    {"sigma", "Sigma", "equivalent Gaussian significance after trials"},
    {"snr", "Spec. S/N", "spectral S/N of the harmonic sum"},
    {"nharm", "Nharm", "harmonics summed"},
    {"dm_hits", "DM hits", "DM trials in which sifting found the candidate"},
    {"fold_snr", "Fold S/N", "profile S/N at the optimised fold"},
    {"redchi2", "Red. \u03c7\u00b2", "reduced chi-square of the folded profile"},
    {"beam", "Beam / scan", "FAST beam and scan"},
};

// A file name must stay inside DIR: the page only ever links local files beside it.
const std::string& checked_name(const std::string& name) {
  if (name.empty()) return name;
  const std::filesystem::path p(name);
  bool climbs = false;
  for (const auto& part : p) climbs = climbs || part == "..";
  if (p.is_absolute() || name.front() == '/' || climbs) {
    throw internal_error("report.html: file name '{}' is not relative to the output folder", name);
  }
  return name;
}

std::string href(const std::string& name) { return url_path_encode(checked_name(name)); }

// JSON null for what is not a finite number, so the page shows a dash and sorts it last.
json finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json row_json(const ReportRow& r) {
  const Candidate& c = r.cand;
  return {{"rank", r.rank},
          {"period_ms", finite(1e3 / c.freq_hz)},
          {"freq_hz", finite(c.freq_hz)},
          {"dm", finite(c.dm)},
          {"accel_ms2", finite(c.accel_ms2)},
          {"sigma", finite(c.sigma)},
          {"snr", finite(c.snr)},
          {"nharm", c.nharm},
          {"dm_hits", c.dm_hits},
          {"folded", r.folded},
          {"fold_snr", r.folded ? finite(r.fold_snr) : json(nullptr)},
          {"redchi2", r.folded ? finite(r.redchi2) : json(nullptr)},
          {"fold_period_ms", r.folded ? finite(r.fold_period_s * 1e3) : json(nullptr)},
          {"fold_dm", r.folded ? finite(r.fold_dm) : json(nullptr)},
          {"beam", c.beam},
          {"scan", c.scan},
          {"file", c.file},
          {"plot", href(r.plot)},
          {"thumb", href(r.thumbnail.empty() ? r.plot : r.thumbnail)},
          {"archive", href(r.archive)},
          {"summary", href(r.summary)},
          {"plot_name", r.plot},
          {"archive_name", r.archive},
          {"summary_name", r.summary}};
}

std::string num(double v, int decimals) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : "\u2013";
}

std::string beam_scan(const Candidate& c) {
  return c.beam > 0 ? fmt::format("M{:02d} {}", c.beam, c.scan) : c.scan;
}

std::string link(const std::string& name, const char* label) {
  if (name.empty()) return "";
  return "<a href=\"" + html_escape(href(name)) + "\">" + label + "</a> ";
}

// The same rows as a static table, for a browser without JS (no sorting, no filtering).
std::string noscript_table(const std::vector<ReportRow>& rows) {
  std::string out = "<noscript><table class=\"cands\"><thead><tr>";
  for (const Column& col : kColumns) out += std::string("<th>") + col.heading + "</th>";
  out += "<th>Plot</th><th>Files</th></tr></thead><tbody>\n";
  for (const ReportRow& r : rows) {
    const Candidate& c = r.cand;
    fmt::format_to(std::back_inserter(out),
                   "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                   "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                   r.rank, num(1e3 / c.freq_hz, 6), num(c.freq_hz, 6), num(c.dm, 2),
                   num(c.accel_ms2, 2), num(c.sigma, 2), num(c.snr, 2), c.nharm, c.dm_hits,
                   r.folded ? num(r.fold_snr, 1) : "\u2013",
                   r.folded ? num(r.redchi2, 2) : "\u2013", html_escape(beam_scan(c)));
    const std::string& thumb = r.thumbnail.empty() ? r.plot : r.thumbnail;
    out += "<td>";
    if (!thumb.empty()) {
      out += "<a href=\"" + html_escape(href(r.plot.empty() ? thumb : r.plot)) + "\"><img src=\"" +
             html_escape(href(thumb)) + "\" alt=\"plot\" class=\"thumb\"></a>";
    }
    out += "</td><td>" + link(r.plot, "plot") + link(r.archive, "archive") +
           link(r.summary, "summary") + "</td></tr>\n";
  }
  return out + "</tbody></table></noscript>\n";
}

std::string overview(const std::vector<std::string>& images) {
  if (images.empty()) return "";
  std::string out = "<section id=\"overview\"><h2>Overview</h2><div class=\"figs\">\n";
  for (const std::string& name : images) {
    const std::string h = html_escape(href(name)), text = html_escape(name);
    out += "<figure><a href=\"" + h + "\"><img src=\"" + h + "\" alt=\"" + text +
           "\"></a><figcaption>" + text + "</figcaption></figure>\n";
  }
  return out + "</div></section>\n";
}

std::string filters() {
  constexpr std::pair<const char*, const char*> kInputs[] = {{"min_sigma", "Sigma \u2265"},
                                                             {"dm_min", "DM \u2265"},
                                                             {"dm_max", "DM \u2264"},
                                                             {"p_min", "Period (ms) \u2265"},
                                                             {"p_max", "Period (ms) \u2264"}};
  std::string out = "<form id=\"filters\" onsubmit=\"return false\">";
  for (const auto& [id, label] : kInputs) {
    out += fmt::format(
        "<label>{} <input type=\"number\" step=\"any\" id=\"{}\" name=\"{}\">"
        "</label> ",
        label, id, id);
  }
  return out +
         "<button type=\"button\" id=\"filter-reset\">Reset</button> "
         "<span id=\"cand-count\"></span></form>\n";
}

std::string table_head() {
  std::string out = "<table class=\"cands\" id=\"cand-table\"><thead><tr>";
  for (const Column& col : kColumns) {
    out += fmt::format("<th data-key=\"{}\" title=\"{}\"><button type=\"button\">{}</button></th>",
                       col.key, col.title, col.heading);
  }
  return out + "<th>Plot</th><th>Files</th></tr></thead><tbody id=\"cand-body\"></tbody></table>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string url_path_encode(std::string_view path) {
  std::string out;
  for (char ch : path) {
    const auto u = static_cast<unsigned char>(ch);
    const bool keep = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                      ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == '/';
    if (keep) {
      out += ch;
    } else {
      fmt::format_to(std::back_inserter(out), "%{:02X}", u);
    }
  }
  return out;
}

std::string json_for_script(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  // '<' occurs in JSON text only inside strings, where \u003c means the same character.
  for (char ch : text) {
    if (ch == '<') {
      out += "\\u003c";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string format_report_html(const std::vector<ReportRow>& rows,
                               const std::vector<std::string>& overview_images,
                               const nlohmann::json& run_metadata) {
  json data = {{"rows", json::array()}};
  for (const ReportRow& r : rows) data["rows"].push_back(row_json(r));
  std::string version;
  if (run_metadata.is_object() && run_metadata.contains("version") &&
      run_metadata["version"].is_string()) {
    version = " \u00b7 tianyan " + html_escape(run_metadata["version"].get<std::string>());
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>tianyan search report</title>\n<style>\n";
  out += report_detail::kReportCss;
  out += "</style>\n</head>\n<body>\n<header><h1>tianyan search report</h1><p class=\"sub\">";
  out += fmt::format("{} candidate{}{}</p></header>\n", rows.size(), rows.size() == 1 ? "" : "s",
                     version);
  out += overview(overview_images);
  out += "<section id=\"candidates\"><h2>Candidates</h2>\n" + filters() + table_head() +
         noscript_table(rows) + "</section>\n";
  out += "<section id=\"metadata\"><h2>Run</h2>\n" +
         report_detail::render_run_metadata(run_metadata) + "</section>\n";
  out += "<script type=\"application/json\" id=\"cand-data\">" + json_for_script(data) +
         "</script>\n<script>\n";
  out += report_detail::kReportJs;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

void write_report_html(const std::string& dir, const std::vector<ReportRow>& rows,
                       const std::vector<std::string>& overview_images,
                       const nlohmann::json& run_metadata) {
  const std::string page = format_report_html(rows, overview_images, run_metadata);
  ensure_output_dir(dir);
  write_file_atomically((std::filesystem::path(dir) / "report.html").string(), page);
}

}  // namespace tianyan
