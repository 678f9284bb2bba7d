// File output of the simulator: PSRFITS or filterbank writers per beam and truth.json.
#include "pipeline/simulate/simulate.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "io/atomic_file.hpp"
#include "io/psrfits/psrfits_writer.hpp"
#include "io/sigproc/filterbank.hpp"

namespace tianyan {

SimulateResult simulate(const SimConfig& config, const std::string& prefix,
                        const SimulateOptions& options) {
  validate_sim_config(config, config.source_file);
  const std::filesystem::path parent = std::filesystem::path(prefix).parent_path();
  ensure_output_dir(parent.empty() ? std::string(".") : parent.string());
  const bool multibeam = config.multibeam.enabled;
  auto make_writer = [&](int beam, const ObservationInfo& header) -> std::unique_ptr<SearchWriter> {
    if (config.output.format == "filterbank") {
      const std::string path =
          multibeam ? fmt::format("{}-M{:02d}.fil", prefix, beam) : prefix + ".fil";
      return make_filterbank_writer(path, header);
    }
    PsrfitsWriteOptions o;
    o.nsblk = config.output.nsblk;
    o.rows_per_file = config.output.rows_per_file;
    o.beam = beam;
    return make_psrfits_writer(prefix, header, o);
  };
  SimulateResult result = simulate_to(config, make_writer, options);
  result.truth_path = prefix + ".truth.json";
  result.truth["files"] = result.files;
  write_file_atomically(result.truth_path, result.truth.dump(2) + "\n");
  return result;
}

}  // namespace tianyan
