#include "pipeline/campaign_merge.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>
#include <utility>

#include "io/atomic_file.hpp"
#include "io/candidates_writer.hpp"
#include "io/plot/plot.hpp"
#include "io/report/report_html.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign_merge_products.hpp"
#include "pipeline/fold_products.hpp"
#include "tianyan/version.hpp"

namespace tianyan {
namespace {

namespace fs = std::filesystem;

// Where a candidate came from: the unit (index into `done`) and its rank there.
struct Origin {
  size_t unit = 0;
  int rank = 0;
};

// Exact identity of a detection: the coincidence hands back copies of its input, so the best
// candidate of a group finds its unit by equality.
using DetectionKey = std::tuple<std::string, int, double, double, double, double, size_t, int>;

DetectionKey key_of(const Candidate& c) {
  return {c.scan, c.beam, c.freq_hz, c.dm, c.sigma, c.accel_ms2, c.dm_index, c.nharm};
}

std::string join_beams(const std::vector<int>& beams) {
  std::string out;
  for (size_t k = 0; k < beams.size(); ++k) {
    if (k) out += ';';
    out += std::to_string(beams[k]);
  }
  return out;
}

// The rows of format_candidates_csv() output, header first. Quote-aware: a quoted field may
// hold a line break (RFC 4180).
std::vector<std::string> csv_rows(const std::string& text) {
  std::vector<std::string> rows;
  std::string row;
  bool quoted = false;
  for (const char ch : text) {
    if (ch == '"') quoted = !quoted;
    if (ch == '\n' && !quoted) {
      rows.push_back(std::move(row));
      row.clear();
    } else {
      row += ch;
    }
  }
  if (!row.empty()) rows.push_back(std::move(row));
  return rows;
}

std::string csv_text_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

// candidates_writer's columns, then beams, nbeams, rfi, unit.
std::string groups_csv(const std::vector<BeamGroup>& groups,
                       const std::vector<std::string>& units) {
  std::vector<Candidate> best;
  for (const BeamGroup& g : groups) best.push_back(g.best);
  const std::vector<std::string> rows = csv_rows(format_candidates_csv(best));
  std::string out = rows.at(0) + ",beams,nbeams,rfi,unit\n";
  for (size_t i = 0; i < groups.size(); ++i) {
    out += fmt::format("{},{},{},{},{}\n", rows.at(i + 1), join_beams(groups[i].beams),
                       groups[i].beams.size(), groups[i].rfi ? 1 : 0, csv_text_field(units[i]));
  }
  return out;
}

nlohmann::json groups_json(const std::vector<BeamGroup>& groups,
                           const std::vector<std::string>& units) {
  std::vector<Candidate> best;
  for (const BeamGroup& g : groups) best.push_back(g.best);
  nlohmann::json list = candidates_to_json(best);
  for (size_t i = 0; i < groups.size(); ++i) {
    list[i]["beams"] = groups[i].beams;
    list[i]["beam_sigma"] = groups[i].beam_sigma;
    list[i]["nbeams"] = groups[i].beams.size();
    list[i]["rfi"] = groups[i].rfi;
    list[i]["unit"] = units[i];
  }
  return list;
}

nlohmann::json coincidence_json(const CoincidenceConfig& c) {
  return {{"enabled", c.enabled},
          {"rfi_min_beams", c.rfi_min_beams},
          {"require_neighbours", c.require_neighbours},
          {"freq_tol_bins", c.freq_tol_bins},
          {"dm_tol", c.dm_tol},
          {"dm_frac", c.dm_frac}};
}

nlohmann::json units_json(const std::vector<CampaignUnitResult>& done) {
  nlohmann::json list = nlohmann::json::array();
  for (const CampaignUnitResult& u : done) {
    list.push_back({{"id", u.id},
                    {"scan", u.scan},
                    {"beam", u.beam},
                    {"dir", u.dir},
                    {"candidates", u.candidates.size()}});
  }
  return list;
}

// Every unit's candidates, with the unit's scan and beam where the candidate lacks them and
// the observation length from its candidates.json where read from candidates.csv.
std::vector<Candidate> gather(const std::vector<CampaignUnitResult>& done,
                              std::map<DetectionKey, Origin>& origin) {
  std::vector<Candidate> all;
  for (size_t u = 0; u < done.size(); ++u) {
    std::vector<Candidate> cands = done[u].candidates;
    merge_detail::fill_from_candidates_json(done[u].dir, cands);
    for (size_t k = 0; k < cands.size(); ++k) {
      Candidate c = std::move(cands[k]);
      if (c.scan.empty()) c.scan = done[u].scan;
      if (c.beam == 0) c.beam = done[u].beam;
      origin.emplace(key_of(c), Origin{u, static_cast<int>(k) + 1});
      all.push_back(std::move(c));
    }
  }
  return all;
}

struct Split {
  std::vector<BeamGroup> kept, rfi;
  std::vector<Origin> kept_from, rfi_from;
};

Split split_groups(std::vector<BeamGroup> groups, const std::map<DetectionKey, Origin>& origin) {
  Split s;
  for (BeamGroup& g : groups) {
    const auto it = origin.find(key_of(g.best));
    if (it == origin.end()) throw internal_error("campaign merge: a group's best has no unit");
    (g.rfi ? s.rfi_from : s.kept_from).push_back(it->second);
    (g.rfi ? s.rfi : s.kept).push_back(std::move(g));
  }
  return s;
}

std::vector<std::string> unit_ids(const std::vector<Origin>& from,
                                  const std::vector<CampaignUnitResult>& done) {
  std::vector<std::string> ids;
  for (const Origin& o : from) ids.push_back(done[o.unit].id);
  return ids;
}

// File-name prefixes of the units' products in MERGE_DIR/plots, distinct even where two ids
// sanitise alike.
std::vector<std::string> unit_prefixes(const std::vector<CampaignUnitResult>& done) {
  std::vector<std::string> out;
  for (size_t u = 0; u < done.size(); ++u) {
    const std::string safe = merge_detail::safe_unit_name(done[u].id);
    out.push_back(safe == done[u].id ? safe : fmt::format("{}_{}", safe, u));
  }
  return out;
}

std::vector<ReportRow> report_rows(const Split& s, const std::vector<CampaignUnitResult>& done,
                                   const std::string& merge_dir) {
  const std::vector<std::string> prefixes = unit_prefixes(done);
  std::vector<ReportRow> rows(s.kept.size());
  size_t linked = 0;
  for (size_t i = 0; i < s.kept.size(); ++i) {
    rows[i].cand = s.kept[i].best;
    rows[i].rank = static_cast<int>(i) + 1;
    const Origin& o = s.kept_from[i];
    linked += merge_detail::link_fold_products(done[o.unit].dir, o.rank, merge_dir,
                                               prefixes[o.unit], rows[i]);
  }
  spdlog::info("campaign merge: {} of {} candidate(s) have their units' fold products", linked,
               rows.size());
  return rows;
}

nlohmann::json report_metadata(const Split& s, const std::vector<CampaignUnitResult>& done,
                               const std::vector<std::string>& missing,
                               const PipelineConfig& config, const CoincidenceConfig& co) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const CampaignUnitResult& u : done) {
    inputs.push_back(fmt::format("{}: scan {} beam {}, {} candidate(s), in {}", u.id, u.scan,
                                 u.beam, u.candidates.size(), u.dir));
  }
  nlohmann::json beams = nlohmann::json::array();
  for (size_t i = 0; i < s.kept.size(); ++i) {
    if (s.kept[i].beams.size() > 1) {
      beams.push_back(fmt::format("rank {}: scan {}, beams {}", i + 1, s.kept[i].best.scan,
                                  join_beams(s.kept[i].beams)));
    }
  }
  return {{"tianyan_version", kVersionFull},
          {"configuration", pipeline_config_to_toml(config)},
          {"inputs", inputs},
          {"units", {{"done", done.size()}, {"missing", missing.size()}}},
          {"units_missing", missing},
          {"multibeam", coincidence_json(co)},
          {"groups", {{"kept", s.kept.size()}, {"rfi", s.rfi.size()}}},
          {"signals seen in several beams", beams}};
}

}  // namespace

std::vector<Candidate> apply_multibeam(const std::vector<Candidate>& candidates,
                                       const CoincidenceConfig& config,
                                       std::vector<BeamGroup>* groups) {
  std::map<std::string, std::vector<Candidate>> by_scan;
  for (const Candidate& c : candidates) by_scan[c.scan].push_back(c);
  // Scans in name order and each scan's groups in the coincidence's ranking, then a stable
  // sort by sigma: ties across scans fall in scan order, never in input order.
  std::vector<BeamGroup> all;
  for (const auto& [scan, list] : by_scan) {
    std::vector<BeamGroup> g = multibeam_coincidence(list, config);
    std::move(g.begin(), g.end(), std::back_inserter(all));
  }
  std::stable_sort(all.begin(), all.end(), [](const BeamGroup& a, const BeamGroup& b) {
    return a.best.sigma > b.best.sigma;
  });
  std::vector<Candidate> kept;
  for (const BeamGroup& g : all) {
    if (!g.rfi) kept.push_back(g.best);
  }
  if (groups) *groups = std::move(all);
  return kept;
}

void write_campaign_merge(const std::string& merge_dir, const std::vector<CampaignUnitResult>& done,
                          const std::vector<std::string>& missing, const PipelineConfig& config,
                          const CoincidenceConfig& coincidence) {
  ensure_output_dir(merge_dir);
  std::map<DetectionKey, Origin> origin;
  std::vector<BeamGroup> groups;
  apply_multibeam(gather(done, origin), coincidence, &groups);
  const Split s = split_groups(std::move(groups), origin);
  const std::vector<std::string> kept_units = unit_ids(s.kept_from, done);
  const std::vector<std::string> rfi_units = unit_ids(s.rfi_from, done);

  nlohmann::json doc = {{"tianyan_version", kVersionFull},
                        {"units_done", units_json(done)},
                        {"units_missing", missing},
                        {"multibeam", coincidence_json(coincidence)},
                        {"config", pipeline_config_to_json(config)}};
  doc["candidates"] = groups_json(s.kept, kept_units);
  doc["rfi_candidates"] = groups_json(s.rfi, rfi_units);
  const fs::path dir(merge_dir);
  // Odd bytes in file or scan names must not cost the whole merge: replace, do not throw.
  write_file_atomically((dir / "candidates.json").string(),
                        doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  write_file_atomically((dir / "candidates.csv").string(), groups_csv(s.kept, kept_units));
  write_file_atomically((dir / "rfi_candidates.csv").string(), groups_csv(s.rfi, rfi_units));

  const std::vector<ReportRow> rows = report_rows(s, done, merge_dir);
  std::vector<std::string> overview;
  if (!plot_formats(config.fold.plot_format).empty()) {
    std::vector<Candidate> kept;
    for (const BeamGroup& g : s.kept) kept.push_back(g.best);
    plot_search_overview((dir / "overview.png").string(), kept, PlotOptions{});
    overview.push_back("overview.png");
  }
  write_report_html(merge_dir, rows, overview,
                    report_metadata(s, done, missing, config, coincidence));
  spdlog::info(
      "campaign merge: {} unit(s) done, {} missing; {} candidate(s) kept, {} group(s) "
      "judged RFI; written to {}",
      done.size(), missing.size(), s.kept.size(), s.rfi.size(), merge_dir);
}

}  // namespace tianyan
