#include "pipeline/simulate/generator.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/common/fast_beams.hpp"
#include "pipeline/simulate/noise.hpp"

namespace tianyan {

double bandpass_gain(const SimNoise& n, double f, double lo, double hi) {
  if (n.bandpass == "flat") return 1.0;
  const double rise = 0.5 * (1.0 + std::tanh((f - lo - n.edge_mhz) / n.edge_width_mhz));
  const double fall = 0.5 * (1.0 + std::tanh((hi - n.edge_mhz - f) / n.edge_width_mhz));
  const double ripple = 1.0 + n.ripple_fraction * std::sin(2.0 * M_PI * f / n.ripple_period_mhz);
  const double peak = 1.0 + n.ripple_fraction;
  return (n.floor_fraction + (1.0 - n.floor_fraction) * rise * fall) * ripple / peak;
}

double pulsar_beam_factor(const SimConfig& config, const SimPulsar& pulsar, int beam) {
  if (beam == pulsar.beam) return 1.0;
  if (config.multibeam.enabled && fast_beams_adjacent(pulsar.beam, beam)) {
    return config.multibeam.neighbour_fraction;
  }
  return 0.0;
}

namespace {

ChannelGrid make_grid(const SimObservation& o) {
  ChannelGrid g;
  g.chan_bw_mhz = (o.freq_hi_mhz - o.freq_lo_mhz) / o.nchan;
  g.tsamp_s = o.tsamp_s;
  g.freqs_mhz.resize(static_cast<size_t>(o.nchan));
  for (int c = 0; c < o.nchan; ++c) g.freqs_mhz[c] = o.freq_lo_mhz + (c + 0.5) * g.chan_bw_mhz;
  return g;
}

// The amplitude that makes the ideal S/N equal the target (matched filter: S/N^2 = sum of s^2
// over channels and samples, linear in the amplitude squared).
double resolve_peak(const SimConfig& config, const SimPulsar& p, const ChannelGrid& grid,
                    uint64_t nsamples) {
  if (!p.snr) return p.amplitude_sigma.value_or(1.0);
  const PulsarInjector unit(p, grid.freqs_mhz, grid.chan_bw_mhz, sim_ref_freq_mhz(config, p),
                            grid.tsamp_s, 1.0);
  const double sum = unit.expected_sumsq_unit(nsamples);
  return sum > 0.0 ? *p.snr / std::sqrt(sum) : 0.0;
}

}  // namespace

SimPlan make_sim_plan(const SimConfig& config) {
  const SimObservation& o = config.observation;
  SimPlan plan;
  plan.grid = make_grid(o);
  plan.nsamples = static_cast<uint64_t>(std::floor(o.duration_s / o.tsamp_s * (1.0 + 1e-12)));
  // Chunks of about 256 k values (1 MB of floats: signals and noise of a chunk stay in
  // cache), at most a second long (the pulsar phase expansion about the chunk start stays
  // accurate).
  const double per_sample = static_cast<double>(o.nchan) * o.npol;
  const double by_memory = std::floor(256.0 * 1024 / per_sample);
  const double by_time = std::floor(1.0 / o.tsamp_s);
  plan.chunk_nsamp = static_cast<size_t>(std::clamp(std::min(by_memory, by_time), 1.0, 4096.0));
  const double mean = sim_noise_mean_adu(config), sigma = sim_noise_sigma_adu(config);
  for (double f : plan.grid.freqs_mhz) {
    const double g = bandpass_gain(config.noise, f, o.freq_lo_mhz, o.freq_hi_mhz);
    plan.mean.push_back(static_cast<float>(mean * g));
    plan.sigma.push_back(static_cast<float>(sigma * g));
  }
  for (const SimPulsar& p : config.pulsars) {
    plan.pulsar_peak.push_back(resolve_peak(config, p, plan.grid, plan.nsamples));
  }
  if (config.multibeam.enabled) {
    for (int b = 1; b <= kFastNumBeams; ++b) plan.beams.push_back(b);
  } else {
    plan.beams.push_back(1);
  }
  return plan;
}

ObservationInfo sim_header(const SimConfig& config, const SimPlan& plan, int beam) {
  const SimObservation& o = config.observation;
  ObservationInfo h;
  h.format = config.output.format;
  h.source = o.source;
  h.telescope = o.telescope;
  h.beam = beam;
  h.ra_deg = o.ra_deg;
  h.dec_deg = o.dec_deg;
  h.start_mjd = o.start_mjd;
  h.tsamp_s = o.tsamp_s;
  h.freqs_mhz = plan.grid.freqs_mhz;
  h.flagged.assign(plan.grid.freqs_mhz.size(), 0);
  h.nbits = o.nbits;
  h.npol = o.npol;
  h.pol_type = o.npol == 1 ? "AA+BB" : (o.npol == 2 ? "AABB" : "AABBCRCI");
  h.nsamples = plan.nsamples;
  h.nsamples_stored = plan.nsamples;
  return h;
}

}  // namespace tianyan
