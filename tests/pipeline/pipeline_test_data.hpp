#pragma once
// The small observation the pipeline tests dedisperse: 256 channels over 1000-1500 MHz,
// 98.304 us, 3 s, a DM 60 pulsar. Small enough to dedisperse several times in a few seconds,
// long enough for several gulps and RFI blocks; DMs 0-120 give enough trials (in subband
// groups) to cut into several batches.
#include <fstream>
#include <string>

#include "configs/pipeline_config.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {

// Simulates it as a filterbank "<dir>/<stem>.fil" and returns that path.
inline std::string simulate_small(const TempDir& dir, const std::string& stem, int seed) {
  const std::string toml = dir / (stem + ".toml");
  std::ofstream(toml) << R"([observation]
source = "PIPE"
duration_s = 3.0
tsamp_s = 98.304e-6
nchan = 256
freq_lo_mhz = 1000.0
freq_hi_mhz = 1500.0
npol = 2
nbits = 8
seed = )" << seed << R"(

[output]
format = "filterbank"

[[pulsar]]
period_s = 0.25
dm = 60.0
snr = 40.0
)";
  SimulateOptions options;
  options.threads = 2;
  return simulate(load_sim_config(toml), dir / stem, options).files.front();
}

// Default configuration with RFI blocks short enough for several per gulp, DM 0-120.
inline PipelineConfig small_config() {
  PipelineConfig config = default_pipeline_config();
  config.rfi.block_nsamp = 4096;
  config.dedisp.plan.dm_lo = 0;
  config.dedisp.plan.dm_hi = 120;
  return config;
}

}  // namespace tianyan::test
