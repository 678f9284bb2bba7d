#pragma once
// A simulated pulsar: its rotational phase as a function of arrival time (acceleration, jerk,
// circular orbit), its pulse profile, and its injection into blocks of filterbank data with
// dispersion, sample integration and intra-channel smearing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pipeline/simulate/sim_config.hpp"

namespace tianyan {

// Rotational phase (turns) of the pulse arriving at time t (s after the first sample) at the
// highest channel frequency. With tau(t) the emission time,
//   tau(t) = t + a t^2 / (2c) + j t^3 / (6c) - x sin(2 pi (t - t0) / pb),   phi = phi0 + f0 tau,
// so the apparent spin frequency is f0 dtau/dt: a > 0 makes it rise with time (acceleration
// towards the observer), the convention of time-domain resampling searches (peasoup:
// t -> t + a t^2 / 2c). The orbit is circular; the Roemer delay is applied to first order in
// x (Lorimer & Kramer 2004, sec. 8.3). Reference epoch: t = 0, the start of the observation.
class PulsarTiming {
 public:
  explicit PulsarTiming(const SimPulsar& pulsar);
  double phase(double t) const;                 // turns
  double frequency(double t) const;             // apparent spin frequency, Hz
  double frequency_derivative(double t) const;  // Hz/s

 private:
  double f0_, phi0_, a_over_c_, j_over_c_;
  bool orbit_;
  double x_, omega_, t0_;
};

// Profile normalised to a peak of 1, with its first and second running integrals tabulated
// so that averages over a sample (a box in phase) convolved with intra-channel smearing (a
// second box) are exact up to cubic Hermite interpolation of the integrals.
class PulseProfile {
 public:
  PulseProfile(const SimPulsar& pulsar, double min_window_turns);
  double value(double phase) const;  // peak-normalised profile at a phase (turns)
  // Mean of the profile over [x, x + w] convolved with a centred box of width s (turns).
  double window_mean(double x, double w, double s) const;
  // The profile is negligible (< 1e-7 of the peak) outside [on_start, on_start + on_length].
  double on_start() const { return on_start_; }
  double on_length() const { return on_length_; }
  size_t grid_size() const { return n_; }  // table points per turn

 private:
  double integral1(double x) const;  // int_0^x p, for any x
  double integral2(double x) const;  // int_0^x integral1, for x in about [-2, 1e6]
  size_t n_;
  std::vector<double> p_, c1_, c2_;  // on the grid i / n, i = 0..n
  double area_ = 0, area2_ = 0;      // c1(1), c2(1)
  double on_start_ = 0, on_length_ = 1;
};

// Injects one pulsar into one beam. Channel c is centred at freqs[c] (ascending); the pulse is
// delayed by the dispersion delay relative to the highest channel, averaged over each sample
// and smeared within each channel by 2 k DM df / f^3.
//
// For speed the sample- and smearing-averaged profile is tabulated once per group of channels
// whose smearing agrees within 2% (the group's smearing is their geometric mean), with the
// sample width in turns taken at the nominal period; an injected sample then costs one table
// interpolation. Arrival phases (dispersion, acceleration, orbit) stay exact per channel, and
// the truth S/N is summed from the values actually injected.
class PulsarInjector {
 public:
  PulsarInjector(const SimPulsar& pulsar, const std::vector<double>& freqs_mhz, double chan_bw_mhz,
                 double ref_freq_mhz, double tsamp_s, double peak_amplitude);
  // Adds the signal (units of the total-intensity sigma) for samples [start, start + nsamp) to
  // sig[k * stride + c] (stride >= nchan) and returns the sum of its squares (channels in
  // order, then samples). Single-threaded: the caller splits the observation into chunks.
  double add(uint64_t start, size_t nsamp, float* sig, size_t stride) const;
  // Sum over channels and samples of s^2 for a peak amplitude of 1 (for a target S/N).
  double expected_sumsq_unit(uint64_t nsamples) const;
  const PulsarTiming& timing() const { return timing_; }

 private:
  // Adds channel c's signal to sig (when not null); returns its sum of squares.
  double add_channel(size_t c, uint64_t start, size_t nsamp, float* sig, size_t stride) const;
  void build_tables();
  double smoothed(size_t group, double x) const;  // averaged profile at sample-start phase x
  PulsarTiming timing_;
  PulseProfile profile_;
  double peak_;
  size_t nchan_;
  double tsamp_;
  double width_turns_;  // sample width in turns at the nominal period
  std::vector<double> delay_s_, smear_s_, gain_;
  std::vector<uint32_t> group_;             // per channel
  std::vector<std::vector<float>> tables_;  // per group: n_table + 1 points over one turn
  size_t n_table_ = 0;
};

}  // namespace tianyan
