#pragma once
// The simulator's engine: derives the channel grid, bandpass and signal amplitudes from a
// configuration (the plan), then streams one beam block by block into a SearchWriter.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "io/observation.hpp"
#include "io/search_writer.hpp"
#include "pipeline/simulate/pulsar_model.hpp"
#include "pipeline/simulate/rfi_model.hpp"
#include "pipeline/simulate/sim_config.hpp"

namespace tianyan {

struct SimPlan {
  ChannelGrid grid;
  uint64_t nsamples = 0;
  size_t chunk_nsamp = 0;           // samples per unit of parallel work (memory per thread)
  std::vector<float> mean;          // per channel, one polarisation, ADU (bandpass x mean_adu)
  std::vector<float> sigma;         // per channel, one polarisation, ADU (bandpass x sigma_adu)
  std::vector<double> pulsar_peak;  // resolved peak amplitude of each pulsar in its own beam
  std::vector<int> beams;           // beam numbers to write: {1} or 1..19
};

// Bandpass gain at f (peak 1): tanh roll-offs centred edge_mhz inside each band edge, a floor
// outside, and a standing-wave ripple (FAST's 1.1 MHz ripple comes from reflections between
// the feed cabin and the dish).
double bandpass_gain(const SimNoise& noise, double f_mhz, double lo_mhz, double hi_mhz);

// The factor by which a pulsar's amplitude is scaled in `beam`: 1 in its own beam,
// multibeam.neighbour_fraction in the FAST neighbours of that beam, 0 elsewhere.
double pulsar_beam_factor(const SimConfig& config, const SimPulsar& pulsar, int beam);

SimPlan make_sim_plan(const SimConfig& config);

// The header of one beam's output.
ObservationInfo sim_header(const SimConfig& config, const SimPlan& plan, int beam);

// Sums over channels and samples of each injected signal's square, in units of the total-
// intensity sigma (the ideal matched-filter S/N squared), for one beam.
struct BeamSums {
  int beam = 0;
  std::vector<double> pulsar;  // per pulsar
  std::vector<double> rfi;     // per RFI source (make_rfi_sources order)
};

// Generates one beam into `writer` (write() per chunk, in order; finish() is the caller's).
// `progress` receives the number of samples done after each chunk. Deterministic for a seed
// whatever `threads` (>= 1).
BeamSums generate_beam(const SimConfig& config, const SimPlan& plan, int beam, SearchWriter& writer,
                       int threads, const std::function<void(uint64_t samples_done)>& progress);

}  // namespace tianyan
