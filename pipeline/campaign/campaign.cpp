// The campaign's description, layout and completion records (campaign.hpp).
#include "pipeline/campaign/campaign.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/atomic_file.hpp"
#include "io/json_integer.hpp"
#include "io/reader.hpp"
#include "kernels/common/error.hpp"
#include "tianyan/version.hpp"

namespace tianyan {
namespace {

namespace fs = std::filesystem;
constexpr const char* kFormat = "tianyan-campaign";
constexpr int kFormatVersion = 1;

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_input(path, "cannot read (not a campaign directory?)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string unit_id(const BeamFiles& b) {
  return b.beam > 0 ? fmt::format("{}-M{:02d}", b.scan, b.beam) : b.scan;
}

nlohmann::json parse_json_file(const std::string& path) {
  try {
    return nlohmann::json::parse(read_whole(path));
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(path, "not valid JSON: {}", e.what());
  }
}

std::string now_utc() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "host";
  std::string h(buf);
  for (char& ch : h) {
    if (ch == '/' || ch == ' ') ch = '_';
  }
  return h.empty() ? "host" : h;
}

}  // namespace

std::string campaign_config_hash(const PipelineConfig& config) {
  nlohmann::json j = pipeline_config_to_json(config);
  j.erase("campaign");
  j["sift"].erase("multibeam");
  j["resources"].erase("threads");
  j["unit_fold_top"] = unit_search_config(Campaign{"", "", config, "", {}, {}}).fold.top_n;
  const std::string text = j.dump();
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

PipelineConfig unit_search_config(const Campaign& c) {
  PipelineConfig config = c.config;
  if (config.campaign.fold_top >= 0) config.fold.top_n = config.campaign.fold_top;
  return config;
}

Campaign plan_campaign(const PipelineConfig& config, const std::string& config_source,
                       const std::vector<std::string>& data, const std::string& dir) {
  Campaign c;
  c.dir = fs::absolute(dir).lexically_normal().string();
  c.config_source = config_source;
  c.config = config;
  c.config_hash = campaign_config_hash(config);
  c.inputs = data;
  std::set<std::string> ids;
  for (const BeamFiles& b : discover_beams(data)) {
    CampaignUnit u;
    u.index = static_cast<int>(c.units.size());
    u.id = unit_id(b);
    u.scan = b.scan;
    u.beam = b.beam;
    for (const std::string& f : b.files) u.files.push_back(fs::absolute(f).lexically_normal());
    if (!ids.insert(u.id).second) {
      throw bad_input(u.files.front(), "two beams would both be unit '{}' (same scan and beam, "
                                       "or the same file stem in different folders)", u.id);
    }
    c.units.push_back(std::move(u));
  }
  if (c.units.empty()) throw bad_input(fmt::format("{}", fmt::join(data, " ")), "no beams found");
  return c;
}

void write_campaign(const Campaign& c) {
  for (const char* sub : {"", "units", "logs", "slurm"}) ensure_output_dir((fs::path(c.dir) / sub).string());
  write_file_atomically((fs::path(c.dir) / "config.toml").string(),
                        pipeline_config_to_toml(c.config));
  nlohmann::json units = nlohmann::json::array();
  for (const CampaignUnit& u : c.units) {
    units.push_back({{"index", u.index}, {"id", u.id}, {"scan", u.scan}, {"beam", u.beam},
                     {"files", u.files}});
  }
  const nlohmann::json j = {{"format", kFormat},
                            {"format_version", kFormatVersion},
                            {"tianyan_version", kVersionFull},
                            {"created", now_utc()},
                            {"config_source", c.config_source},
                            {"config_hash", c.config_hash},
                            {"config", pipeline_config_to_toml(c.config)},
                            {"inputs", c.inputs},
                            {"units", units}};
  write_file_atomically((fs::path(c.dir) / "campaign.json").string(), j.dump(2) + "\n");
}

Campaign load_campaign(const std::string& dir) {
  Campaign c;
  c.dir = fs::absolute(dir).lexically_normal().string();
  const std::string path = (fs::path(c.dir) / "campaign.json").string();
  if (!fs::is_directory(c.dir)) throw bad_input(dir, "not a campaign directory (no such folder)");
  const nlohmann::json j = parse_json_file(path);
  try {
    if (j.at("format").get<std::string>() != kFormat) throw bad_input(path, "not a campaign file");
    if (json_integer<int>(j.at("format_version")) != kFormatVersion) {
      throw bad_input(path, "format version {} is not {}", j.at("format_version").dump(),
                      kFormatVersion);
    }
    c.config_source = j.at("config_source").get<std::string>();
    c.inputs = j.at("inputs").get<std::vector<std::string>>();
    // A range-for over a JSON number or string visits the value itself: say what is wrong.
    if (!j.at("units").is_array()) throw bad_input(path, "'units' is not a list");
    for (const auto& e : j.at("units")) {
      CampaignUnit u;
      u.index = json_integer<int>(e.at("index"));
      u.id = e.at("id").get<std::string>();
      u.scan = e.at("scan").get<std::string>();
      u.beam = json_integer<int>(e.at("beam"));
      u.files = e.at("files").get<std::vector<std::string>>();
      if (u.index != static_cast<int>(c.units.size()) || u.id.empty() || u.files.empty() ||
          u.id.find('/') != std::string::npos) {
        throw bad_input(path, "unit {} is malformed", c.units.size());
      }
      c.units.push_back(std::move(u));
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad_input(path, "{}", e.what());
  }
  // config.toml is the configuration units run with: editing it makes every unit pending.
  c.config = load_pipeline_config((fs::path(c.dir) / "config.toml").string());
  c.config_hash = campaign_config_hash(c.config);
  return c;
}

std::string unit_dir(const Campaign& c, const CampaignUnit& u) {
  return (fs::path(c.dir) / "units" / u.id).string();
}
std::string unit_done_path(const Campaign& c, const CampaignUnit& u) {
  return (fs::path(unit_dir(c, u)) / "done.json").string();
}
std::string unit_log_path(const Campaign& c, const CampaignUnit& u) {
  return (fs::path(c.dir) / "logs" / (u.id + ".log")).string();
}
std::string unit_failed_path(const Campaign& c, const CampaignUnit& u) {
  return (fs::path(c.dir) / "logs" / (u.id + ".failed.json")).string();
}
std::string merge_dir(const Campaign& c) { return (fs::path(c.dir) / "merge").string(); }
std::string slurm_dir(const Campaign& c) { return (fs::path(c.dir) / "slurm").string(); }

nlohmann::json input_stamps(const CampaignUnit& u) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& f : u.files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) throw bad_input(f, "cannot stat the input (missing?)");
    const int64_t ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    out.push_back({{"path", f}, {"size", static_cast<int64_t>(st.st_size)}, {"mtime_ns", ns}});
  }
  return out;
}

const char* unit_state_name(UnitState s) {
  switch (s) {
    case UnitState::Done: return "done";
    case UnitState::Failed: return "failed";
    case UnitState::Pending: return "pending";
  }
  return "?";
}

UnitStatus unit_status(const Campaign& c, const CampaignUnit& u) {
  UnitStatus s;
  const std::string done = unit_done_path(c, u);
  const std::string failed = unit_failed_path(c, u);
  auto not_done = [&](std::string why) {
    if (fs::exists(failed)) {
      s.state = UnitState::Failed;
      try {
        const nlohmann::json f = nlohmann::json::parse(read_whole(failed));
        // dump(): any JSON there prints; get<int> of 1e300 would be undefined behaviour.
        s.detail = fmt::format("exit {}: {}", f.value("exit_code", nlohmann::json(0)).dump(),
                               f.value("error", ""));
      } catch (const std::exception&) {
        s.detail = "failed (unreadable record)";
      }
    } else {
      s.detail = std::move(why);
    }
    return s;
  };
  if (!fs::exists(done)) return not_done(fs::exists(unit_dir(c, u)) ? "no completion record" : "not run");
  nlohmann::json d;
  nlohmann::json now;
  try {
    d = nlohmann::json::parse(read_whole(done));
    if (!d.is_object()) throw std::runtime_error("not a JSON object");
    now = input_stamps(u);
  } catch (const std::exception& e) {
    return not_done(fmt::format("unusable record: {}", e.what()));
  }
  // Compared as JSON, so that a damaged record (a number where a string belongs) is only stale.
  if (d.value("config_hash", nlohmann::json()) != c.config_hash) {
    return not_done("configuration changed");
  }
  if (d.value("inputs", nlohmann::json()) != now) return not_done("inputs changed");
  if (!fs::exists(fs::path(unit_dir(c, u)) / "candidates.csv")) return not_done("outputs missing");
  s.state = UnitState::Done;
  const auto number = [&](const char* key) {
    const auto it = d.find(key);
    return it != d.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  s.detail = fmt::format("{:.0f} candidates, {:.1f} s", number("candidates"), number("wall_s"));
  return s;
}

std::string begin_unit(const Campaign& c, const CampaignUnit& u) {
  const fs::path units = fs::path(c.dir) / "units";
  ensure_output_dir(units.string());
  // Temporary directories of earlier attempts at this unit (killed ones) are never resumed.
  const std::string prefix = u.id + ".tmp.";
  for (const auto& e : fs::directory_iterator(units)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) {
      std::error_code ec;
      fs::remove_all(e.path(), ec);
    }
  }
  const fs::path tmp = units / fmt::format("{}{}.{}", prefix, host_name(), ::getpid());
  ensure_output_dir(tmp.string());
  return tmp.string();
}

void commit_unit(const Campaign& c, const CampaignUnit& u, const std::string& tmp_dir,
                 const nlohmann::json& stamps, double wall_s, size_t ncandidates) {
  const std::string final_dir = unit_dir(c, u);
  std::error_code ec;
  fs::remove_all(final_dir, ec);
  if (ec) throw environment_error("{}: cannot remove the old outputs: {}", final_dir, ec.message());
  fs::rename(tmp_dir, final_dir, ec);
  if (ec) throw environment_error("{}: cannot rename {} into place: {}", final_dir, tmp_dir, ec.message());
  const nlohmann::json record = {{"unit", u.id},
                                 {"index", u.index},
                                 {"inputs", stamps},
                                 {"config_hash", c.config_hash},
                                 {"tianyan_version", kVersionFull},
                                 {"finished", now_utc()},
                                 {"host", host_name()},
                                 {"wall_s", wall_s},
                                 {"candidates", ncandidates}};
  write_file_atomically(unit_done_path(c, u), record.dump(2) + "\n");
  fs::remove(unit_failed_path(c, u), ec);
}

void record_unit_failure(const Campaign& c, const CampaignUnit& u, const std::string& message,
                         int exit_code) noexcept {
  try {
    ensure_output_dir((fs::path(c.dir) / "logs").string());
    const nlohmann::json j = {{"unit", u.id}, {"index", u.index}, {"exit_code", exit_code},
                              {"error", message}, {"time", now_utc()}, {"host", host_name()}};
    write_file_atomically(unit_failed_path(c, u), j.dump(2) + "\n");
  } catch (...) {
    // The log keeps the message; status then reports the unit as pending.
  }
}

}  // namespace tianyan
