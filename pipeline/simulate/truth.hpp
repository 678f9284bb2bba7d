#pragma once
// truth.json of a simulation: the effective configuration, the version, the files, and for
// every injected signal its parameters and the ideal matched-filter S/N actually injected.
#include <nlohmann/json.hpp>

#include "pipeline/simulate/generator.hpp"
#include "pipeline/simulate/simulate.hpp"

namespace tianyan {

nlohmann::json make_truth_json(const SimConfig& config, const SimPlan& plan,
                               const SimulateResult& result);

}  // namespace tianyan
