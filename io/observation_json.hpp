#pragma once
// The machine-readable form of ObservationInfo, shared by `tianyan info --json` and every
// output that records its inputs.
#include <nlohmann/json.hpp>

#include "io/observation.hpp"

namespace tianyan {

nlohmann::json observation_to_json(const ObservationInfo& info);

// Flagged channels as compact "a-b" ranges of channel indices (ascending-frequency order).
std::string channel_ranges(const std::vector<uint8_t>& flagged);

}  // namespace tianyan
