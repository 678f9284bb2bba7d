// Streaming generation of one beam: signals are accumulated per block in units of the
// total-intensity sigma, then every polarisation row gets bandpass, noise and signal.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>

#include "pipeline/simulate/generator.hpp"
#include "pipeline/simulate/noise.hpp"

namespace tianyan {
namespace {

// Signal scale of each product, in that product's sigma per total-intensity sigma. An
// unpolarised signal s_I splits equally into AA and BB: s_pol = s_I / sqrt(2) each, so that
// AA + BB carries s_I sqrt(2) sigma = s_I sigma_I. Cross terms carry noise only.
float pol_signal_scale(int npol, int pol) {
  if (npol == 1) return 1.0f;
  return pol < 2 ? static_cast<float>(1.0 / std::sqrt(2.0)) : 0.0f;
}

struct Workspace {
  std::vector<float> sig;     // [block][nchan], total-intensity sigma units
  std::vector<float> out[2];  // [block][npol][nchan], ADU; one generated while one is written
  std::vector<float> cross_mean, cross_sigma;
};

void fill_noiseless(size_t nchan, const float* mean, const float* sigma, const float* sig,
                    float scale, float* out) {
  for (size_t c = 0; c < nchan; ++c) out[c] = mean[c] + sigma[c] * (sig ? scale * sig[c] : 0.0f);
}

// Radiometer noise, bandpass and signal for rows [k0, k0 + n) of the block.
void assemble_rows(const SimConfig& config, const SimPlan& plan, const GaussianNoise& noise,
                   int beam, uint64_t start, size_t k0, size_t n, bool any_signal,
                   const Workspace& w, float* block_out) {
  const int npol = config.observation.npol;
  const size_t nchan = plan.grid.freqs_mhz.size();
  for (size_t k = k0; k < k0 + n; ++k) {
    const float* sig = any_signal ? w.sig.data() + k * nchan : nullptr;
    for (int p = 0; p < npol; ++p) {
      const bool cross = p >= 2;
      const float* mean = cross ? w.cross_mean.data() : plan.mean.data();
      const float* sigma = cross ? w.cross_sigma.data() : plan.sigma.data();
      const float scale = pol_signal_scale(npol, p);
      const float* s = scale != 0.0f ? sig : nullptr;
      float* out = block_out + (k * static_cast<size_t>(npol) + static_cast<size_t>(p)) * nchan;
      if (config.noise.enabled) {
        noise.fill_row(noise.row_key(beam, p, start + k), nchan, mean, sigma, s, scale, out);
      } else {
        fill_noiseless(nchan, mean, sigma, s, scale, out);
      }
    }
  }
}

struct Signals {
  std::vector<PulsarInjector> pulsars;
  std::vector<size_t> pulsar_index;  // config index of each injector
  std::vector<std::unique_ptr<RfiSource>> rfi;
  size_t count() const { return pulsars.size() + rfi.size(); }
};

Signals make_signals(const SimConfig& config, const SimPlan& plan, int beam) {
  Signals s;
  for (size_t i = 0; i < config.pulsars.size(); ++i) {
    const SimPulsar& p = config.pulsars[i];
    const double factor = pulsar_beam_factor(config, p, beam);
    if (factor == 0.0) continue;
    s.pulsars.emplace_back(p, plan.grid.freqs_mhz, plan.grid.chan_bw_mhz,
                           sim_ref_freq_mhz(config, p), plan.grid.tsamp_s,
                           plan.pulsar_peak[i] * factor);
    s.pulsar_index.push_back(i);
  }
  s.rfi = make_rfi_sources(config, plan.grid);
  return s;
}

// One block: chunks of plan.chunk_nsamp samples are independent (signals, then noise), so
// one parallel region does it all; each chunk's sums of squares are kept apart and reduced in
// chunk order, which makes the result independent of the thread count.
void generate_block(const SimConfig& config, const SimPlan& plan, const GaussianNoise& noise,
                    const Signals& sig, int beam, uint64_t start, size_t n, Workspace& w,
                    float* block_out, std::vector<double>& totals, int threads) {
  const size_t nchan = plan.grid.freqs_mhz.size();
  const size_t chunk = plan.chunk_nsamp;
  const size_t nchunks = (n + chunk - 1) / chunk;
  const size_t nsig = sig.count();
  std::vector<double> partial(nsig * nchunks, 0.0);
  const bool any_signal = nsig > 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t j = 0; j < nchunks; ++j) {
    const size_t k0 = j * chunk;
    const size_t kn = std::min(chunk, n - k0);
    if (any_signal) {
      float* rows = w.sig.data() + k0 * nchan;
      std::fill(rows, rows + kn * nchan, 0.0f);
      for (size_t i = 0; i < sig.pulsars.size(); ++i) {
        partial[i * nchunks + j] = sig.pulsars[i].add(start + k0, kn, rows);
      }
      for (size_t i = 0; i < sig.rfi.size(); ++i) {
        partial[(sig.pulsars.size() + i) * nchunks + j] = sig.rfi[i]->add(start + k0, kn, rows);
      }
    }
    assemble_rows(config, plan, noise, beam, start, k0, kn, any_signal, w, block_out);
  }
  for (size_t i = 0; i < nsig; ++i) {
    for (size_t j = 0; j < nchunks; ++j) totals[i] += partial[i * nchunks + j];
  }
}

}  // namespace

BeamSums generate_beam(const SimConfig& config, const SimPlan& plan, int beam, SearchWriter& writer,
                       int threads, const std::function<void(uint64_t)>& progress) {
  const size_t nchan = plan.grid.freqs_mhz.size();
  const auto npol = static_cast<size_t>(config.observation.npol);
  const Signals sig = make_signals(config, plan, beam);
  std::vector<double> totals(sig.count(), 0.0);
  Workspace w;
  for (auto& o : w.out) o.resize(plan.block_nsamp * npol * nchan);
  if (sig.count() > 0) w.sig.resize(plan.block_nsamp * nchan);
  // Cross products of unpolarised noise: zero mean (stored at the AA level so that unsigned
  // samples stay in range), sigma / sqrt(2) (Re and Im of A B* share the power).
  for (size_t c = 0; c < nchan; ++c) {
    w.cross_mean.push_back(plan.mean[c]);
    w.cross_sigma.push_back(static_cast<float>(plan.sigma[c] / std::sqrt(2.0)));
  }
  const GaussianNoise noise(config.observation.seed);
  // The writer (quantisation, packing, disk) runs on its own thread, overlapping the
  // generation of the next block.
  std::future<void> pending;
  size_t parity = 0;
  for (uint64_t start = 0; start < plan.nsamples; start += plan.block_nsamp, parity ^= 1) {
    const auto n = static_cast<size_t>(std::min<uint64_t>(plan.block_nsamp, plan.nsamples - start));
    float* block = w.out[parity].data();
    generate_block(config, plan, noise, sig, beam, start, n, w, block, totals, threads);
    if (pending.valid()) pending.get();
    pending = std::async(std::launch::async, [&writer, block, n] { writer.write(block, n); });
    if (progress) progress(start + n);
  }
  if (pending.valid()) pending.get();

  BeamSums sums;
  sums.beam = beam;
  sums.pulsar.assign(config.pulsars.size(), 0.0);
  for (size_t i = 0; i < sig.pulsars.size(); ++i) sums.pulsar[sig.pulsar_index[i]] = totals[i];
  for (size_t i = 0; i < sig.rfi.size(); ++i) sums.rfi.push_back(totals[sig.pulsars.size() + i]);
  return sums;
}

}  // namespace tianyan
