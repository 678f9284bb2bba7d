#include "configs/campaign_config_toml.hpp"

#include <fmt/format.h>

#include <cctype>

namespace tianyan {
namespace {

// Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S (digits and separators only).
bool slurm_time_ok(const std::string& t) {
  if (t.empty() || t.size() > 32) return false;
  int dashes = 0, colons = 0;
  char prev = ':';
  for (char ch : t) {
    if (ch == '-') ++dashes;
    if (ch == ':') ++colons;
    const bool sep = ch == '-' || ch == ':';
    if (!sep && !std::isdigit(static_cast<unsigned char>(ch))) return false;
    if (sep && (prev == ':' || prev == '-')) return false;
    prev = ch;
  }
  return prev != ':' && prev != '-' && dashes <= 1 && colons <= 2 &&
         (dashes == 0 || t.find('-') < t.find(':'));
}

void read_string_list(TomlSection& s, std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = s.node(key);
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr) throw s.error(key, fmt::format("expected an array of strings, got {}", toml_type_name(*n)));
  out.clear();
  for (const toml::node& e : *arr) {
    if (!e.is_string()) {
      throw s.error(key, fmt::format("expected an array of strings, found {}", toml_type_name(e)));
    }
    const std::string v = e.as_string()->get();
    // One option per line of the script: a newline would end the #SBATCH line early.
    if (v.empty() || v.find_first_of("\n\r") != std::string::npos) {
      throw s.error(key, fmt::format("'{}' is not a single sbatch option", v));
    }
    out.push_back(v);
  }
}

}  // namespace

void read_campaign_section(TomlSection s, CampaignConfig& c) {
  s.string("partition", c.partition);
  if (c.partition.find_first_of(" \t\n\r'\"") != std::string::npos) {
    throw s.error("partition", fmt::format("'{}' is not a partition name", c.partition));
  }
  s.string("time", c.time);
  if (!slurm_time_ok(c.time)) {
    throw s.error("time", fmt::format("'{}' is not a Slurm time (e.g. \"01:00:00\", \"2-00:00:00\")",
                                      c.time));
  }
  s.number("mem_gb", c.mem_gb, 0.0, 1e6);
  s.integer("cpus_per_task", c.cpus_per_task, 1, 4096);
  s.integer("gpus", c.gpus, 0, 64);
  s.string("backend", c.backend);
  if (c.backend != "cpu" && c.backend != "cuda" && c.backend != "auto") {
    throw s.error("backend", fmt::format("'{}' is not cpu, cuda or auto", c.backend));
  }
  s.integer("throttle", c.throttle, 0, 1000000);
  s.integer("threads", c.threads, 0, 4096);
  read_string_list(s, "extra_sbatch", c.extra_sbatch);
  s.integer("fold_top", c.fold_top, -1, 100000);
  s.finish();
}

nlohmann::json campaign_config_to_json(const CampaignConfig& c) {
  return {{"partition", c.partition},     {"time", c.time},
          {"mem_gb", c.mem_gb},           {"cpus_per_task", c.cpus_per_task},
          {"gpus", c.gpus},               {"backend", c.backend},
          {"throttle", c.throttle},
          {"threads", c.threads},         {"extra_sbatch", c.extra_sbatch},
          {"fold_top", c.fold_top}};
}

void read_multibeam_section(TomlSection s, CoincidenceConfig& c) {
  s.boolean("enabled", c.enabled);
  s.integer("rfi_min_beams", c.rfi_min_beams, 2, 19);
  s.boolean("require_neighbours", c.require_neighbours);
  s.number("freq_tol_bins", c.freq_tol_bins, 1e-3, 1e3);
  s.number("dm_tol", c.dm_tol, 0.0, 1e5);
  s.number("dm_frac", c.dm_frac, 0.0, 10.0);
  s.finish();
}

nlohmann::json multibeam_config_to_json(const CoincidenceConfig& c) {
  return {{"enabled", c.enabled},
          {"rfi_min_beams", c.rfi_min_beams},
          {"require_neighbours", c.require_neighbours},
          {"freq_tol_bins", c.freq_tol_bins},
          {"dm_tol", c.dm_tol},
          {"dm_frac", c.dm_frac}};
}

}  // namespace tianyan
