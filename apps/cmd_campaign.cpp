// `tianyan campaign plan|submit|status|run|unit|merge` (docs/campaign.md): many beams searched
// as independent, resumable work units, on Slurm (a job array plus a dependent merge job) or
// on one machine. The campaign's files and what "done" means: pipeline/campaign/campaign.hpp.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign/campaign.hpp"
#include "pipeline/campaign/campaign_run.hpp"
#include "pipeline/campaign/campaign_slurm.hpp"

namespace tianyan::cli {
namespace {

namespace fs = std::filesystem;

struct CampaignArgs {
  std::string config;
  std::vector<std::string> data;
  std::string dir;
  bool dry_run = false;
  bool local = false;
  int jobs = 1;
};

std::vector<int> pending_units(const Campaign& c) {
  std::vector<int> out;
  for (const CampaignUnit& u : c.units) {
    if (unit_status(c, u).state != UnitState::Done) out.push_back(u.index);
  }
  return out;
}

std::string relative_to(const std::string& path, const Campaign& c) {
  return fs::path(path).lexically_relative(c.dir).string();
}

void plan(const CampaignArgs& a) {
  std::string source;
  const PipelineConfig config = load_effective_config(a.config, std::nullopt, source);
  const Campaign c = plan_campaign(config, source, a.data, a.dir);
  write_campaign(c);
  const std::vector<int> pending = pending_units(c);
  const SlurmScripts s = write_slurm_scripts(c, pending, self_executable());
  std::set<std::string> scans;
  for (const CampaignUnit& u : c.units) scans.insert(u.scan);
  std::printf("planned %zu unit(s) from %zu scan(s) in %s (%zu pending); configuration hash %s\n",
              c.units.size(), scans.size(), c.dir.c_str(), pending.size(), c.config_hash.c_str());
  std::printf("scripts: %s %s\n", s.array.empty() ? "(no array: all done)" : s.array.c_str(),
              s.merge.c_str());
}

void status(const CampaignArgs& a) {
  const Campaign c = load_campaign(a.dir);
  const std::map<int, std::string> queued = queued_units(c);
  size_t counts[5] = {0, 0, 0, 0, 0};  // done, failed, pending, running, queued
  std::printf("%-5s %-24s %-8s %-32s %s\n", "index", "unit", "state", "log", "detail");
  for (const CampaignUnit& u : c.units) {
    const UnitStatus st = unit_status(c, u);
    std::string state = unit_state_name(st.state);
    size_t slot = static_cast<size_t>(st.state);
    const auto q = queued.find(u.index);
    if (st.state != UnitState::Done && q != queued.end()) {
      const bool running = q->second == "RUNNING" || q->second == "COMPLETING";
      state = running ? "running" : "queued";
      slot = running ? 3 : 4;
    }
    ++counts[slot];
    std::printf("%-5d %-24s %-8s %-32s %s\n", u.index, u.id.c_str(), state.c_str(),
                relative_to(unit_log_path(c, u), c).c_str(), st.detail.c_str());
  }
  std::printf("%zu unit(s): %zu done, %zu failed, %zu running, %zu queued, %zu pending\n",
              c.units.size(), counts[0], counts[1], counts[3], counts[4], counts[2]);
  const fs::path merged = fs::path(merge_dir(c)) / "candidates.csv";
  std::printf("merge: %s\n", fs::exists(merged) ? merged.c_str() : "not written yet");
  if (!find_on_path("squeue")) {
    std::printf("(squeue not found on PATH: Slurm's running and queued units show as pending)\n");
  }
}

void submit(const CampaignArgs& a) {
  const Campaign c = load_campaign(a.dir);
  if (!a.dry_run && !find_on_path("sbatch")) {
    throw environment_error("sbatch not found on PATH (Slurm's client tools are needed to "
                            "submit; `tianyan campaign run DIR --local` runs without Slurm)");
  }
  const std::vector<int> pending = pending_units(c);
  const SlurmScripts s = write_slurm_scripts(c, pending, self_executable());
  std::printf("%zu of %zu unit(s) pending: %s\n", pending.size(), c.units.size(),
              pending.empty() ? "(none)" : array_index_list(pending).c_str());
  if (a.dry_run) {
    if (!s.array.empty()) std::printf("sbatch --parsable %s\n", s.array.c_str());
    std::printf("sbatch --parsable %s%s\n",
                s.array.empty() ? "" : "--dependency=afterany:<array job> ", s.merge.c_str());
    return;
  }
  std::string array_job;
  std::vector<std::string> merge_extra;
  if (!s.array.empty()) {
    array_job = sbatch(s.array, {});
    // afterany: the merge runs whatever finished and lists what did not (SLURM_NOTES.md).
    merge_extra.push_back("--dependency=afterany:" + array_job);
  }
  const std::string merge_job = sbatch(s.merge, merge_extra);
  record_submission(c, array_job, merge_job, pending);
  std::printf("submitted array job %s (%zu unit(s)) and merge job %s\n",
              array_job.empty() ? "(none)" : array_job.c_str(), pending.size(), merge_job.c_str());
}

void print_merge(const Campaign& c, const MergeSummary& m) {
  std::printf("merged %zu unit(s) into %s\n", m.done.size(), merge_dir(c).c_str());
  for (size_t i = 0; i < m.missing.size(); ++i) {
    std::printf("missing: %s (%s)\n", m.missing[i].c_str(), m.why[i].c_str());
  }
}

void merge(const CampaignArgs& a) {
  const Campaign c = load_campaign(a.dir);
  print_merge(c, merge_campaign(c));
}

ErrorKind kind_of_exit(int code) {
  switch (code) {
    case 2: return ErrorKind::Usage;
    case 3: return ErrorKind::BadInput;
    case 4: return ErrorKind::Environment;
    default: return ErrorKind::Internal;
  }
}

// The merged table is newer than every completion record (nothing finished since).
bool merge_up_to_date(const Campaign& c) {
  std::error_code ec;
  const auto merged = fs::last_write_time(fs::path(merge_dir(c)) / "candidates.csv", ec);
  if (ec) return false;
  for (const CampaignUnit& u : c.units) {
    const auto t = fs::last_write_time(unit_done_path(c, u), ec);
    if (ec || t > merged) return false;
  }
  return true;
}

void run_local(const CampaignArgs& a) {
  if (!a.local) {
    throw usage_error("campaign run needs --local (use `tianyan campaign submit` for Slurm)");
  }
  const Campaign c = load_campaign(a.dir);
  const std::vector<int> pending = pending_units(c);
  spdlog::info("{}: {} of {} unit(s) pending; running {} at a time", c.dir, pending.size(),
               c.units.size(), a.jobs);
  const std::map<int, int> codes = run_units_locally(c, pending, self_executable(), a.jobs);
  std::vector<std::string> failed;
  int first_code = 0;
  for (const auto& [index, code] : codes) {
    if (code == 0) continue;
    const CampaignUnit& u = c.units[static_cast<size_t>(index)];
    failed.push_back(u.id);
    if (first_code == 0) first_code = code;
    spdlog::error("unit {} failed (exit {}); log {}", u.id, code, unit_log_path(c, u));
  }
  if (pending.empty() && merge_up_to_date(c)) {
    std::printf("all %zu unit(s) done and %s is up to date\n", c.units.size(), merge_dir(c).c_str());
  } else if (failed.size() < c.units.size() || pending.size() < c.units.size()) {
    print_merge(c, merge_campaign(c));
  } else {
    spdlog::warn("no unit finished: nothing to merge");
  }
  if (!failed.empty()) {
    throw Error(kind_of_exit(first_code),
                fmt::format("{}: {} of {} unit(s) failed: {} (logs in {}/logs)", c.dir,
                            failed.size(), pending.size(), fmt::join(failed, ", "), c.dir));
  }
}

}  // namespace

void add_campaign_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<CampaignArgs>();
  CLI::App* cmd = app.add_subcommand(
      "campaign", "Many beams as resumable work units, on Slurm or locally (docs/campaign.md)");
  cmd->require_subcommand(1);

  CLI::App* p = cmd->add_subcommand(
      "plan", "Find the scans and beams of DATA, write CAMPAIGN_DIR (units, config, sbatch scripts)");
  p->add_option("-c,--config", args->config, "Pipeline configuration (TOML; default: built-in)");
  p->add_option("data", args->data, "Search-mode files, directories or globs")->required();
  p->add_option("-o,--output", args->dir, "Campaign directory")->required();
  p->callback([args] { plan(*args); });

  CLI::App* sub = cmd->add_subcommand(
      "submit", "Submit the pending units as a Slurm job array and a dependent (afterany) merge job");
  sub->add_option("dir", args->dir, "Campaign directory")->required();
  sub->add_flag("--dry-run", args->dry_run, "Write the scripts and print the sbatch commands only");
  sub->callback([args] { submit(*args); });

  CLI::App* st = cmd->add_subcommand("status", "Each unit: done, failed, running, queued or pending, with its log");
  st->add_option("dir", args->dir, "Campaign directory")->required();
  st->callback([args] { status(*args); });

  CLI::App* run = cmd->add_subcommand("run", "Run the pending units on this machine, then merge");
  run->add_option("dir", args->dir, "Campaign directory")->required();
  run->add_flag("--local", args->local, "Without Slurm, as child processes of this one (required)");
  run->add_option("-j,--jobs", args->jobs, "Units at once")->check(CLI::Range(1, 4096));
  run->callback([args] { run_local(*args); });

  CLI::App* m = cmd->add_subcommand("merge", "Merge every finished unit into CAMPAIGN_DIR/merge; list the others");
  m->add_option("dir", args->dir, "Campaign directory")->required();
  m->callback([args] { merge(*args); });

  add_campaign_unit_command(*cmd, global);
}

}  // namespace tianyan::cli
