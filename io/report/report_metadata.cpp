// Generic rendering of run metadata (any JSON) as static HTML: objects become two-column
// tables, arrays lists, multi-line strings preformatted text.
#include <string>
#include <string_view>

#include "io/report/report_html.hpp"
#include "io/report/report_internal.hpp"

namespace tianyan::report_detail {
namespace {

using nlohmann::json;

// Deeper structures are shown as indented JSON: nested tables beyond this are unreadable.
constexpr int kMaxDepth = 8;

std::string dump_text(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

bool is_scalar(const json& j) { return !j.is_object() && !j.is_array(); }

std::string render_value(const json& j, int depth);

std::string render_object(const json& j, int depth) {
  if (j.empty()) return "<em>empty</em>";
  std::string out = "<table class=\"kv\"><tbody>\n";
  for (const auto& [key, value] : j.items()) {
    out += "<tr><th scope=\"row\">" + html_escape(key) + "</th><td>" +
           render_value(value, depth + 1) + "</td></tr>\n";
  }
  return out + "</tbody></table>";
}

std::string render_array(const json& j, int depth) {
  if (j.empty()) return "<em>none</em>";
  bool scalars = true;
  for (const auto& item : j) scalars = scalars && is_scalar(item);
  const char* tag = scalars ? "ul" : "ol";
  std::string out = std::string("<") + tag + " class=\"list\">\n";
  for (const auto& item : j) out += "<li>" + render_value(item, depth + 1) + "</li>\n";
  return out + "</" + tag + ">";
}

std::string render_value(const json& j, int depth) {
  if (depth > kMaxDepth) return "<pre>" + html_escape(dump_text(j, 2)) + "</pre>";
  if (j.is_object()) return render_object(j, depth);
  if (j.is_array()) return render_array(j, depth);
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s.find('\n') != std::string::npos) return "<pre>" + html_escape(s) + "</pre>";
    return html_escape(s);
  }
  if (j.is_null()) return "<em>null</em>";
  return html_escape(dump_text(j, -1));
}

std::string section(std::string_view key, const std::string& body) {
  return "<section class=\"meta\"><h3>" + html_escape(key) + "</h3>\n" + body + "\n</section>\n";
}

// The configuration reads best as the text it was written in (TOML) or as indented JSON.
std::string render_configuration(const json& j) {
  const std::string text = j.is_string() ? j.get<std::string>() : dump_text(j, 2);
  return "<pre class=\"config\">" + html_escape(text) + "</pre>";
}

}  // namespace

std::string render_run_metadata(const nlohmann::json& run_metadata) {
  if (run_metadata.is_null() || (run_metadata.is_object() && run_metadata.empty())) {
    return "<p><em>No run metadata.</em></p>\n";
  }
  if (!run_metadata.is_object()) return section("metadata", render_value(run_metadata, 0));
  std::string out;
  constexpr std::string_view kFirst[] = {"configuration", "inputs", "timings"};
  for (std::string_view key : kFirst) {
    const auto it = run_metadata.find(std::string(key));
    if (it == run_metadata.end()) continue;
    out += section(key, key == "configuration" ? render_configuration(*it) : render_value(*it, 0));
  }
  for (const auto& [key, value] : run_metadata.items()) {
    bool shown = false;
    for (std::string_view k : kFirst) shown = shown || key == k;
    if (!shown) out += section(key, render_value(value, 0));
  }
  return out;
}

}  // namespace tianyan::report_detail
