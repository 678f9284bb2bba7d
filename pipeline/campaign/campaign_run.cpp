// Local runs and the merge of a campaign (campaign_run.hpp).
#include "pipeline/campaign/campaign_run.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "io/atomic_file.hpp"
#include "io/candidates_reader.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign_merge.hpp"

extern char** environ;

namespace tianyan {
namespace {

namespace fs = std::filesystem;

pid_t spawn_unit(const Campaign& c, const CampaignUnit& u, const std::string& exe) {
  const std::string log = unit_log_path(c, u);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  const std::string index = std::to_string(u.index);
  std::vector<std::string> args = {exe, "campaign", "unit", c.dir, "--index", index};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw environment_error("cannot start {}: {}", exe, std::strerror(rc));
  return pid;
}

}  // namespace

std::string self_executable() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw environment_error("cannot read /proc/self/exe: {}", ec.message());
  return p.string();
}

std::map<int, int> run_units_locally(const Campaign& c, const std::vector<int>& indices,
                                     const std::string& exe, int jobs) {
  ensure_output_dir((fs::path(c.dir) / "logs").string());
  std::map<int, int> result;
  std::map<pid_t, int> running;  // pid -> unit index
  size_t next = 0;
  while (next < indices.size() || !running.empty()) {
    while (next < indices.size() && static_cast<int>(running.size()) < std::max(1, jobs)) {
      const CampaignUnit& u = c.units.at(static_cast<size_t>(indices[next++]));
      running[spawn_unit(c, u, exe)] = u.index;
    }
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw environment_error("waiting for campaign units: {}", std::strerror(errno));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const CampaignUnit& u = c.units.at(static_cast<size_t>(it->second));
    running.erase(it);
    const int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    result[u.index] = code;
    if (WIFSIGNALED(st)) {
      record_unit_failure(c, u, fmt::format("killed by signal {} ({})", WTERMSIG(st),
                                            strsignal(WTERMSIG(st))), code);
    }
  }
  return result;
}

MergeSummary merge_campaign(const Campaign& c) {
  MergeSummary s;
  std::vector<CampaignUnitResult> done;
  for (const CampaignUnit& u : c.units) {
    const UnitStatus st = unit_status(c, u);
    if (st.state != UnitState::Done) {
      s.missing.push_back(u.id);
      s.why.push_back(fmt::format("{}: {}", unit_state_name(st.state), st.detail));
      continue;
    }
    CampaignUnitResult r;
    r.id = u.id;
    r.scan = u.scan;
    r.beam = u.beam;
    r.dir = unit_dir(c, u);
    for (CandidateRecord& rec : read_candidates_csv((fs::path(r.dir) / "candidates.csv").string())) {
      r.candidates.push_back(std::move(rec.candidate));
    }
    done.push_back(std::move(r));
    s.done.push_back(u.id);
  }
  if (done.empty()) {
    throw environment_error("{}: no unit has finished ({} failed or pending); nothing to merge",
                            c.dir, s.missing.size());
  }
  write_campaign_merge(merge_dir(c), done, s.missing, c.config, c.config.multibeam);
  return s;
}

}  // namespace tianyan
