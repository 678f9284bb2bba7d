// Cross-field validation of the simulator's configuration and its effective form as JSON.
#include <cmath>

#include "kernels/common/error.hpp"
#include "pipeline/simulate/sim_config.hpp"

namespace tianyan {
namespace {

struct NoiseDefaults {
  double mean;
  double sigma;
};

// Levels that use the quantiser well: for 2 bits thresholds about 1 sigma apart (Jenet &
// Anderson 1998 give 0.98 sigma as optimal); for 8 bits FAST-like ~90 +- 12 with headroom for
// strong RFI and the noise diode.
NoiseDefaults noise_defaults(int nbits) {
  switch (nbits) {
    case 1:
      return {0.5, 0.5};
    case 2:
      return {1.5, 0.9};
    case 4:
      return {7.0, 2.5};
    default:
      return {90.0, 12.0};
  }
}

[[nodiscard]] Error key_error(const std::string& where, const std::string& key,
                              const std::string& problem) {
  return bad_input(where.empty() ? std::string("<config>") : where, "key '{}': {}", key, problem);
}

void check_pulsars(const SimConfig& c, const std::string& where) {
  for (size_t i = 0; i < c.pulsars.size(); ++i) {
    const SimPulsar& p = c.pulsars[i];
    const std::string base = fmt::format("pulsar[{}]", i);
    if (p.beam != 1 && !c.multibeam.enabled) {
      throw key_error(where, base + ".beam", "must be 1 unless multibeam.enabled = true");
    }
    if (p.components.empty()) throw key_error(where, base + ".components", "must not be empty");
    if (p.amplitude_sigma && p.snr) {
      throw key_error(where, base + ".snr", "give either amplitude_sigma or snr, not both");
    }
    if (p.period_s < 2.0 * c.observation.tsamp_s) {
      throw key_error(where, base + ".period_s",
                      fmt::format("{} s is shorter than two samples", p.period_s));
    }
    if (p.orbit.enabled && p.orbit.asini_lt_s * 2.0 * M_PI / p.orbit.pb_s >= 0.1) {
      throw key_error(where, base + ".orbit", "orbital velocity above 0.1 c");
    }
  }
}

}  // namespace

double sim_noise_mean_adu(const SimConfig& c) {
  return c.noise.mean_adu.value_or(noise_defaults(c.observation.nbits).mean);
}

double sim_noise_sigma_adu(const SimConfig& c) {
  return c.noise.sigma_adu.value_or(noise_defaults(c.observation.nbits).sigma);
}

double sim_ref_freq_mhz(const SimConfig& c, const SimPulsar& p) {
  return p.ref_freq_mhz.value_or(0.5 * (c.observation.freq_lo_mhz + c.observation.freq_hi_mhz));
}

void validate_sim_config(const SimConfig& c, const std::string& where) {
  const SimObservation& o = c.observation;
  if (!(o.freq_hi_mhz > o.freq_lo_mhz)) {
    throw key_error(where, "observation.freq_hi_mhz", "must be above observation.freq_lo_mhz");
  }
  const double nsamp = std::floor(o.duration_s / o.tsamp_s);
  if (nsamp < 1.0 || nsamp > 4294967295.0) {
    throw key_error(where, "observation.duration_s",
                    fmt::format("{} samples; need 1 to 2^32 - 1", nsamp));
  }
  if (c.output.format == "psrfits" && o.nbits == 32) {
    throw key_error(where, "observation.nbits", "PSRFITS output takes 1, 2, 4 or 8 bits");
  }
  if (o.npol != 1 && o.npol != 2 && o.npol != 4) {
    throw key_error(where, "observation.npol", "must be 1, 2 or 4");
  }
  if (o.nbits != 32) {
    const double top = std::ldexp(1.0, o.nbits) - 1.0;
    if (sim_noise_mean_adu(c) > top) {
      throw key_error(where, "noise.mean_adu", fmt::format("above {} for {} bits", top, o.nbits));
    }
  }
  if (c.noise.edge_mhz >= 0.5 * (o.freq_hi_mhz - o.freq_lo_mhz)) {
    throw key_error(where, "noise.edge_mhz", "must be less than half the band");
  }
  for (size_t i = 0; i < c.rfi.burst.size(); ++i) {
    const SimBurst& b = c.rfi.burst[i];
    if (b.freq_lo_mhz && b.freq_hi_mhz && *b.freq_hi_mhz <= *b.freq_lo_mhz) {
      throw key_error(where, fmt::format("rfi.burst[{}].freq_hi_mhz", i),
                      "must be above freq_lo_mhz");
    }
  }
  check_pulsars(c, where);
}

namespace {

nlohmann::json pulsar_to_json(const SimConfig& c, const SimPulsar& p) {
  nlohmann::json comps = nlohmann::json::array();
  for (const auto& k : p.components) {
    comps.push_back({{"phase", k.phase}, {"duty_cycle", k.duty_cycle}, {"amplitude", k.amplitude}});
  }
  nlohmann::json pj = {{"name", p.name},
                       {"period_s", p.period_s},
                       {"dm", p.dm},
                       {"profile", p.profile},
                       {"components", comps},
                       {"spectral_index", p.spectral_index},
                       {"ref_freq_mhz", sim_ref_freq_mhz(c, p)},
                       {"phase0", p.phase0},
                       {"accel_ms2", p.accel_ms2},
                       {"jerk_ms3", p.jerk_ms3},
                       {"beam", p.beam}};
  if (!p.snr) pj["amplitude_sigma"] = p.amplitude_sigma.value_or(1.0);
  if (p.snr) pj["snr"] = *p.snr;
  if (p.orbit.enabled) {
    pj["orbit"] = {
        {"pb_s", p.orbit.pb_s}, {"asini_lt_s", p.orbit.asini_lt_s}, {"t0_s", p.orbit.t0_s}};
  }
  return pj;
}

nlohmann::json rfi_to_json(const SimConfig& c) {
  using nlohmann::json;
  json rfi = {{"narrowband", json::array()},
              {"burst", json::array()},
              {"periodic", json::array()},
              {"drifting", json::array()}};
  for (const auto& x : c.rfi.narrowband) {
    rfi["narrowband"].push_back({{"freq_mhz", x.freq_mhz},
                                 {"width_mhz", x.width_mhz},
                                 {"amplitude_sigma", x.amplitude_sigma},
                                 {"modulation", x.modulation},
                                 {"modulation_period_s", x.modulation_period_s},
                                 {"duty_cycle", x.duty_cycle}});
  }
  for (const auto& x : c.rfi.burst) {
    rfi["burst"].push_back({{"time_s", x.time_s},
                            {"width_s", x.width_s},
                            {"amplitude_sigma", x.amplitude_sigma},
                            {"freq_lo_mhz", x.freq_lo_mhz.value_or(c.observation.freq_lo_mhz)},
                            {"freq_hi_mhz", x.freq_hi_mhz.value_or(c.observation.freq_hi_mhz)}});
  }
  for (const auto& x : c.rfi.periodic) {
    rfi["periodic"].push_back({{"frequency_hz", x.frequency_hz},
                               {"duty_cycle", x.duty_cycle},
                               {"amplitude_sigma", x.amplitude_sigma}});
  }
  for (const auto& x : c.rfi.drifting) {
    json d = {{"start_freq_mhz", x.start_freq_mhz},
              {"drift_mhz_per_s", x.drift_mhz_per_s},
              {"width_mhz", x.width_mhz},
              {"amplitude_sigma", x.amplitude_sigma},
              {"start_s", x.start_s}};
    if (x.duration_s) d["duration_s"] = *x.duration_s;
    rfi["drifting"].push_back(d);
  }
  const SimNoiseDiode& nd = c.rfi.noise_diode;
  rfi["noise_diode"] = {{"enabled", nd.enabled},
                        {"period_s", nd.period_s},
                        {"duty_cycle", nd.duty_cycle},
                        {"amplitude_sigma", nd.amplitude_sigma}};
  return rfi;
}

}  // namespace

nlohmann::json sim_config_to_json(const SimConfig& c) {
  using nlohmann::json;
  const SimObservation& o = c.observation;
  json j;
  j["observation"] = {{"source", o.source},
                      {"telescope", o.telescope},
                      {"ra_deg", o.ra_deg},
                      {"dec_deg", o.dec_deg},
                      {"start_mjd", o.start_mjd},
                      {"duration_s", o.duration_s},
                      {"tsamp_s", o.tsamp_s},
                      {"nchan", o.nchan},
                      {"freq_lo_mhz", o.freq_lo_mhz},
                      {"freq_hi_mhz", o.freq_hi_mhz},
                      {"npol", o.npol},
                      {"nbits", o.nbits},
                      {"seed", o.seed}};
  const SimNoise& n = c.noise;
  j["noise"] = {{"enabled", n.enabled},
                {"mean_adu", sim_noise_mean_adu(c)},
                {"sigma_adu", sim_noise_sigma_adu(c)},
                {"bandpass", n.bandpass},
                {"edge_mhz", n.edge_mhz},
                {"edge_width_mhz", n.edge_width_mhz},
                {"floor_fraction", n.floor_fraction},
                {"ripple_fraction", n.ripple_fraction},
                {"ripple_period_mhz", n.ripple_period_mhz}};
  j["output"] = {{"format", c.output.format},
                 {"nsblk", c.output.nsblk},
                 {"rows_per_file", c.output.rows_per_file}};
  j["pulsar"] = json::array();
  for (const SimPulsar& p : c.pulsars) j["pulsar"].push_back(pulsar_to_json(c, p));
  j["rfi"] = rfi_to_json(c);
  j["multibeam"] = {{"enabled", c.multibeam.enabled},
                    {"neighbour_fraction", c.multibeam.neighbour_fraction}};
  return j;
}

}  // namespace tianyan
