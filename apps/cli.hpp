#pragma once
// Pieces shared by the subcommands of the `tianyan` executable.
#include <CLI/CLI.hpp>

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

// Threads for OpenMP regions: 0 means "all cores" (the OpenMP default).
int resolve_threads(int requested);

}  // namespace tianyan::cli
