#pragma once
// The [campaign] section of the pipeline configuration: how a campaign's work units are run
// (Slurm resources, threads, folding per unit; docs/campaign.md). Read and written by
// configs/campaign_config_toml.cpp; kept free of TOML headers because every stage sees
// PipelineConfig.
#include <string>
#include <vector>

namespace tianyan {

struct CampaignConfig {
  std::string partition;          // Slurm partition; "" = the cluster's default
  std::string time = "01:00:00";  // wall-time limit per unit (Slurm --time syntax)
  double mem_gb = 8.0;            // memory per unit, GB (--mem, rounded up to MB); 0 = not asked
  int cpus_per_task = 4;          // CPUs per unit (--cpus-per-task)
  int gpus = 0;                   // GPUs per unit (--gres=gpu:N); 0 = none
  // Where a unit's search runs: "cpu", "cuda" (an error without a usable GPU) or "auto", on
  // every GPU the unit sees (Slurm's --gres makes those the ones it was given).
  std::string backend = "cpu";
  int throttle = 0;               // at most this many units at once (--array=...%N); 0 = no limit
  // Threads a unit uses; 0 = $SLURM_CPUS_PER_TASK under Slurm, else resources.threads.
  int threads = 0;
  std::vector<std::string> extra_sbatch;  // extra "#SBATCH" options, e.g. "--account=psr"
  int fold_top = -1;                      // candidates folded per unit; -1 = fold.top_n
};

}  // namespace tianyan
