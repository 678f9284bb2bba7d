#pragma once
// The [campaign] section (how a campaign's work units are run: Slurm resources, threads,
// folding per unit; docs/campaign.md) and the [sift.multibeam] section (CoincidenceConfig of
// kernels/search/multibeam.hpp) of the pipeline TOML: read with the same strict checks as the
// other sections and written back as JSON with the same keys. Used by pipeline_config.cpp.
#include <nlohmann/json.hpp>

#include "configs/toml_section.hpp"
#include "kernels/search/multibeam.hpp"
#include "pipeline/campaign/campaign_config.hpp"

namespace tianyan {

void read_campaign_section(TomlSection s, CampaignConfig& c);
nlohmann::json campaign_config_to_json(const CampaignConfig& c);

void read_multibeam_section(TomlSection s, CoincidenceConfig& c);
nlohmann::json multibeam_config_to_json(const CoincidenceConfig& c);

}  // namespace tianyan
