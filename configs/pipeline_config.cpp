// Loading, checking and writing the pipeline configuration. Ranges live in one place, the
// read_* functions: validate_pipeline_config() writes the configuration as TOML and reads it
// back through them, so command-line overrides meet the same checks as the file.
#include "configs/pipeline_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <string>
#include <vector>

#include "configs/campaign_config_toml.hpp"
#include "configs/fold_config_toml.hpp"
#include "configs/search_config_toml.hpp"
#include "configs/toml_section.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

using Section = TomlSection;

// The largest channel count a configuration is checked against before the input is known;
// the RFI stage checks channel-dependent limits again for the real count.
constexpr size_t kMaxChannels = 1 << 16;

void read_number_list(Section& s, std::string_view key, std::vector<double>& out, double lo,
                      double hi) {
  const toml::node* n = s.node(key);
  if (!n) return;
  const toml::array* arr = n->as_array();
  if (!arr) {
    throw s.error(key, fmt::format("expected an array of numbers, got {}", toml_type_name(*n)));
  }
  out.clear();
  for (const toml::node& e : *arr) {
    double v = 0;
    if (e.is_integer()) {
      v = static_cast<double>(e.as_integer()->get());
    } else if (e.is_floating_point()) {
      v = e.as_floating_point()->get();
    } else {
      throw s.error(key, fmt::format("expected an array of numbers, found {}", toml_type_name(e)));
    }
    if (!(v >= lo && v <= hi)) {
      throw s.error(key, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
    }
    out.push_back(v);
  }
}

void read_input(Section s, InputConfig& c) {
  s.boolean("strict", c.strict);
  s.number("gulp_s", c.gulp_s, 1e-3, 3600.0);
  s.finish();
}

void read_static_mask(Section s, RfiStaticConfig& c) {
  s.boolean("enabled", c.enabled);
  s.boolean("file_weights", c.file_weights);
  if (s.has("bad_ranges")) c.bad_ranges.clear();
  const auto ranges = s.tables("bad_ranges");
  for (size_t i = 0; i < ranges.size(); ++i) {
    Section r = s.child(ranges[i], fmt::format("bad_ranges[{}]", i));
    RfiFreqRange range;
    r.number("lo_mhz", range.lo_mhz, 0.0, 1e6);
    r.number("hi_mhz", range.hi_mhz, range.lo_mhz, 1e6);  // lo <= hi: a range is never empty
    r.finish();
    c.bad_ranges.push_back(range);
  }
  s.finish();
}

void read_stats(Section s, RfiStatsConfig& c) {
  s.boolean("enabled", c.enabled);
  s.number("mean_threshold", c.mean_threshold, 1e-3, 1e6);
  s.number("std_threshold", c.std_threshold, 1e-3, 1e6);
  s.number("kurtosis_threshold", c.kurtosis_threshold, 1e-3, 1e6);
  s.integer("trend_half_width", c.trend_half_width, 1, kMaxChannels - 1);
  s.boolean("temporal_enabled", c.temporal_enabled);
  s.number("temporal_threshold", c.temporal_threshold, 1e-3, 1e6);
  s.integer("history_blocks", c.history_blocks, 1, 64);
  s.finish();
}

// The section of one RFI step, [rfi.NAME] (defaults throughout when the table is absent).
Section rfi_child(Section& rfi, const char* name) { return rfi.child(rfi.table(name), name); }

void read_rfi(Section s, RfiConfig& c) {
  int64_t block = static_cast<int64_t>(c.block_nsamp);
  s.integer64("block_nsamp", block, 64, int64_t{1} << 24);
  c.block_nsamp = static_cast<uint64_t>(block);
  read_static_mask(rfi_child(s, "static_mask"), c.static_mask);
  Section dead = rfi_child(s, "dead");
  dead.boolean("enabled", c.dead.enabled);
  dead.number("rel_std", c.dead.rel_std, 0.0, 0.999);
  dead.finish();
  read_stats(rfi_child(s, "stats"), c.stats);
  Section iqrm = rfi_child(s, "iqrm");
  iqrm.boolean("enabled", c.iqrm.enabled);
  iqrm.number("threshold", c.iqrm.threshold, 1e-3, 1e6);
  iqrm.number("radius_fraction", c.iqrm.radius_fraction, 1e-6, 0.999);
  iqrm.integer("trend_half_width", c.iqrm.trend_half_width, 1, kMaxChannels - 1);
  iqrm.finish();
  Section clip = rfi_child(s, "clip");
  clip.boolean("enabled", c.clip.enabled);
  clip.number("threshold", c.clip.threshold, 1e-3, 1e6);
  clip.finish();
  Section zero_dm = rfi_child(s, "zero_dm");
  zero_dm.boolean("enabled", c.zero_dm.enabled);
  zero_dm.finish();
  Section normalise = rfi_child(s, "normalise");
  normalise.boolean("enabled", c.normalise.enabled);
  normalise.finish();
  s.finish();
}

void read_dedisp(Section s, DedispConfig& c) {
  DmPlanConfig& p = c.plan;
  s.string("algorithm", c.algorithm, {"subband", "brute"});
  s.number("dm_lo", p.dm_lo, 0.0, 1e5);
  s.number("dm_hi", p.dm_hi, p.dm_lo, 1e5);  // the range is never reversed
  s.number("fixed_step", p.fixed_step, 0.0, 1e4);
  read_number_list(s, "dm_list", p.dm_list, 0.0, 1e5);
  if (!p.dm_list.empty() && p.fixed_step > 0) {
    throw s.error("dm_list", "give either dm_list or fixed_step, not both");
  }
  s.number("tolerance", p.tolerance, 0.01, 100.0);
  s.integer("max_downsample", p.max_downsample, 1, 4096);
  if ((p.max_downsample & (p.max_downsample - 1)) != 0) {
    throw s.error("max_downsample", fmt::format("{} is not a power of two", p.max_downsample));
  }
  s.integer("nsub", p.nsub, 0, kMaxChannels);
  s.number("subband_fraction", p.subband_fraction, 1e-3, 1.0);
  s.finish();
}

void read_resources(Section s, ResourcesConfig& c) {
  s.integer("threads", c.threads, 0, 4096);
  s.number("memory_gb", c.memory_gb, 1e-3, 65536.0);
  s.finish();
}

void read_root(Section root, const std::string& source, PipelineConfig& c) {
  read_input(root.child(root.table("input"), "input"), c.input);
  read_rfi(root.child(root.table("rfi"), "rfi"), c.rfi);
  read_dedisp(root.child(root.table("dedisp"), "dedisp"), c.dedisp);
  read_search_section(root.child(root.table("search"), "search"), c.search);
  // [sift.multibeam] is read here, before the [sift] reader rejects keys it does not know.
  Section sift = root.child(root.table("sift"), "sift");
  read_multibeam_section(sift.child(sift.table("multibeam"), "multibeam"), c.multibeam);
  read_sift_section(sift, c.sift);
  read_fold_section(root.child(root.table("fold"), "fold"), c.fold);
  read_resources(root.child(root.table("resources"), "resources"), c.resources);
  read_campaign_section(root.child(root.table("campaign"), "campaign"), c.campaign);
  root.finish();
  // The RFI stage's own checks too, so that a limit added there is never missed here.
  try {
    validate_rfi_config(c.rfi, kMaxChannels);
  } catch (const Error& e) {
    throw bad_input(source, "{}", e.what());
  }
}

// One value as TOML text. Floats keep a decimal point (so they stay floats) and the shortest
// digits that read back to the same double; a JSON string is a valid TOML basic string.
std::string toml_value(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_string()) return v.dump();
  if (v.is_number()) {
    std::string text = fmt::format("{}", v.get<double>());
    if (text.find_first_of(".eE") == std::string::npos) text += ".0";
    return text;
  }
  std::vector<std::string> parts;
  if (v.is_array()) {
    for (const auto& e : v) parts.push_back(toml_value(e));
    return fmt::format("[{}]", fmt::join(parts, ", "));
  }
  for (const auto& [key, e] : v.items()) parts.push_back(key + " = " + toml_value(e));
  return fmt::format("{{ {} }}", fmt::join(parts, ", "));  // an inline table
}

// A table's plain keys, then its sub-tables as [a.b] sections.
void write_toml_table(std::string& out, const std::string& path, const nlohmann::json& table) {
  if (!path.empty()) out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", path);
  for (const auto& [key, v] : table.items()) {
    if (!v.is_object()) out += fmt::format("{} = {}\n", key, toml_value(v));
  }
  for (const auto& [key, v] : table.items()) {
    if (v.is_object()) write_toml_table(out, path.empty() ? key : path + "." + key, v);
  }
}

nlohmann::json rfi_to_json(const RfiConfig& c) {
  nlohmann::json ranges = nlohmann::json::array();
  for (const RfiFreqRange& r : c.static_mask.bad_ranges) {
    ranges.push_back({{"lo_mhz", r.lo_mhz}, {"hi_mhz", r.hi_mhz}});
  }
  const RfiStatsConfig& st = c.stats;
  return {
      {"block_nsamp", c.block_nsamp},
      {"static_mask",
       {{"enabled", c.static_mask.enabled},
        {"file_weights", c.static_mask.file_weights},
        {"bad_ranges", ranges}}},
      {"dead", {{"enabled", c.dead.enabled}, {"rel_std", c.dead.rel_std}}},
      {"stats",
       {{"enabled", st.enabled},
        {"mean_threshold", st.mean_threshold},
        {"std_threshold", st.std_threshold},
        {"kurtosis_threshold", st.kurtosis_threshold},
        {"trend_half_width", st.trend_half_width},
        {"temporal_enabled", st.temporal_enabled},
        {"temporal_threshold", st.temporal_threshold},
        {"history_blocks", st.history_blocks}}},
      {"iqrm",
       {{"enabled", c.iqrm.enabled},
        {"threshold", c.iqrm.threshold},
        {"radius_fraction", c.iqrm.radius_fraction},
        {"trend_half_width", c.iqrm.trend_half_width}}},
      {"clip", {{"enabled", c.clip.enabled}, {"threshold", c.clip.threshold}}},
      {"zero_dm", {{"enabled", c.zero_dm.enabled}}},
      {"normalise", {{"enabled", c.normalise.enabled}}},
  };
}

}  // namespace

PipelineConfig default_pipeline_config() { return PipelineConfig{}; }

PipelineConfig load_pipeline_config(const std::string& path) {
  const toml::table root = parse_toml_file(path);
  PipelineConfig config;
  read_root(Section(&root, path, ""), path, config);
  return config;
}

void validate_pipeline_config(const PipelineConfig& config, const std::string& source) {
  toml::table table;
  try {
    table = toml::parse(pipeline_config_to_toml(config));
  } catch (const toml::parse_error& e) {
    throw internal_error("pipeline configuration written as invalid TOML: {}", e.description());
  }
  PipelineConfig reread;
  read_root(Section(&table, source, ""), source, reread);
}

nlohmann::json pipeline_config_to_json(const PipelineConfig& c) {
  const DmPlanConfig& p = c.dedisp.plan;
  nlohmann::json j = {
      {"input", {{"strict", c.input.strict}, {"gulp_s", c.input.gulp_s}}},
      {"rfi", rfi_to_json(c.rfi)},
      {"dedisp",
       {{"algorithm", c.dedisp.algorithm},
        {"dm_lo", p.dm_lo},
        {"dm_hi", p.dm_hi},
        {"fixed_step", p.fixed_step},
        {"dm_list", p.dm_list},
        {"tolerance", p.tolerance},
        {"max_downsample", p.max_downsample},
        {"nsub", p.nsub},
        {"subband_fraction", p.subband_fraction}}},
      {"search", search_config_to_json(c.search)},
      {"sift", sift_config_to_json(c.sift)},
      {"fold", fold_config_to_json(c.fold)},
      {"resources", {{"threads", c.resources.threads}, {"memory_gb", c.resources.memory_gb}}},
  };
  j["sift"]["multibeam"] = multibeam_config_to_json(c.multibeam);
  j["campaign"] = campaign_config_to_json(c.campaign);
  return j;
}

std::string pipeline_config_to_toml(const PipelineConfig& config) {
  std::string out;
  write_toml_table(out, "", pipeline_config_to_json(config));
  return out;
}

}  // namespace tianyan
