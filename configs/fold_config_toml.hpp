#pragma once
// The [fold] section of the pipeline TOML (kernels/fold/fold.hpp, FoldConfig): read with the
// same strict checks as the other sections, written back as JSON with the same keys. Used by
// pipeline_config.cpp only.
#include <nlohmann/json.hpp>

#include "configs/toml_section.hpp"
#include "kernels/fold/fold.hpp"

namespace tianyan {

void read_fold_section(TomlSection s, FoldConfig& c);
nlohmann::json fold_config_to_json(const FoldConfig& c);

}  // namespace tianyan
