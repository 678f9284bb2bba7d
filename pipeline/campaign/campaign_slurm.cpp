// Slurm scripts, sbatch and squeue for a campaign (campaign_slurm.hpp).
#include "pipeline/campaign/campaign_slurm.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/atomic_file.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string out(1, '\'');
  for (char ch : s) {
    if (ch == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('\'');
  return out;
}

// The resource lines both scripts share.
std::string resource_lines(const CampaignConfig& k, int cpus) {
  std::string out;
  if (!k.partition.empty()) out += fmt::format("#SBATCH --partition={}\n", k.partition);
  out += fmt::format("#SBATCH --time={}\n", k.time);
  if (k.mem_gb > 0) {
    out += fmt::format("#SBATCH --mem={}M\n", static_cast<long>(std::ceil(k.mem_gb * 1024.0)));
  }
  out += fmt::format("#SBATCH --cpus-per-task={}\n", cpus);
  return out;
}

std::string extra_lines(const CampaignConfig& k) {
  std::string out;
  for (const std::string& e : k.extra_sbatch) out += fmt::format("#SBATCH {}\n", e);
  return out;
}

// Expands "5-7,9" (a squeue index list, throttle removed) into indices.
std::vector<int> expand_ranges(const std::string& list) {
  std::vector<int> out;
  std::stringstream in(list);
  for (std::string part; std::getline(in, part, ',');) {
    const size_t dash = part.find('-');
    try {
      const int lo = std::stoi(part.substr(0, dash));
      const int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
      for (int i = lo; i <= hi && i - lo < 1000000; ++i) out.push_back(i);
    } catch (const std::exception&) {
      // Not an index list: ignore this part.
    }
  }
  return out;
}

}  // namespace

std::string array_index_list(const std::vector<int>& indices) {
  std::vector<int> v = indices;
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::string out;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", v[i]) : fmt::format("{}-{}", v[i], v[j]);
    i = j + 1;
  }
  return out;
}

SlurmScripts write_slurm_scripts(const Campaign& c, const std::vector<int>& indices,
                                 const std::string& exe) {
  const CampaignConfig& k = c.config.campaign;
  const std::string name = fs::path(c.dir).filename().string();
  const std::string logs = (fs::path(c.dir) / "logs").string();
  ensure_output_dir(slurm_dir(c));
  ensure_output_dir(logs);

  std::string ids;
  for (const CampaignUnit& u : c.units) {
    if (!ids.empty()) ids.push_back(' ');
    ids.append(shell_quote(u.id));
  }
  std::string array = "#!/bin/bash\n# tianyan campaign: one array task per work unit (the index "
                      "is the unit's; docs/campaign.md)\n";
  array += fmt::format("#SBATCH --job-name=tianyan-{}\n", name);
  array += fmt::format("#SBATCH --array={}{}\n", array_index_list(indices),
                       k.throttle > 0 ? fmt::format("%{}", k.throttle) : "");
  array += resource_lines(k, k.cpus_per_task);
  if (k.gpus > 0) array += fmt::format("#SBATCH --gres=gpu:{}\n", k.gpus);
  array += fmt::format("#SBATCH --output={}/slurm-%A_%a.out\n", logs);
  array += extra_lines(k);
  array += "set -u\n";
  array += fmt::format("IDS=({})\n", ids);
  array += "ID=${IDS[$SLURM_ARRAY_TASK_ID]}\n";
  array += fmt::format("exec {} campaign unit {} --index \"$SLURM_ARRAY_TASK_ID\" > {}/\"$ID\".log 2>&1\n",
                       shell_quote(exe), shell_quote(c.dir), shell_quote(logs));

  std::string merge = "#!/bin/bash\n# tianyan campaign: merges every finished unit after the "
                      "array (afterany), lists the others\n";
  merge += fmt::format("#SBATCH --job-name=tianyan-merge-{}\n", name);
  merge += resource_lines(k, 1);
  merge += fmt::format("#SBATCH --output={}/merge-%j.out\n", logs);
  merge += extra_lines(k);
  merge += fmt::format("exec {} campaign merge {}\n", shell_quote(exe), shell_quote(c.dir));

  SlurmScripts s{(fs::path(slurm_dir(c)) / "array.sbatch").string(),
                 (fs::path(slurm_dir(c)) / "merge.sbatch").string()};
  std::error_code ec;
  if (indices.empty()) {
    fs::remove(s.array, ec);  // a stale array script would run finished units again
    s.array.clear();
  } else {
    write_file_atomically(s.array, array);
  }
  write_file_atomically(s.merge, merge);
  return s;
}

std::optional<std::string> find_on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  if (!path) return std::nullopt;
  std::stringstream in(path);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path p = fs::path(dir) / tool;
    if (::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p)) return dir;
  }
  return std::nullopt;
}

ToolResult run_tool(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const std::string& a : argv) cmd += shell_quote(a) + " ";
  cmd += "2>&1";
  ToolResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string sbatch(const std::string& script, const std::vector<std::string>& extra) {
  if (!find_on_path("sbatch")) {
    throw environment_error("sbatch not found on PATH (Slurm's client tools are needed to "
                            "submit; `tianyan campaign run DIR --local` runs without Slurm)");
  }
  std::vector<std::string> argv = {"sbatch", "--parsable"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(script);
  const ToolResult r = run_tool(argv);
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
  const bool numeric = !id.empty() && std::all_of(id.begin(), id.end(), ::isdigit);
  if (r.status != 0 || !numeric) {
    throw environment_error("sbatch {} failed (exit {}): {}", script, r.status, r.out);
  }
  return id;
}

void record_submission(const Campaign& c, const std::string& array_job,
                       const std::string& merge_job, const std::vector<int>& indices) {
  const std::string path = (fs::path(slurm_dir(c)) / "jobs.json").string();
  nlohmann::json j = nlohmann::json::object();
  if (std::ifstream in(path); in) {
    try {
      in >> j;
    } catch (const std::exception&) {
      j = nlohmann::json::object();
    }
  }
  nlohmann::json history = j.value("history", nlohmann::json::array());
  if (j.contains("merge_job")) {
    nlohmann::json prev = j;
    prev.erase("history");
    history.push_back(prev);
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  nlohmann::json out = {{"array_job", array_job},
                        {"merge_job", merge_job},
                        {"indices", indices},
                        {"submitted_unix", std::chrono::duration_cast<std::chrono::seconds>(now).count()},
                        {"history", history}};
  write_file_atomically(path, out.dump(2) + "\n");
}

std::map<int, std::string> parse_squeue(const std::string& text, const std::string& job) {
  std::map<int, std::string> out;
  std::istringstream in(text);
  for (std::string id, state; in >> id >> state;) {
    if (id.rfind(job + "_", 0) != 0) continue;
    std::string rest = id.substr(job.size() + 1);
    if (!rest.empty() && rest.front() == '[') {
      rest = rest.substr(1, rest.find(']') == std::string::npos ? std::string::npos
                                                                 : rest.find(']') - 1);
    }
    rest = rest.substr(0, rest.find('%'));
    for (int i : expand_ranges(rest)) out[i] = state;
  }
  return out;
}

std::map<int, std::string> queued_units(const Campaign& c) {
  const std::string path = (fs::path(slurm_dir(c)) / "jobs.json").string();
  std::ifstream in(path);
  if (!in || !find_on_path("squeue")) return {};
  std::string job;
  try {
    nlohmann::json j;
    in >> j;
    job = j.value("array_job", "");
  } catch (const std::exception&) {
    return {};
  }
  if (job.empty()) return {};
  const ToolResult r = run_tool({"squeue", "-h", "-r", "-j", job, "-o", "%i %T"});
  if (r.status != 0) return {};  // the job has left the queue
  return parse_squeue(r.out, job);
}

}  // namespace tianyan
