#include "pipeline/simulate/rfi_model.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace tianyan {

std::pair<size_t, size_t> ChannelGrid::channels_within(double lo_mhz, double hi_mhz) const {
  const auto first = std::lower_bound(freqs_mhz.begin(), freqs_mhz.end(), lo_mhz);
  const auto last = std::upper_bound(freqs_mhz.begin(), freqs_mhz.end(), hi_mhz);
  if (first < last) {
    return {static_cast<size_t>(first - freqs_mhz.begin()),
            static_cast<size_t>(last - freqs_mhz.begin())};
  }
  const double half = 0.5 * chan_bw_mhz;
  if (hi_mhz < freqs_mhz.front() - half || lo_mhz > freqs_mhz.back() + half) return {0, 0};
  const double mid = 0.5 * (lo_mhz + hi_mhz);
  const double x = std::round((mid - freqs_mhz.front()) / chan_bw_mhz);
  const auto c = static_cast<size_t>(std::clamp(x, 0.0, static_cast<double>(freqs_mhz.size() - 1)));
  return {c, c + 1};
}

double square_wave_on_fraction(double t0, double t1, double period, double duty) {
  // Time spent on in [0, t): whole periods contribute duty x period each.
  auto on_time = [&](double t) {
    const double turns = std::floor(t / period);
    return turns * duty * period + std::min(t - turns * period, duty * period);
  };
  return (on_time(t1) - on_time(t0)) / (t1 - t0);
}

namespace {

// A signal with one time profile over a fixed set of channels: narrowband, bursts, periodic
// broadband interference and the noise diode.
class TimeProfileSource : public RfiSource {
 public:
  using Profile = std::function<double(double t0, double t1)>;  // mean amplitude over [t0, t1)
  TimeProfileSource(std::string kind, std::pair<size_t, size_t> chans, double tsamp,
                    Profile profile)
      : kind_(std::move(kind)),
        c0_(chans.first),
        c1_(chans.second),
        tsamp_(tsamp),
        profile_(std::move(profile)) {}

  double add(uint64_t start, size_t nsamp, float* sig, size_t stride) const override {
    double sum2 = 0;
    if (c1_ <= c0_) return sum2;
    for (size_t k = 0; k < nsamp; ++k) {
      const double t0 = static_cast<double>(start + k) * tsamp_;
      const auto v = static_cast<float>(profile_(t0, t0 + tsamp_));
      if (v == 0.0f) continue;
      float* row = sig + k * stride;
      for (size_t c = c0_; c < c1_; ++c) row[c] += v;
      sum2 += static_cast<double>(v) * static_cast<double>(v) * static_cast<double>(c1_ - c0_);
    }
    return sum2;
  }
  std::string kind() const override { return kind_; }

 private:
  std::string kind_;
  size_t c0_, c1_;
  double tsamp_;
  Profile profile_;
};

// A narrowband signal whose frequency drifts linearly with time; a sample covers the channels
// within +- width/2 of the frequency at the sample's centre.
class DriftingSource : public RfiSource {
 public:
  DriftingSource(const SimDrifting& d, const ChannelGrid& grid, double end_s)
      : d_(d), grid_(grid), end_s_(d.duration_s ? d.start_s + *d.duration_s : end_s) {}

  double add(uint64_t start, size_t nsamp, float* sig, size_t stride) const override {
    double sum2 = 0;
    const double ts = grid_.tsamp_s;
    for (size_t k = 0; k < nsamp; ++k) {
      const double t0 = static_cast<double>(start + k) * ts;
      const double on = std::max(0.0, std::min(t0 + ts, end_s_) - std::max(t0, d_.start_s)) / ts;
      if (on <= 0.0) continue;
      const double f = d_.start_freq_mhz + d_.drift_mhz_per_s * (t0 + 0.5 * ts - d_.start_s);
      const auto [c0, c1] = grid_.channels_within(f - 0.5 * d_.width_mhz, f + 0.5 * d_.width_mhz);
      const auto v = static_cast<float>(d_.amplitude_sigma * on);
      for (size_t c = c0; c < c1; ++c) {
        sig[k * stride + c] += v;
        sum2 += static_cast<double>(v) * static_cast<double>(v);
      }
    }
    return sum2;
  }
  std::string kind() const override { return "drifting"; }

 private:
  SimDrifting d_;
  const ChannelGrid& grid_;
  double end_s_;
};

TimeProfileSource::Profile narrowband_profile(const SimNarrowband& nb) {
  const double a = nb.amplitude_sigma, p = nb.modulation_period_s, duty = nb.duty_cycle;
  if (nb.modulation == "onoff") {
    return [=](double t0, double t1) { return a * square_wave_on_fraction(t0, t1, p, duty); };
  }
  if (nb.modulation == "sine") {
    // Mean of a (1 + sin(2 pi t / p)) / 2 over the sample.
    return [=](double t0, double t1) {
      const double w = 2.0 * M_PI / p;
      return 0.5 * a * (1.0 + (std::cos(w * t0) - std::cos(w * t1)) / (w * (t1 - t0)));
    };
  }
  return [=](double, double) { return a; };
}

}  // namespace

std::vector<std::unique_ptr<RfiSource>> make_rfi_sources(const SimConfig& config,
                                                         const ChannelGrid& grid) {
  std::vector<std::unique_ptr<RfiSource>> out;
  const size_t nchan = grid.freqs_mhz.size();
  const double ts = grid.tsamp_s;
  const std::pair<size_t, size_t> all{0, nchan};
  for (const SimNarrowband& nb : config.rfi.narrowband) {
    const auto chans =
        grid.channels_within(nb.freq_mhz - 0.5 * nb.width_mhz, nb.freq_mhz + 0.5 * nb.width_mhz);
    out.push_back(std::make_unique<TimeProfileSource>("narrowband", chans, ts,
                                                      narrowband_profile(nb)));
  }
  for (const SimBurst& b : config.rfi.burst) {
    const auto chans =
        grid.channels_within(b.freq_lo_mhz.value_or(-1e300), b.freq_hi_mhz.value_or(1e300));
    auto profile = [b](double t0, double t1) {
      const double overlap = std::min(t1, b.time_s + b.width_s) - std::max(t0, b.time_s);
      return overlap > 0.0 ? b.amplitude_sigma * overlap / (t1 - t0) : 0.0;
    };
    out.push_back(std::make_unique<TimeProfileSource>("burst", chans, ts, profile));
  }
  for (const SimPeriodic& p : config.rfi.periodic) {
    auto profile = [p](double t0, double t1) {
      return p.amplitude_sigma *
             square_wave_on_fraction(t0, t1, 1.0 / p.frequency_hz, p.duty_cycle);
    };
    out.push_back(std::make_unique<TimeProfileSource>("periodic", all, ts, profile));
  }
  if (const SimNoiseDiode& nd = config.rfi.noise_diode; nd.enabled) {
    auto profile = [nd](double t0, double t1) {
      return nd.amplitude_sigma * square_wave_on_fraction(t0, t1, nd.period_s, nd.duty_cycle);
    };
    out.push_back(std::make_unique<TimeProfileSource>("noise_diode", all, ts, profile));
  }
  const double end_s = config.observation.duration_s;
  for (const SimDrifting& d : config.rfi.drifting) {
    out.push_back(std::make_unique<DriftingSource>(d, grid, end_s));
  }
  return out;
}

}  // namespace tianyan
