#pragma once
// A campaign: many beams searched as independent work units, each into its own directory, with
// resume (docs/campaign.md). This file holds the campaign's description (CAMPAIGN_DIR/
// campaign.json and config.toml), its directory layout and what "done" means:
//
//   CAMPAIGN_DIR/campaign.json       format, versions, the inputs, the units, the config hash
//   CAMPAIGN_DIR/config.toml         the effective configuration (the one units run with)
//   CAMPAIGN_DIR/units/<id>/         a finished unit's search outputs (tianyan search's)
//   CAMPAIGN_DIR/units/<id>/done.json  its completion record, written last and atomically
//   CAMPAIGN_DIR/units/<id>.tmp.<host>.<pid>/  a unit at work (renamed into place when complete)
//   CAMPAIGN_DIR/logs/<id>.log, logs/<id>.failed.json   the unit's log; its last failure
//   CAMPAIGN_DIR/slurm/array.sbatch, merge.sbatch, jobs.json
//   CAMPAIGN_DIR/merge/              the merged outputs (pipeline/campaign_merge.hpp)
//
// A unit is done only when done.json parses, names the current configuration hash and the
// current size and modification time (ns) of every input file; anything else is pending
// (or failed, when logs/<id>.failed.json exists).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"

namespace tianyan {

struct CampaignUnit {
  int index = 0;       // position in the campaign (the Slurm array index)
  std::string id;      // "<scan>-M<nn>" for FAST beams, else the file stem; unique
  std::string scan;
  int beam = 0;        // 1..19 for FAST, 0 otherwise
  std::vector<std::string> files;  // absolute paths, in reading order
};

struct Campaign {
  std::string dir;              // absolute
  std::string config_source;    // where the configuration came from at planning
  PipelineConfig config;        // read from DIR/config.toml
  std::string config_hash;      // campaign_config_hash(config)
  std::vector<std::string> inputs;  // the DATA arguments of `campaign plan`
  std::vector<CampaignUnit> units;  // index i at position i
};

// The hash a unit's completion record must match: FNV-1a 64 (16 hex digits) of the
// configuration's JSON without what cannot change a unit's outputs ([campaign] except the
// effective fold count, [sift.multibeam], resources.threads).
std::string campaign_config_hash(const PipelineConfig& config);

// One unit per beam of `data` (discover_beams: FAST beams grouped by scan and beam). Throws
// BadInput when two beams would share an id or nothing is found.
Campaign plan_campaign(const PipelineConfig& config, const std::string& config_source,
                       const std::vector<std::string>& data, const std::string& dir);
// Creates DIR, units/, logs/, slurm/ and writes config.toml and campaign.json atomically.
void write_campaign(const Campaign& c);
// Reads DIR/campaign.json and DIR/config.toml. Throws BadInput "DIR/campaign.json: problem"
// when DIR is not a campaign directory or the files are damaged.
Campaign load_campaign(const std::string& dir);

// The configuration a unit searches with: [campaign] fold_top applied.
PipelineConfig unit_search_config(const Campaign& c);

// Layout (absolute paths).
std::string unit_dir(const Campaign& c, const CampaignUnit& u);
std::string unit_done_path(const Campaign& c, const CampaignUnit& u);
std::string unit_log_path(const Campaign& c, const CampaignUnit& u);
std::string unit_failed_path(const Campaign& c, const CampaignUnit& u);
std::string merge_dir(const Campaign& c);
std::string slurm_dir(const Campaign& c);

// Size and mtime (ns since the epoch) of each input: [{"path","size","mtime_ns"}]. Throws
// BadInput naming a file that cannot be stat'ed.
nlohmann::json input_stamps(const CampaignUnit& u);

enum class UnitState { Done, Failed, Pending };
struct UnitStatus {
  UnitState state = UnitState::Pending;
  std::string detail;  // why pending, the failure message, or "N candidates, T s"
};
UnitStatus unit_status(const Campaign& c, const CampaignUnit& u);
const char* unit_state_name(UnitState s);

// Running a unit: begin_unit() removes the unit's stale temporary directories and returns a
// fresh one (units/<id>.tmp.<host>.<pid>); commit_unit() replaces units/<id> by it (rename)
// and then writes done.json (the record: `stamps` taken BEFORE the search read the inputs,
// the config hash, the version, wall time, candidate count) and clears logs/<id>.failed.json.
// A kill at any point leaves either no units/<id> or one without a valid done.json.
std::string begin_unit(const Campaign& c, const CampaignUnit& u);
void commit_unit(const Campaign& c, const CampaignUnit& u, const std::string& tmp_dir,
                 const nlohmann::json& stamps, double wall_s, size_t ncandidates);
// Records a failure (message, exit code, time) in logs/<id>.failed.json; never throws.
void record_unit_failure(const Campaign& c, const CampaignUnit& u, const std::string& message,
                         int exit_code) noexcept;

}  // namespace tianyan
