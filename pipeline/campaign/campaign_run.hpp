#pragma once
// Running a campaign on one machine and merging it (docs/campaign.md): units run as child
// processes (`EXE campaign unit DIR --index N`, exactly what a Slurm array task runs), at most
// `jobs` at once, each logging to logs/<id>.log; the merge gathers every done unit's
// candidates into merge/ (pipeline/campaign_merge.hpp) and lists the others.
#include <map>
#include <string>
#include <vector>

#include "pipeline/campaign/campaign.hpp"

namespace tianyan {

// The running executable's absolute path (/proc/self/exe). Throws Environment.
std::string self_executable();

// Runs the units `indices` as children of this process. Returns index -> exit code (128 + N
// when killed by signal N). A child that died without recording its failure (a signal) gets
// logs/<id>.failed.json from here. Throws Environment when a child cannot be started.
std::map<int, int> run_units_locally(const Campaign& c, const std::vector<int>& indices,
                                     const std::string& exe, int jobs);

struct MergeSummary {
  std::vector<std::string> done;     // unit ids merged
  std::vector<std::string> missing;  // unit ids not done
  std::vector<std::string> why;      // for each missing unit: "failed: ..." / "pending: ..."
};
// Reads every done unit's candidates.csv and writes merge/ (write_campaign_merge). Throws
// Environment when no unit is done (nothing to merge), BadInput for a damaged candidates.csv.
MergeSummary merge_campaign(const Campaign& c);

}  // namespace tianyan
