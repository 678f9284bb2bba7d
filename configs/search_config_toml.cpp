#include "configs/search_config_toml.hpp"

#include <fmt/format.h>

#include <string>

namespace tianyan {
namespace {

void read_birdies(TomlSection& s, std::vector<BirdieConfig>& out) {
  if (s.has("birdies")) out.clear();
  const auto tables = s.tables("birdies");
  for (size_t i = 0; i < tables.size(); ++i) {
    TomlSection b = s.child(tables[i], fmt::format("birdies[{}]", i));
    BirdieConfig birdie;
    b.string("name", birdie.name);
    b.number("freq_hz", birdie.freq_hz, 1e-6, 1e6);
    b.number("width_hz", birdie.width_hz, 0.0, 1e3);
    b.integer("harmonics", birdie.harmonics, 1, 1000000);
    b.finish();
    out.push_back(birdie);
  }
}

}  // namespace

void read_search_section(TomlSection s, SearchConfig& c) {
  s.number("baseline_s", c.baseline_s, 1e-6, 1e6);
  s.number("f_min_hz", c.f_min_hz, 0.0, 1e6);
  s.number("f_max_hz", c.f_max_hz, c.f_min_hz, 1e7);
  s.integer("max_harmonics", c.max_harmonics, 1, 32);
  if ((c.max_harmonics & (c.max_harmonics - 1)) != 0) {
    throw s.error("max_harmonics", fmt::format("{} is not 1, 2, 4, 8, 16 or 32", c.max_harmonics));
  }
  s.number("sigma_threshold", c.sigma_threshold, 0.0, 1e6);
  s.integer("max_candidates_per_series", c.max_candidates_per_series, 1, 10000000);
  read_birdies(s, c.birdies);

  TomlSection rn = s.child(s.table("rednoise"), "rednoise");
  rn.integer("start_bins", c.rednoise.start_bins, 2, 1000000);
  rn.integer("max_bins", c.rednoise.max_bins, c.rednoise.start_bins, 10000000);
  rn.finish();

  TomlSection ab = s.child(s.table("auto_birdies"), "auto_birdies");
  ab.boolean("enabled", c.auto_birdies.enabled);
  ab.number("min_power", c.auto_birdies.min_power, 10.0, 1e9);
  ab.number("width_bins", c.auto_birdies.width_bins, 0.0, 1e4);
  ab.integer("max_birdies", c.auto_birdies.max_birdies, 0, 1000000);
  ab.finish();

  TomlSection ac = s.child(s.table("accel"), "accel");
  ac.boolean("enabled", c.accel.enabled);
  ac.number("max_ms2", c.accel.max_ms2, 1e-6, 1e5);
  ac.number("tolerance_bins", c.accel.tolerance_bins, 1e-3, 100.0);
  ac.integer("refine_candidates", c.accel.refine_candidates, 0, 1000);
  ac.number("refine_min_sigma", c.accel.refine_min_sigma, 0.0, 1e6);
  ac.finish();
  s.finish();
}

void read_sift_section(TomlSection s, SiftConfig& c) {
  s.number("merge_bins", c.merge_bins, 1e-3, 1e3);
  s.integer("min_dm_hits", c.min_dm_hits, 1, 1000000);
  s.number("min_dm", c.min_dm, -1.0, 1e5);
  s.number("min_sigma", c.min_sigma, 0.0, 1e6);
  s.integer("max_harmonic", c.max_harmonic, 1, 1024);
  s.integer("max_candidates", c.max_candidates, 1, 10000000);
  s.finish();
}

nlohmann::json search_config_to_json(const SearchConfig& c) {
  nlohmann::json birdies = nlohmann::json::array();
  for (const BirdieConfig& b : c.birdies) {
    birdies.push_back({{"name", b.name},
                       {"freq_hz", b.freq_hz},
                       {"width_hz", b.width_hz},
                       {"harmonics", b.harmonics}});
  }
  return {
      {"baseline_s", c.baseline_s},
      {"f_min_hz", c.f_min_hz},
      {"f_max_hz", c.f_max_hz},
      {"max_harmonics", c.max_harmonics},
      {"sigma_threshold", c.sigma_threshold},
      {"max_candidates_per_series", c.max_candidates_per_series},
      {"birdies", birdies},
      {"rednoise", {{"start_bins", c.rednoise.start_bins}, {"max_bins", c.rednoise.max_bins}}},
      {"auto_birdies",
       {{"enabled", c.auto_birdies.enabled},
        {"min_power", c.auto_birdies.min_power},
        {"width_bins", c.auto_birdies.width_bins},
        {"max_birdies", c.auto_birdies.max_birdies}}},
      {"accel",
       {{"enabled", c.accel.enabled},
        {"max_ms2", c.accel.max_ms2},
        {"tolerance_bins", c.accel.tolerance_bins},
        {"refine_candidates", c.accel.refine_candidates},
        {"refine_min_sigma", c.accel.refine_min_sigma}}},
  };
}

nlohmann::json sift_config_to_json(const SiftConfig& c) {
  return {{"merge_bins", c.merge_bins},   {"min_dm_hits", c.min_dm_hits},
          {"min_dm", c.min_dm},           {"min_sigma", c.min_sigma},
          {"max_harmonic", c.max_harmonic}, {"max_candidates", c.max_candidates}};
}

}  // namespace tianyan
