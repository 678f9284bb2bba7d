#include "pipeline/simulate/truth.hpp"

#include <cmath>

#include "kernels/common/constants.hpp"
#include "tianyan/version.hpp"

namespace tianyan {
namespace {

using nlohmann::json;

json per_beam(const std::vector<int>& beams, const std::vector<double>& snr) {
  json out = json::array();
  for (size_t b = 0; b < beams.size() && b < snr.size(); ++b) {
    out.push_back({{"beam", beams[b]}, {"ideal_snr", snr[b]}});
  }
  return out;
}

json epoch(const PulsarTiming& timing, double t, double start_mjd) {
  const double f = timing.frequency(t);
  return {{"t_s", t},
          {"mjd", start_mjd + t / kSecondsPerDay},
          {"frequency_hz", f},
          {"period_s", 1.0 / f},
          {"fdot_hz_per_s", timing.frequency_derivative(t)},
          {"pdot", 0.0 - timing.frequency_derivative(t) / (f * f)}};
}

json pulsar_truth(const SimConfig& config, const SimPlan& plan, const SimulateResult& result,
                  size_t i) {
  const SimPulsar& p = config.pulsars[i];
  const PulsarTiming timing(p);
  const double duration = static_cast<double>(plan.nsamples) * config.observation.tsamp_s;
  json j = sim_config_to_json(config)["pulsar"][i];
  j["amplitude_sigma"] = plan.pulsar_peak[i];
  if (p.snr) j["requested_snr"] = *p.snr;
  j.erase("snr");
  size_t own = 0;
  for (size_t b = 0; b < result.beams.size(); ++b) {
    if (result.beams[b] == p.beam) own = b;
  }
  j["ideal_snr"] = result.pulsar_snr[i].empty() ? 0.0 : result.pulsar_snr[i][own];
  j["ideal_snr_per_beam"] = per_beam(result.beams, result.pulsar_snr[i]);
  j["start"] = epoch(timing, 0.0, config.observation.start_mjd);
  j["middle"] = epoch(timing, 0.5 * duration, config.observation.start_mjd);
  j["timing_model"] =
      "phase(t) = phase0 + tau(t) / period_s, tau = t + a t^2/(2c) + j t^3/(6c) - "
      "asini sin(2 pi (t - t0)/pb); t = arrival time (s after the first sample's start) at "
      "the highest channel frequency; a > 0: apparent frequency rises with time";
  return j;
}

json rfi_truth(const SimConfig& config, const SimulateResult& result) {
  const json c = sim_config_to_json(config)["rfi"];
  json out = json::array();
  auto add = [&](const std::string& kind, const json& params) {
    json j = params;
    j["kind"] = kind;
    const size_t i = out.size();
    if (i < result.rfi_snr.size()) {
      j["ideal_snr_per_beam"] = per_beam(result.beams, result.rfi_snr[i]);
      j["ideal_snr"] = result.rfi_snr[i].empty() ? 0.0 : result.rfi_snr[i].front();
    }
    out.push_back(j);
  };
  for (const json& x : c["narrowband"]) add("narrowband", x);
  for (const json& x : c["burst"]) add("burst", x);
  for (const json& x : c["periodic"]) add("periodic", x);
  if (config.rfi.noise_diode.enabled) add("noise_diode", c["noise_diode"]);
  for (const json& x : c["drifting"]) add("drifting", x);
  return out;
}

json noise_truth(const SimConfig& config) {
  const int nbits = config.observation.nbits;
  const double sigma = sim_noise_sigma_adu(config);
  // Rounding to integer levels adds uniform noise of variance 1/12 ADU^2 (8 bits: negligible
  // against ~12 ADU); at 1-2 bits the quantiser itself reshapes the noise (Jenet & Anderson
  // 1998), which the ideal S/N below does not include.
  const double q = nbits == 32 ? 0.0 : 1.0 / std::sqrt(12.0);
  const int npol_sum = config.observation.npol == 1 ? 1 : 2;
  return {{"enabled", config.noise.enabled},
          {"mean_adu_peak", sim_noise_mean_adu(config)},
          {"sigma_adu_peak", sigma},
          {"sigma_total_intensity_adu_peak", sigma * std::sqrt(static_cast<double>(npol_sum))},
          {"quantisation_noise_sigma_adu", q},
          {"effective_sigma_adu_peak", std::sqrt(sigma * sigma + q * q)},
          {"snr_definition",
           "ideal matched-filter S/N = sqrt(sum over channels and samples of (s_I/sigma_I)^2), "
           "accumulated while generating, before quantisation"}};
}

}  // namespace

json make_truth_json(const SimConfig& config, const SimPlan& plan, const SimulateResult& result) {
  json j;
  j["generator"] = "tianyan simulate";
  j["tianyan_version"] = kVersionFull;
  j["config"] = sim_config_to_json(config);
  j["files"] = result.files;
  j["beams"] = result.beams;
  const auto& f = plan.grid.freqs_mhz;
  j["observation"] = {{"nsamples", plan.nsamples},
                      {"duration_s", static_cast<double>(plan.nsamples) * plan.grid.tsamp_s},
                      {"nchan", f.size()},
                      {"chan_bw_mhz", plan.grid.chan_bw_mhz},
                      {"freq_first_channel_mhz", f.front()},
                      {"freq_last_channel_mhz", f.back()},
                      {"dispersion_reference_mhz", f.back()},
                      {"dispersion_constant", kDispersionConstant}};
  j["noise"] = noise_truth(config);
  j["pulsars"] = json::array();
  for (size_t i = 0; i < config.pulsars.size(); ++i) {
    j["pulsars"].push_back(pulsar_truth(config, plan, result, i));
  }
  j["rfi"] = rfi_truth(config, result);
  return j;
}

}  // namespace tianyan
