#pragma once
// Slurm for a campaign (docs/campaign.md, "Slurm"): the array script (one task per pending
// unit, resources from [campaign]), the merge script (run after the array with afterany, so it
// merges whatever finished and lists what did not), sbatch/squeue calls, and the record of
// submitted jobs (slurm/jobs.json). Slurm 22.05 notes: /work/shared/docs/SLURM_NOTES.md.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/campaign/campaign.hpp"

namespace tianyan {

// "0,2,5-7": ascending indices with runs collapsed (Slurm's --array syntax).
std::string array_index_list(const std::vector<int>& indices);

// Writes slurm/array.sbatch for `indices` and slurm/merge.sbatch; both run `exe` (an
// absolute path). Returns their paths {array, merge}; with no indices the array script is
// removed and `array` is empty.
struct SlurmScripts {
  std::string array;
  std::string merge;
};
SlurmScripts write_slurm_scripts(const Campaign& c, const std::vector<int>& indices,
                                 const std::string& exe);

// The directory of `tool` on PATH, or nullopt.
std::optional<std::string> find_on_path(const std::string& tool);

// Runs a command (argv[0] looked up on PATH), returns its exit status and stdout.
struct ToolResult {
  int status = -1;  // exit code; -1 when it could not run or was killed
  std::string out;
};
ToolResult run_tool(const std::vector<std::string>& argv);

// `sbatch --parsable [extra...] SCRIPT`: the job id. Throws Environment when sbatch is missing
// or fails (with its output).
std::string sbatch(const std::string& script, const std::vector<std::string>& extra);

// slurm/jobs.json: the latest submission {array_job, merge_job, indices, submitted} and the
// earlier ones under "history".
void record_submission(const Campaign& c, const std::string& array_job,
                       const std::string& merge_job, const std::vector<int>& indices);

// Slurm's view of the campaign's latest array job: unit index -> state ("RUNNING",
// "PENDING", ...). Empty when nothing was submitted, squeue is absent, or the jobs left the
// queue.
std::map<int, std::string> queued_units(const Campaign& c);

// Parses `squeue -h -o "%i %T"` lines of array job `job` ("123_4 RUNNING",
// "123_[5-7,9%2] PENDING") into index -> state.
std::map<int, std::string> parse_squeue(const std::string& text, const std::string& job);

}  // namespace tianyan
