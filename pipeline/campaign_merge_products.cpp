#include "pipeline/campaign_merge_products.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <system_error>

#include "io/atomic_file.hpp"
#include "kernels/common/error.hpp"

namespace tianyan::merge_detail {
namespace {

namespace fs = std::filesystem;

// candidates.csv prints DMs with 3 decimals and frequencies with 12 significant digits.
constexpr double kCsvDmTol = 1e-3;
constexpr double kCsvFreqRelTol = 1e-9;

std::optional<nlohmann::json> read_json(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;  // not folded: the common case
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!in || j.is_discarded() || !j.is_object()) {
    spdlog::warn("{}: not a readable fold summary; its candidate is shown without plots",
                 path.string());
    return std::nullopt;
  }
  return j;
}

double number_or_nan(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return NAN;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : NAN;
}

// The summary belongs to the candidate: the unit's ranking may have changed since it was
// written (a re-run with other settings), and a stale sheet must not be shown for it.
bool describes(const nlohmann::json& summary, const Candidate& c, int rank) {
  const nlohmann::json& s = summary.contains("search") ? summary["search"] : nlohmann::json();
  const double f = number_or_nan(s, "freq_hz");
  const double dm = number_or_nan(s, "dm");
  return number_or_nan(s, "rank") == rank &&
         std::abs(f - c.freq_hz) <= kCsvFreqRelTol * c.freq_hz && std::abs(dm - c.dm) <= kCsvDmTol;
}

// A plain file name in the unit's directory; anything else (a path, "..") is not followed.
bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of("/\\") == std::string::npos;
}

// Hard link (no copy, no space) where the file system allows, else a copy; either lands under
// a temporary name first, so that a half-copied file never carries the final name.
void link_or_copy(const fs::path& from, const fs::path& to) {
  AtomicFile out(to.string());
  std::error_code ec;
  fs::remove(out.temp_path(), ec);
  fs::create_hard_link(from, out.temp_path(), ec);
  if (ec) {
    ec.clear();
    fs::copy_file(from, out.temp_path(), fs::copy_options::overwrite_existing, ec);
    if (ec) {
      throw environment_error("{}: cannot copy from {}: {}", to.string(), from.string(),
                              ec.message());
    }
  }
  out.commit();
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void set_fold_fields(const nlohmann::json& summary, ReportRow& row) {
  const auto it = summary.find("optimised");
  if (it == summary.end() || !it->is_object()) return;
  row.fold_snr = number_or_nan(*it, "snr");
  row.redchi2 = number_or_nan(*it, "redchi2");
  row.fold_period_s = number_or_nan(*it, "period_s");
  row.fold_dm = number_or_nan(*it, "dm");
  row.folded = std::isfinite(row.fold_snr) && std::isfinite(row.fold_period_s);
}

}  // namespace

std::string safe_unit_name(const std::string& id) {
  std::string out;
  for (const char ch : id) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    out += ok ? ch : '_';
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
  return out;
}

bool link_fold_products(const std::string& unit_dir, int rank, const std::string& merge_dir,
                        const std::string& prefix, ReportRow& row) {
  const fs::path unit(unit_dir);
  const std::string summary_name = fmt::format("cand_{:03d}.json", rank);
  const std::optional<nlohmann::json> summary = read_json(unit / summary_name);
  if (!summary) return false;
  if (!describes(*summary, row.cand, rank)) {
    spdlog::warn(
        "{}: describes another candidate than rank {} of the unit's list (re-run?); "
        "shown without plots",
        (unit / summary_name).string(), rank);
    return false;
  }
  const fs::path plots = fs::path(merge_dir) / "plots";
  std::error_code ec;
  fs::create_directories(plots, ec);
  if (ec) throw environment_error("{}: cannot create: {}", plots.string(), ec.message());
  // Returns the name relative to MERGE_DIR, or "" when the unit lacks the file.
  const auto bring = [&](const std::string& name) -> std::string {
    if (!plain_name(name) || !fs::is_regular_file(unit / name, ec)) return "";
    const std::string local = prefix + "_" + name;
    link_or_copy(unit / name, plots / local);
    return "plots/" + local;
  };
  const nlohmann::json files = summary->value("files", nlohmann::json::object());
  if (files.contains("archive") && files["archive"].is_string()) {
    row.archive = bring(files["archive"].get<std::string>());
  }
  if (files.contains("plots") && files["plots"].is_array()) {
    for (const nlohmann::json& p : files["plots"]) {
      if (!p.is_string()) continue;
      const std::string name = p.get<std::string>();
      const bool thumb = ends_with(name, "_thumb.png");
      // The report's sheet: the PNG where there is one, since the page shows it inline.
      if (thumb && row.thumbnail.empty()) {
        row.thumbnail = bring(name);
      } else if (!thumb &&
                 (row.plot.empty() || (ends_with(name, ".png") && !ends_with(row.plot, ".png")))) {
        const std::string local = bring(name);
        if (!local.empty()) row.plot = local;
      }
    }
  }
  row.summary = bring(summary_name);
  set_fold_fields(*summary, row);
  return true;
}

void fill_from_candidates_json(const std::string& unit_dir, std::vector<Candidate>& cands) {
  const auto lacks = [](const Candidate& c) { return !(c.tobs_s > 0 && std::isfinite(c.tobs_s)); };
  if (std::none_of(cands.begin(), cands.end(), lacks)) return;
  const fs::path path = fs::path(unit_dir) / "candidates.json";
  const std::optional<nlohmann::json> doc = read_json(path);
  nlohmann::json list =
      doc && doc->contains("candidates") ? (*doc)["candidates"] : nlohmann::json::array();
  if (!list.is_array()) list = nlohmann::json::array();  // damaged: it lends no lengths
  for (size_t k = 0; k < cands.size(); ++k) {
    Candidate& c = cands[k];
    if (!lacks(c)) continue;
    const nlohmann::json& j = k < list.size() ? list[k] : nlohmann::json();
    const double f = number_or_nan(j, "freq_hz");
    if (number_or_nan(j, "rank") != static_cast<double>(k + 1) ||
        !(std::abs(f - c.freq_hz) <= kCsvFreqRelTol * c.freq_hz) ||
        !(number_or_nan(j, "tobs_s") > 0)) {
      throw bad_input(path.string(),
                      "no observation length (tobs_s) for rank {} of candidates.csv (absent, "
                      "or the two files are from different runs); multi-beam coincidence needs it",
                      k + 1);
    }
    c.tobs_s = j["tobs_s"].get<double>();
    const double r = number_or_nan(j, "r_bins");
    if (std::isfinite(r)) c.r_bins = r;
    if (j.contains("dm_index") && j["dm_index"].is_number_unsigned()) {
      c.dm_index = j["dm_index"].get<size_t>();
    }
    const double p = number_or_nan(j, "refined_power");
    if (std::isfinite(p)) c.refined_power = p;
  }
}

}  // namespace tianyan::merge_detail
