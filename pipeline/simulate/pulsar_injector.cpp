// Injection of a pulsar into blocks: per-channel delays, smearing and gains are precomputed;
// only samples near a pulse are evaluated.
#include <algorithm>
#include <cmath>

#include "kernels/common/dispersion.hpp"
#include "pipeline/simulate/pulsar_model.hpp"

namespace tianyan {

PulsarInjector::PulsarInjector(const SimPulsar& pulsar, const std::vector<double>& freqs_mhz,
                               double chan_bw_mhz, double ref_freq_mhz, double tsamp_s,
                               double peak_amplitude)
    : timing_(pulsar),
      profile_(pulsar, tsamp_s / pulsar.period_s),
      peak_(peak_amplitude),
      nchan_(freqs_mhz.size()),
      tsamp_(tsamp_s),
      width_turns_(tsamp_s / pulsar.period_s) {
  const double f_top = freqs_mhz.back();
  delay_s_.resize(nchan_);
  smear_s_.resize(nchan_);
  gain_.resize(nchan_);
  for (size_t c = 0; c < nchan_; ++c) {
    const double f = freqs_mhz[c];
    delay_s_[c] = dispersion_delay_s(pulsar.dm, f, f_top);
    smear_s_[c] = channel_smearing_s(pulsar.dm, chan_bw_mhz, f);
    gain_[c] = std::pow(f / ref_freq_mhz, pulsar.spectral_index);
  }
  build_tables();
}

void PulsarInjector::build_tables() {
  // Table resolution: at least 64 points per profile FWHM (PulseProfile's own grid rule) and
  // 8 per sample width; linear interpolation of the smooth averaged profile is then accurate
  // to about 1e-4 of the peak.
  n_table_ = 4096;
  while (static_cast<double>(n_table_) * width_turns_ < 8.0 && n_table_ < (size_t{1} << 18)) {
    n_table_ *= 2;
  }
  n_table_ = std::max(n_table_, profile_.grid_size());
  // Channels run from low to high frequency, smearing decreasing; a new group starts when
  // the smearing leaves the current group's band (2%, widened until the tables fit in 64 MB).
  std::vector<double> group_smear;
  for (double tol = 1.02;; tol = 1.0 + 2.0 * (tol - 1.0)) {
    group_.assign(nchan_, 0);
    group_smear.clear();
    double first = -1.0;
    for (size_t c = 0; c < nchan_; ++c) {
      const double sm = smear_s_[c];
      if (first < 0.0 || sm < first / tol || sm > first * tol) {
        first = sm;
        group_smear.push_back(sm);
      } else {
        group_smear.back() = std::sqrt(first * sm);
      }
      group_[c] = static_cast<uint32_t>(group_smear.size() - 1);
    }
    if (group_smear.size() * n_table_ <= (size_t{1} << 24)) break;
  }
  tables_.assign(group_smear.size(), std::vector<float>(n_table_ + 1));
  const double f0 = width_turns_ / tsamp_;  // nominal spin frequency
  for (size_t g = 0; g < group_smear.size(); ++g) {
    const double s = f0 * group_smear[g];
    for (size_t i = 0; i <= n_table_; ++i) {
      const double x = static_cast<double>(i) / static_cast<double>(n_table_);
      tables_[g][i] = static_cast<float>(profile_.window_mean(x, width_turns_, s));
    }
  }
}

double PulsarInjector::smoothed(size_t group, double x) const {
  const double u = (x - std::floor(x)) * static_cast<double>(n_table_);
  const size_t i = std::min(static_cast<size_t>(u), n_table_ - 1);
  const float* t = tables_[group].data();
  return t[i] + (u - static_cast<double>(i)) * (t[i + 1] - t[i]);
}

double PulsarInjector::add(uint64_t start, size_t nsamp, float* sig, size_t stride) const {
  double sum = 0;
  if (peak_ == 0.0) return sum;
  for (size_t c = 0; c < nchan_; ++c) sum += add_channel(c, start, nsamp, sig, stride);
  return sum;
}

double PulsarInjector::add_channel(size_t c, uint64_t start, size_t nsamp, float* sig,
                                   size_t stride) const {
  // Phase at the start of sample k: phi(t_k - delay) by a second-order expansion about the
  // block start (the third-order term is below 1e-8 turns for blocks under a second).
  const double t_first = static_cast<double>(start) * tsamp_ - delay_s_[c];
  const double phi0 = timing_.phase(t_first);
  const double f = timing_.frequency(t_first);
  const double fdot = timing_.frequency_derivative(t_first);
  const double w = f * tsamp_;       // sample width, turns
  const double s = f * smear_s_[c];  // smearing width, turns
  const double amp = peak_ * gain_[c];
  auto phase_at = [&](double k) {
    const double dt = k * tsamp_;
    return phi0 + f * dt + 0.5 * fdot * dt * dt;
  };
  double acc = 0;
  auto evaluate = [&](size_t k) {
    const double v = amp * smoothed(group_[c], phase_at(static_cast<double>(k)));
    if (v == 0.0) return;
    const float vf = static_cast<float>(v);
    if (sig) sig[k * stride + c] += vf;
    acc += static_cast<double>(vf) * static_cast<double>(vf);
  };
  const double on_len = profile_.on_length();
  if (on_len + w + s >= 1.0) {
    for (size_t k = 0; k < nsamp; ++k) evaluate(k);
  } else {
    // Samples whose window [x - s/2, x + w + s/2] meets the on-pulse region of pulse n.
    const double span = static_cast<double>(nsamp) * tsamp_;
    const double margin = 2.0 + 0.5 * std::abs(fdot) * span * span / w;
    const double x_end = phase_at(static_cast<double>(nsamp));
    double n = std::floor(phi0 - profile_.on_start() - on_len - w - s) - 1.0;
    size_t next = 0;
    for (; n + profile_.on_start() - 0.5 * s - w <= x_end + 1.0; n += 1.0) {
      const double lo = n + profile_.on_start() - 0.5 * s - w;
      const double hi = n + profile_.on_start() + on_len + 0.5 * s;
      const double k_lo = std::floor((lo - phi0) / w - margin);
      const double k_hi = std::ceil((hi - phi0) / w + margin);
      if (k_hi < 0.0) continue;
      size_t k = std::max(next, static_cast<size_t>(std::max(0.0, k_lo)));
      const size_t k_end = std::min(nsamp, static_cast<size_t>(k_hi) + 1);
      for (; k < k_end; ++k) evaluate(k);
      next = std::max(next, k_end);
      if (next >= nsamp) break;
    }
  }
  return acc;
}

double PulsarInjector::expected_sumsq_unit(uint64_t nsamples) const {
  // The injection itself, without the data, on a subset of channels (the per-channel sum for
  // unit gain varies smoothly with the delay and smearing), interpolated over the others. This
  // counts the pulses that actually fall inside the observation, which matters when it holds
  // only a few.
  const auto block = static_cast<uint64_t>(std::max(1.0, std::floor(1.0 / tsamp_)));
  auto unit_sum = [&](size_t c) {
    double acc = 0;
    for (uint64_t start = 0; start < nsamples; start += block) {
      acc += add_channel(c, start, static_cast<size_t>(std::min(block, nsamples - start)), nullptr,
                         nchan_);
    }
    return acc / (peak_ * peak_ * gain_[c] * gain_[c]);
  };
  const size_t stride = std::max<size_t>(1, nchan_ / 64);
  std::vector<size_t> knots;
  for (size_t c = 0; c < nchan_; c += stride) knots.push_back(c);
  if (knots.back() != nchan_ - 1) knots.push_back(nchan_ - 1);
  std::vector<double> at(knots.size());
  for (size_t i = 0; i < knots.size(); ++i) at[i] = unit_sum(knots[i]);
  double total = 0;
  size_t i = 0;
  for (size_t c = 0; c < nchan_; ++c) {
    while (i + 2 < knots.size() && knots[i + 1] <= c) ++i;
    const size_t j = std::min(i + 1, knots.size() - 1);
    const double t = knots[j] == knots[i] ? 0.0
                                          : static_cast<double>(c - knots[i]) /
                                                static_cast<double>(knots[j] - knots[i]);
    total += gain_[c] * gain_[c] * ((1.0 - t) * at[i] + t * at[j]);
  }
  return total;
}

}  // namespace tianyan
