#pragma once
// The [search] and [sift] sections of the pipeline TOML (kernels/search/search_config.hpp,
// kernels/search/sift.hpp): read with the same strict checks as the other sections, and written
// back as JSON with the same keys. Used by pipeline_config.cpp only.
#include <nlohmann/json.hpp>

#include "configs/toml_section.hpp"
#include "kernels/search/search_config.hpp"
#include "kernels/search/sift.hpp"

namespace tianyan {

void read_search_section(TomlSection s, SearchConfig& c);
void read_sift_section(TomlSection s, SiftConfig& c);
nlohmann::json search_config_to_json(const SearchConfig& c);
nlohmann::json sift_config_to_json(const SiftConfig& c);

}  // namespace tianyan
