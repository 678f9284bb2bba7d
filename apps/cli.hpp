#pragma once
// Pieces shared by the subcommands of the `tianyan` executable.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"

namespace tianyan::cli {

struct GlobalOptions {
  int verbose = 0;     // -v (repeatable)
  bool quiet = false;  // -q: warnings and errors only, no progress
};

// Each adds one subcommand whose callback does the work; errors are thrown as tianyan::Error.
void add_info_command(CLI::App& app, const GlobalOptions& global);
void add_simulate_command(CLI::App& app, const GlobalOptions& global);
void add_config_command(CLI::App& app, const GlobalOptions& global);
void add_plan_command(CLI::App& app, const GlobalOptions& global);
void add_rfi_command(CLI::App& app, const GlobalOptions& global);
void add_dedisperse_command(CLI::App& app, const GlobalOptions& global);
void add_search_command(CLI::App& app, const GlobalOptions& global);

// The configuration of `-c PATH` (built-in defaults when empty) with a `--dm` override applied
// and validated as a whole; `source` names it for messages.
PipelineConfig load_effective_config(const std::string& path, const std::optional<std::string>& dm,
                                     std::string& source);
// The name outputs of one beam start with: the file stem, or "<scan>-M<nn>" for FAST beams.
std::string beam_stem(const BeamFiles& beam);
// Checks the RFI limits that depend on the channel count, naming the configuration.
void validate_rfi_for_input(const PipelineConfig& config, const std::string& source,
                            size_t nchan);

// Threads for OpenMP regions: 0 means "all cores" (the OpenMP default).
int resolve_threads(int requested);

}  // namespace tianyan::cli
