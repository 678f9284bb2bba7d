// `tianyan plan FILE... [-c CONFIG] [--dm LO:HI[:STEP]] [--tolerance X]`: the DM plan for the
// input's header (its first beam): trials, downsampling and the smearing each step leaves,
// before committing to a search. Flags override the same keys of the configuration.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "kernels/dedisp/dm_range.hpp"

namespace tianyan::cli {
namespace {

struct PlanArgs {
  std::vector<std::string> inputs;
  std::string config;  // empty: the built-in defaults
  std::optional<std::string> dm;
  std::optional<double> tolerance;
};

// The configuration with the flags applied, checked as a whole; `source` names it in errors.
PipelineConfig effective_config(const PlanArgs& args, std::string& source) {
  PipelineConfig config =
      args.config.empty() ? default_pipeline_config() : load_pipeline_config(args.config);
  source = args.config.empty() ? std::string("defaults") : args.config;
  if (!args.dm && !args.tolerance) return config;
  // A malformed --dm is a usage error (exit 2), thrown by parse_dm_range.
  if (args.dm) apply_dm_range(parse_dm_range(*args.dm), config.dedisp.plan);
  if (args.tolerance) config.dedisp.plan.tolerance = *args.tolerance;
  source += " (with command-line overrides)";
  validate_pipeline_config(config, source);
  return config;
}

// The step whose total smearing is the largest: the plan's worst case.
const DmPlanStep* worst_step(const DmPlan& plan) {
  const DmPlanStep* worst = nullptr;
  for (const DmPlanStep& s : plan.steps) {
    if (!worst || s.t_total_s > worst->t_total_s) worst = &s;
  }
  return worst;
}

void run_plan(const PlanArgs& args) {
  std::string source;
  const PipelineConfig config = effective_config(args, source);
  const std::vector<BeamFiles> beams = discover_beams(args.inputs);
  const auto reader = open_beam(beams.front(), OpenOptions{config.input.strict});
  const ObservationInfo& info = reader->info();
  try {
    // The RFI limits that depend on the channel count, now that it is known.
    validate_rfi_config(config.rfi, info.nchan());
  } catch (const Error& e) {
    throw bad_input(source, "{} (input has {} channels)", e.what(), info.nchan());
  }
  const DmPlan plan =
      make_dm_plan(BandGeometry::from_freqs(info.freqs_mhz, info.tsamp_s), config.dedisp.plan);

  std::printf("input: %s, %s (first of %zu beam%s; %zu file%s), %.6g s\n", info.source.c_str(),
              info.files.front().c_str(), beams.size(), beams.size() == 1 ? "" : "s",
              info.files.size(), info.files.size() == 1 ? "" : "s", info.duration_s());
  std::printf("configuration: %s; algorithm %s, tolerance %.6g\n", source.c_str(),
              config.dedisp.algorithm.c_str(), config.dedisp.plan.tolerance);
  std::fputs(format_dm_plan(plan).c_str(), stdout);
  std::printf("trials: %lld\n", static_cast<long long>(plan.num_trials()));
  if (const DmPlanStep* w = worst_step(plan)) {
    std::printf("worst smearing: %.4f ms at DM %.3f (downsample %d)\n", w->t_total_s * 1e3,
                w->dm_hi, w->downsample);
  }
}

}  // namespace

void add_plan_command(CLI::App& app, const GlobalOptions& /*global*/) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Print the DM plan (trials, downsampling, expected smearing) for the header of "
      "FILE's first beam");
  cmd->add_option("inputs", args->inputs, "Search-mode files, directories or globs")->required();
  cmd->add_option("-c,--config", args->config, "Pipeline configuration (TOML; default: built-in)");
  cmd->add_option("--dm", args->dm,
                  "Override the DM range: LO:HI (planned), LO:HI:STEP or D1,D2,... (pc cm^-3)");
  cmd->add_option("--tolerance", args->tolerance, "Override dedisp.tolerance");
  cmd->callback([args] { run_plan(*args); });
}

}  // namespace tianyan::cli
