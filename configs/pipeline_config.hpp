#pragma once
// The search pipeline's typed configuration (ARCHITECTURE.md, item 7): a struct per stage with
// defaults and units in the declarations, one strict TOML loader (unknown keys, wrong types and
// out-of-range values are rejected by name), and the effective configuration written back as
// TOML (loadable again) and JSON (for the provenance of every output). Presets: configs/*.toml.
//
// TOML layout: [input], [rfi] with [rfi.static_mask], [rfi.dead], [rfi.stats], [rfi.iqrm],
// [rfi.clip], [rfi.zero_dm], [rfi.normalise]; [dedisp]; [search] with [[search.birdies]],
// [search.rednoise], [search.auto_birdies], [search.accel]; [sift] with [sift.multibeam]; [fold];
// [resources]; [campaign]. Keys are the field names.
#include <nlohmann/json.hpp>
#include <string>

#include "kernels/dedisp/dm_plan.hpp"
#include "kernels/fold/fold.hpp"
#include "kernels/rfi/rfi.hpp"
#include "kernels/search/multibeam.hpp"
#include "kernels/search/search_config.hpp"
#include "kernels/search/sift.hpp"
#include "pipeline/campaign/campaign_config.hpp"

namespace tianyan {

struct InputConfig {
  bool strict = false;  // refuse a scan with gaps (missing files or rows) instead of padding it
  // Fresh data per gulp, seconds (the dispersion overlap comes on top), [0.001, 3600]. 4 s keeps
  // the buffers near 1 GB for 1024 channels and was faster than 16 s for the reference case
  // (bench/RESULTS.md: fresh buffers cost page faults); surveys to high DM raise it so that the
  // overlap read twice (2.3 s at DM 1000 across 1.0-1.5 GHz) stays a small fraction.
  double gulp_s = 4.0;
};

struct DedispConfig {
  // DM trials (pc cm^-3), tolerance and subbands; the survey range 0-1000 unless configured
  // (the planner's own default range is empty: it has no telescope in mind).
  static DmPlanConfig survey_plan() {
    DmPlanConfig p;
    p.dm_lo = 0.0;
    p.dm_hi = 1000.0;
    return p;
  }
  DmPlanConfig plan = survey_plan();
  std::string algorithm = "subband";  // "subband" (two-stage) or "brute" (the reference)
};

struct ResourcesConfig {
  int threads = 0;         // CPU threads, 0 = all cores
  double memory_gb = 8.0;  // host memory the gulps and buffers may use, GB, [0.001, 65536]
};

struct PipelineConfig {
  InputConfig input;
  RfiConfig rfi;
  DedispConfig dedisp;
  SearchConfig search;
  SiftConfig sift;
  FoldConfig fold;
  ResourcesConfig resources;
  CoincidenceConfig multibeam;  // [sift.multibeam]: multi-beam coincidence (campaign merge)
  CampaignConfig campaign;      // [campaign]: work units, Slurm resources
};

// The built-in defaults (the declarations above); what configs/default.toml spells out.
PipelineConfig default_pipeline_config();

// Reads a TOML file over the defaults: keys it leaves out keep their defaults. Throws BadInput
// "PATH: key 'a.b': problem" for a syntax error, an unknown key, a wrong type or a bad value.
PipelineConfig load_pipeline_config(const std::string& path);

// Checks the whole configuration (after command-line overrides, say); `source` names it in the
// message. Throws BadInput. Channel-count-dependent RFI limits are checked by the RFI stage.
void validate_pipeline_config(const PipelineConfig& config, const std::string& source);

// The effective configuration, with the same keys and layout as the TOML file.
nlohmann::json pipeline_config_to_json(const PipelineConfig& config);
// The same as TOML text that load_pipeline_config() reads back to an equal configuration.
std::string pipeline_config_to_toml(const PipelineConfig& config);

}  // namespace tianyan
