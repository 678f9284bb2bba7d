// The writer-independent driver: plans, generates every beam, gathers the truth.
#include <omp.h>

#include <cmath>

#include "pipeline/simulate/generator.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "pipeline/simulate/truth.hpp"

namespace tianyan {

SimulateResult simulate_to(const SimConfig& config, const SimWriterFactory& make_writer,
                           const SimulateOptions& options) {
  validate_sim_config(config, config.source_file);
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const SimPlan plan = make_sim_plan(config);
  SimulateResult result;
  result.beams = plan.beams;
  result.pulsar_snr.assign(config.pulsars.size(), {});
  std::vector<BeamSums> sums;
  const double total = static_cast<double>(plan.nsamples) * static_cast<double>(plan.beams.size());
  for (size_t b = 0; b < plan.beams.size(); ++b) {
    const int beam = plan.beams[b];
    std::unique_ptr<SearchWriter> writer = make_writer(beam, sim_header(config, plan, beam));
    auto progress = [&](uint64_t done) {
      if (options.progress) {
        options.progress((static_cast<double>(b) * static_cast<double>(plan.nsamples) +
                          static_cast<double>(done)) /
                         total);
      }
    };
    sums.push_back(generate_beam(config, plan, beam, *writer, threads, progress));
    writer->finish();
    for (const std::string& f : writer->files()) result.files.push_back(f);
  }
  for (size_t i = 0; i < config.pulsars.size(); ++i) {
    for (const BeamSums& s : sums) result.pulsar_snr[i].push_back(std::sqrt(s.pulsar[i]));
  }
  if (!sums.empty()) result.rfi_snr.assign(sums.front().rfi.size(), {});
  for (size_t i = 0; i < result.rfi_snr.size(); ++i) {
    for (const BeamSums& s : sums) result.rfi_snr[i].push_back(std::sqrt(s.rfi[i]));
  }
  result.truth = make_truth_json(config, plan, result);
  return result;
}

}  // namespace tianyan
