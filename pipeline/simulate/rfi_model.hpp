#pragma once
// Simulated radio-frequency interference: undispersed signals added to every beam alike.
// Amplitudes are in units of the total-intensity noise sigma; every signal is averaged over
// each sample's duration (a burst covering half a sample adds half its amplitude).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/simulate/sim_config.hpp"

namespace tianyan {

class RfiSource {
 public:
  virtual ~RfiSource() = default;
  // Adds the signal for samples [start, start + nsamp) to sig[k * stride + c] (stride >= nchan)
  // and returns the sum of its squares. Single-threaded: the caller splits the observation
  // into chunks.
  virtual double add(uint64_t start, size_t nsamp, float* sig, size_t stride) const = 0;
  virtual std::string kind() const = 0;
};

// The grid every source is defined on.
struct ChannelGrid {
  std::vector<double> freqs_mhz;  // ascending channel centres
  double chan_bw_mhz = 0;
  double tsamp_s = 0;
  // Channels whose centre lies in [lo, hi], or the nearest one when none does but the
  // interval overlaps the band. Returns {first, last + 1}; {0, 0} when outside the band.
  std::pair<size_t, size_t> channels_within(double lo_mhz, double hi_mhz) const;
};

// Fraction of [t0, t1) during which a square wave of the given period and duty cycle is on;
// the wave switches on at t = 0 (and at every multiple of the period).
double square_wave_on_fraction(double t0, double t1, double period, double duty);

// Every RFI source of the configuration, in the order of the truth file: narrowband, burst,
// periodic, noise diode, drifting.
std::vector<std::unique_ptr<RfiSource>> make_rfi_sources(const SimConfig& config,
                                                         const ChannelGrid& grid);

}  // namespace tianyan
