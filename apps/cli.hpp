#pragma once
// Pieces shared by the subcommands of the `tianyan` executable.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/rfi/rfi_mask.hpp"
#include "kernels/search/candidate.hpp"
#include "pipeline/fold_run.hpp"

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
void add_fold_command(CLI::App& app, const GlobalOptions& global);
void add_plot_command(CLI::App& app, const GlobalOptions& global);
void add_campaign_command(CLI::App& app, const GlobalOptions& global);
// `campaign unit` (apps/cmd_campaign_unit.cpp), added by add_campaign_command.
void add_campaign_unit_command(CLI::App& campaign, const GlobalOptions& global);

// The configuration of `-c PATH` (built-in defaults when empty) with a `--dm` override applied
// and validated as a whole; `source` names it for messages.
PipelineConfig load_effective_config(const std::string& path, const std::optional<std::string>& dm,
                                     std::string& source);
// The name outputs of one beam start with: the file stem, or "<scan>-M<nn>" for FAST beams.
std::string beam_stem(const BeamFiles& beam);
// Checks the RFI limits that depend on the channel count, naming the configuration.
void validate_rfi_for_input(const PipelineConfig& config, const std::string& source,
                            size_t nchan);
// Checks that a saved RFI mask (--mask PATH) fits a beam before any work or log line:
// its channels, its block length (rfi.block_nsamp) and the samples its blocks cover.
void validate_mask_for_input(const RfiMask& mask, const std::string& path,
                             const PipelineConfig& config, const ObservationInfo& info);

// Folding candidates of a search (apps/fold_common.cpp). Whether a candidate came from this
// beam (its file, else its scan and beam number), and the request that folds it: the search's
// frequency, acceleration and DM at its epoch (the middle of the observation).
bool candidate_in_beam(const Candidate& c, const BeamFiles& beam);
FoldRequest candidate_fold_request(const Candidate& c, int rank, const ObservationInfo& info);

// A searched beam and the RFI mask its search made (empty when none).
struct SearchedBeam {
  const BeamFiles* beam = nullptr;
  const RfiMask* mask = nullptr;
};
// After a search (apps/search_products.cpp): folds its best config.fold.top_n candidates beam
// by beam, writes their archives, sheets and summaries, the overview and RFI plots, and
// DIR/report.html with `provenance` as its run metadata.
// `fold_target`: where the folding engine and the optimiser's grids run.
void write_search_products(const std::vector<Candidate>& ranked,
                           const std::vector<SearchedBeam>& beams, const PipelineConfig& config,
                           int threads, const ComputeTarget& fold_target,
                           const std::string& out_dir, bool quiet,
                           const nlohmann::json& provenance);

// What `tianyan search` does once its options are resolved (apps/cmd_search.cpp): searches
// `inputs` (files, directories, globs, time series) with `config` and writes candidates,
// folds, plots and report.html into `out_dir`. A campaign unit runs exactly this.
struct SearchJob {
  std::vector<std::string> inputs;
  PipelineConfig config;      // validated, overrides applied
  std::string config_source;  // names the configuration in messages and provenance
  int threads = 1;            // resolved: > 0
  std::string backend = "cpu";  // cpu, cuda or auto
  std::string device = "0";     // CUDA devices: an index, a list or all
  std::string out_dir;
  int show = 10;  // candidates printed at the end
};
void search_to_directory(const SearchJob& job, const GlobalOptions& global);

// --backend cpu|cuda|auto and --device N|N,M,...|all (apps/pipeline_args.cpp).
void add_backend_options(CLI::App* cmd, std::string& backend, std::string& device);
// What they name, checked against this build and machine (kernels/common/backend_select.hpp)
// and logged (at debug level for the default, cpu); the CUDA runtime is asked only when they
// ask for CUDA.
// Several devices only where `several` (the search); elsewhere a list of more than one is a
// Usage error.
ComputeTarget resolve_backend(const std::string& backend, const std::string& device,
                              bool several = false);

// Threads for OpenMP regions: 0 means "all cores" (the OpenMP default).
int resolve_threads(int requested);

}  // namespace tianyan::cli
