// TOML loading and validation of the simulator's configuration, through the strict TomlSection
// reader (configs/toml_section.hpp): unknown keys, wrong types and ranges are rejected by name.
#include "pipeline/simulate/sim_config.hpp"

#include <cmath>
#include <string_view>

#include "configs/toml_section.hpp"
#include "kernels/common/error.hpp"
#include "kernels/common/fast_beams.hpp"

namespace tianyan {
namespace {

using Section = TomlSection;

void read_observation(Section s, SimObservation& o) {
  s.string("source", o.source);
  s.string("telescope", o.telescope);
  s.number("ra_deg", o.ra_deg, 0.0, 360.0);
  s.number("dec_deg", o.dec_deg, -90.0, 90.0);
  s.number("start_mjd", o.start_mjd, 40000.0, 100000.0);
  s.number("duration_s", o.duration_s, 1e-6, 1e5);
  s.number("tsamp_s", o.tsamp_s, 1e-7, 1.0);
  s.integer("nchan", o.nchan, 1, 65536);
  s.number("freq_lo_mhz", o.freq_lo_mhz, 1.0, 1e6);
  s.number("freq_hi_mhz", o.freq_hi_mhz, 1.0, 1e6);
  s.integer("npol", o.npol, 1, 4);
  if (o.npol == 3) throw s.error("npol", "must be 1, 2 or 4");
  s.integer("nbits", o.nbits, 1, 32);
  if (o.nbits != 1 && o.nbits != 2 && o.nbits != 4 && o.nbits != 8 && o.nbits != 32) {
    throw s.error("nbits", fmt::format("{} is not one of 1, 2, 4, 8, 32", o.nbits));
  }
  int64_t seed = static_cast<int64_t>(o.seed);
  s.integer64("seed", seed, 0, INT64_MAX);
  o.seed = static_cast<uint64_t>(seed);
  s.finish();
}

void read_noise(Section s, SimNoise& n, int nbits) {
  const double top = nbits == 32 ? 1e30 : std::ldexp(1.0, nbits) - 1.0;
  s.boolean("enabled", n.enabled);
  s.number("mean_adu", n.mean_adu, 0.0, top);
  s.number("sigma_adu", n.sigma_adu, 1e-6, top + 1.0);
  s.string("bandpass", n.bandpass, {"fast", "flat"});
  s.number("edge_mhz", n.edge_mhz, 0.0, 1e6);
  s.number("edge_width_mhz", n.edge_width_mhz, 1e-6, 1000.0);
  s.number("floor_fraction", n.floor_fraction, 0.0, 1.0);
  s.number("ripple_fraction", n.ripple_fraction, 0.0, 0.5);
  s.number("ripple_period_mhz", n.ripple_period_mhz, 1e-6, 1e4);
  s.finish();
}

void read_output(Section s, SimOutput& o) {
  s.string("format", o.format, {"psrfits", "filterbank"});
  s.integer("nsblk", o.nsblk, 1, 65536);
  s.integer("rows_per_file", o.rows_per_file, 1, 1000000);
  s.finish();
}

void read_components(Section& s, SimPulsar& p) {
  const bool has_duty = s.has("duty_cycle");
  double duty = p.components.front().duty_cycle;
  s.number("duty_cycle", duty, 1e-6, 0.5);
  p.components.front().duty_cycle = duty;
  auto list = s.tables("components");
  if (list.empty()) return;
  if (has_duty) throw s.error("duty_cycle", "give either duty_cycle or components, not both");
  p.components.clear();
  for (size_t i = 0; i < list.size(); ++i) {
    Section c = s.child(list[i], fmt::format("components[{}]", i));
    SimProfileComponent comp;
    c.number("phase", comp.phase, 0.0, 1.0);
    c.number("duty_cycle", comp.duty_cycle, 1e-6, 0.5);
    c.number("amplitude", comp.amplitude, 1e-12, 1e6);
    c.finish();
    p.components.push_back(comp);
  }
}

void read_pulsar(Section s, SimPulsar& p) {
  s.string("name", p.name);
  s.number("period_s", p.period_s, 1e-4, 1e3);
  s.number("dm", p.dm, 0.0, 1e4);
  s.string("profile", p.profile, {"gaussian", "vonmises"});
  read_components(s, p);
  s.number("amplitude_sigma", p.amplitude_sigma, 0.0, 1e6);
  s.number("snr", p.snr, 0.0, 1e7);
  if (p.amplitude_sigma && p.snr) throw s.error("snr", "give either amplitude_sigma or snr");
  s.number("spectral_index", p.spectral_index, -10.0, 10.0);
  s.number("ref_freq_mhz", p.ref_freq_mhz, 1.0, 1e6);
  s.number("phase0", p.phase0, 0.0, 1.0);
  s.number("accel_ms2", p.accel_ms2, -1e4, 1e4);
  s.number("jerk_ms3", p.jerk_ms3, -100.0, 100.0);
  s.integer("beam", p.beam, 1, kFastNumBeams);
  if (const toml::table* t = s.table("orbit")) {
    Section o = s.child(t, "orbit");
    p.orbit.enabled = true;
    o.boolean("enabled", p.orbit.enabled);
    o.number("pb_s", p.orbit.pb_s, 1e-3, 1e9);
    o.number("asini_lt_s", p.orbit.asini_lt_s, 0.0, 1e4);
    o.number("t0_s", p.orbit.t0_s, -1e9, 1e9);
    o.finish();
  }
  s.finish();
}

void read_rfi_lists(Section& s, SimRfi& r) {
  auto nb = s.tables("narrowband");
  for (size_t i = 0; i < nb.size(); ++i) {
    Section c = s.child(nb[i], fmt::format("narrowband[{}]", i));
    SimNarrowband x;
    c.number("freq_mhz", x.freq_mhz, 0.0, 1e6);
    c.number("width_mhz", x.width_mhz, 1e-9, 1e4);
    c.number("amplitude_sigma", x.amplitude_sigma, 0.0, 1e6);
    c.string("modulation", x.modulation, {"none", "onoff", "sine"});
    c.number("modulation_period_s", x.modulation_period_s, 1e-9, 1e6);
    c.number("duty_cycle", x.duty_cycle, 1e-9, 1.0);
    c.finish();
    r.narrowband.push_back(x);
  }
  auto bu = s.tables("burst");
  for (size_t i = 0; i < bu.size(); ++i) {
    Section c = s.child(bu[i], fmt::format("burst[{}]", i));
    SimBurst x;
    c.number("time_s", x.time_s, -1e9, 1e9);
    c.number("width_s", x.width_s, 1e-12, 1e5);
    c.number("amplitude_sigma", x.amplitude_sigma, 0.0, 1e6);
    c.number("freq_lo_mhz", x.freq_lo_mhz, 0.0, 1e6);
    c.number("freq_hi_mhz", x.freq_hi_mhz, 0.0, 1e6);
    c.finish();
    r.burst.push_back(x);
  }
  auto pe = s.tables("periodic");
  for (size_t i = 0; i < pe.size(); ++i) {
    Section c = s.child(pe[i], fmt::format("periodic[{}]", i));
    SimPeriodic x;
    c.number("frequency_hz", x.frequency_hz, 1e-9, 1e5);
    c.number("duty_cycle", x.duty_cycle, 1e-9, 1.0);
    c.number("amplitude_sigma", x.amplitude_sigma, 0.0, 1e6);
    c.finish();
    r.periodic.push_back(x);
  }
  auto dr = s.tables("drifting");
  for (size_t i = 0; i < dr.size(); ++i) {
    Section c = s.child(dr[i], fmt::format("drifting[{}]", i));
    SimDrifting x;
    c.number("start_freq_mhz", x.start_freq_mhz, 0.0, 1e6);
    c.number("drift_mhz_per_s", x.drift_mhz_per_s, -1e6, 1e6);
    c.number("width_mhz", x.width_mhz, 1e-9, 1e4);
    c.number("amplitude_sigma", x.amplitude_sigma, 0.0, 1e6);
    c.number("start_s", x.start_s, 0.0, 1e9);
    c.number("duration_s", x.duration_s, 1e-12, 1e9);
    c.finish();
    r.drifting.push_back(x);
  }
}

void read_rfi(Section s, SimRfi& r) {
  read_rfi_lists(s, r);
  if (const toml::table* t = s.table("noise_diode")) {
    Section c = s.child(t, "noise_diode");
    r.noise_diode.enabled = true;
    c.boolean("enabled", r.noise_diode.enabled);
    c.number("period_s", r.noise_diode.period_s, 1e-9, 1e4);
    c.number("duty_cycle", r.noise_diode.duty_cycle, 1e-9, 1.0);
    c.number("amplitude_sigma", r.noise_diode.amplitude_sigma, 0.0, 1e6);
    c.finish();
  }
  s.finish();
}

void read_root(Section root, const std::string& path, SimConfig& c) {
  read_observation(root.child(root.table("observation"), "observation"), c.observation);
  read_noise(root.child(root.table("noise"), "noise"), c.noise, c.observation.nbits);
  read_output(root.child(root.table("output"), "output"), c.output);
  auto pulsars = root.tables("pulsar");
  for (size_t i = 0; i < pulsars.size(); ++i) {
    SimPulsar p;
    read_pulsar(root.child(pulsars[i], fmt::format("pulsar[{}]", i)), p);
    c.pulsars.push_back(p);
  }
  read_rfi(root.child(root.table("rfi"), "rfi"), c.rfi);
  if (const toml::table* t = root.table("multibeam")) {
    Section m = root.child(t, "multibeam");
    m.boolean("enabled", c.multibeam.enabled);
    m.number("neighbour_fraction", c.multibeam.neighbour_fraction, 0.0, 1.0);
    m.finish();
  }
  root.finish();
  c.source_file = path;
}

}  // namespace

SimConfig load_sim_config(const std::string& path) {
  const toml::table root = parse_toml_file(path);
  SimConfig config;
  read_root(Section(&root, path, ""), path, config);
  validate_sim_config(config, path);
  return config;
}

}  // namespace tianyan
