#pragma once
// `tianyan simulate`: a FAST-like search-mode observation (radiometer noise, bandpass,
// dispersed pulsars, RFI, 19 beams) written as PSRFITS or SIGPROC filterbank, with a
// truth.json that records every injected signal and its ideal matched-filter S/N.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/observation.hpp"
#include "io/search_writer.hpp"
#include "pipeline/simulate/sim_config.hpp"

namespace tianyan {

struct SimulateOptions {
  int threads = 0;                                     // 0 = OpenMP default
  std::function<void(double fraction_done)> progress;  // called after every block
};

struct SimulateResult {
  std::vector<std::string> files;  // data files written, in beam order
  std::string truth_path;          // "<prefix>.truth.json" ("" from simulate_to)
  std::vector<int> beams;          // beam numbers written
  // Ideal matched-filter S/N, sqrt(sum of s^2) over channels and samples of what was injected
  // (before quantisation, s in units of the total-intensity sigma): [signal][beam index].
  std::vector<std::vector<double>> pulsar_snr;
  std::vector<std::vector<double>> rfi_snr;  // RFI sources in truth order
  nlohmann::json truth;                      // the content of truth.json
};

// Writes "<prefix>-M<beam>_<serial>.fits" (PSRFITS; beams 01..19 in multibeam mode),
// "<prefix>.fil" or "<prefix>-M<beam>.fil" (filterbank), and "<prefix>.truth.json", each
// atomically. Throws BadInput for an invalid configuration, Environment when files cannot be
// written.
SimulateResult simulate(const SimConfig& config, const std::string& prefix,
                        const SimulateOptions& options);

// The same simulation into writers made by `make_writer` (beam, header); no truth file is
// written (the result's truth holds its content). For tests and in-memory use.
using SimWriterFactory =
    std::function<std::unique_ptr<SearchWriter>(int beam, const ObservationInfo& header)>;
SimulateResult simulate_to(const SimConfig& config, const SimWriterFactory& make_writer,
                           const SimulateOptions& options);

}  // namespace tianyan
