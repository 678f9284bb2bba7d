// `tianyan campaign unit CAMPAIGN_DIR --index N`: one work unit, what a Slurm array task (and
// `campaign run --local`, as a child process) executes. It searches the unit's beam exactly as
// `tianyan search` would into units/<id>.tmp.<host>.<pid>/, renames that into units/<id>/ and
// writes units/<id>/done.json last (pipeline/campaign/campaign.hpp). A unit already done is
// skipped unless --force. A failure is recorded in logs/<id>.failed.json and rethrown, so the
// exit code is the usual one.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <string>

#include "apps/cli.hpp"
#include "io/candidates_reader.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign/campaign.hpp"
#include "pipeline/stage_clock.hpp"

namespace tianyan::cli {
namespace {

namespace fs = std::filesystem;

struct UnitArgs {
  std::string dir;
  int index = -1;
  bool force = false;
};

// [campaign] threads, else the CPUs Slurm gave the task, else resources.threads.
int unit_threads(const PipelineConfig& config) {
  if (config.campaign.threads > 0) return config.campaign.threads;
  if (const char* env = std::getenv("SLURM_CPUS_PER_TASK")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return resolve_threads(config.resources.threads);
}

void search_unit(const Campaign& c, const CampaignUnit& u, const GlobalOptions& global) {
  const auto t0 = StageClock::now();
  std::string tmp;
  try {
    // The inputs' sizes and times before they are read: a file changed during the search
    // makes the record stale, never the other way round.
    const nlohmann::json stamps = input_stamps(u);
    tmp = begin_unit(c, u);
    SearchJob job;
    job.inputs = u.files;
    job.config = unit_search_config(c);
    job.config_source = (fs::path(c.dir) / "config.toml").string();
    job.threads = unit_threads(c.config);
    job.backend = c.config.campaign.backend;
    job.device = "all";  // under Slurm, the GPUs --gres gave this unit
    job.out_dir = tmp;
    job.show = 0;
    spdlog::info("unit {} ({} of {}): {} file(s), {} thread(s)", u.id, u.index + 1,
                 c.units.size(), u.files.size(), job.threads);
    search_to_directory(job, global);
    const size_t n = read_candidates_csv((fs::path(tmp) / "candidates.csv").string()).size();
    commit_unit(c, u, tmp, stamps, seconds_since(t0), n);
    spdlog::info("unit {} done: {} candidates in {:.2f} s", u.id, n, seconds_since(t0));
  } catch (const Error& e) {
    record_unit_failure(c, u, e.what(), e.exit_code());
    if (!tmp.empty()) fs::remove_all(tmp);
    throw;
  } catch (const std::bad_alloc&) {
    record_unit_failure(c, u, "out of memory", static_cast<int>(ErrorKind::Environment));
    if (!tmp.empty()) fs::remove_all(tmp);
    throw;
  } catch (const std::exception& e) {
    record_unit_failure(c, u, e.what(), static_cast<int>(ErrorKind::Internal));
    if (!tmp.empty()) fs::remove_all(tmp);
    throw;
  }
}

void run_unit(const UnitArgs& args, const GlobalOptions& global) {
  const Campaign c = load_campaign(args.dir);
  if (args.index < 0 || static_cast<size_t>(args.index) >= c.units.size()) {
    throw usage_error("--index {} is outside 0..{} ({} units in {})", args.index,
                      static_cast<long>(c.units.size()) - 1, c.units.size(), c.dir);
  }
  const CampaignUnit& u = c.units[static_cast<size_t>(args.index)];
  if (!args.force && unit_status(c, u).state == UnitState::Done) {
    spdlog::info("unit {} is done already ({}); nothing to do", u.id, unit_done_path(c, u));
    return;
  }
  search_unit(c, u, global);
}

}  // namespace

void add_campaign_unit_command(CLI::App& campaign, const GlobalOptions& global) {
  auto args = std::make_shared<UnitArgs>();
  CLI::App* cmd = campaign.add_subcommand(
      "unit", "Run one work unit (what each Slurm array task runs); skipped when done");
  cmd->add_option("dir", args->dir, "Campaign directory")->required();
  cmd->add_option("--index", args->index, "Unit index (the array task id)")->required();
  cmd->add_flag("--force", args->force, "Run it again even when it is done");
  cmd->callback([args, &global] { run_unit(*args, global); });
}

}  // namespace tianyan::cli
