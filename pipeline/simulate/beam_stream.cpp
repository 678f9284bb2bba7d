// Streaming generation of one beam: signals are accumulated per chunk in units of the
// total-intensity sigma, then every polarisation row gets bandpass, noise and signal.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>

#include "pipeline/simulate/chunk_ring.hpp"
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

// Row stride of the signal buffer, in floats: one cache line more than a spectrum, so that
// the rows of a chunk do not all fall in the same L1 set (a 4096-channel row is 16 KB, a
// multiple of the 4 KB set period) when an injector walks a channel down the chunk.
size_t signal_stride(size_t nchan) { return nchan + 16; }

// What every chunk of a beam shares.
struct BeamContext {
  const SimConfig& config;
  const SimPlan& plan;
  const GaussianNoise& noise;
  int beam;
  size_t nchan, stride;
  std::vector<float> cross_mean, cross_sigma;
};

void fill_noiseless(size_t nchan, const float* mean, const float* sigma, const float* sig,
                    float scale, float* out) {
  for (size_t c = 0; c < nchan; ++c) out[c] = mean[c] + sigma[c] * (sig ? scale * sig[c] : 0.0f);
}

// Radiometer noise, bandpass and signal for the n samples of a chunk starting at `start`.
void assemble_rows(const BeamContext& bc, uint64_t start, size_t n, const float* sig,
                   float* out) {
  const int npol = bc.config.observation.npol;
  const size_t nchan = bc.nchan;
  for (size_t k = 0; k < n; ++k) {
    const float* row_sig = sig ? sig + k * bc.stride : nullptr;
    for (int p = 0; p < npol; ++p) {
      const bool cross = p >= 2;
      const float* mean = cross ? bc.cross_mean.data() : bc.plan.mean.data();
      const float* sigma = cross ? bc.cross_sigma.data() : bc.plan.sigma.data();
      const float scale = pol_signal_scale(npol, p);
      const float* s = scale != 0.0f ? row_sig : nullptr;
      float* row = out + (k * static_cast<size_t>(npol) + static_cast<size_t>(p)) * nchan;
      if (bc.config.noise.enabled) {
        bc.noise.fill_row(bc.noise.row_key(bc.beam, p, start + k), nchan, mean, sigma, s, scale,
                          row);
      } else {
        fill_noiseless(nchan, mean, sigma, s, scale, row);
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

// One chunk of samples [start, start + n): signals (into the scratch `sig`, their sums of
// squares into `partial`, one per source), then noise, into `out`.
void generate_chunk(const BeamContext& bc, const Signals& signals, uint64_t start, size_t n,
                    std::vector<float>& sig, double* partial, float* out) {
  float* rows = nullptr;
  if (signals.count() > 0) {
    sig.resize(bc.plan.chunk_nsamp * bc.stride);
    rows = sig.data();
    std::fill(rows, rows + n * bc.stride, 0.0f);
    for (size_t i = 0; i < signals.pulsars.size(); ++i) {
      partial[i] = signals.pulsars[i].add(start, n, rows, bc.stride);
    }
    for (size_t i = 0; i < signals.rfi.size(); ++i) {
      partial[signals.pulsars.size() + i] = signals.rfi[i]->add(start, n, rows, bc.stride);
    }
  }
  assemble_rows(bc, start, n, rows, out);
}

}  // namespace

// Chunks of plan.chunk_nsamp samples are independent, so the threads take them in turn and
// a ChunkRing hands them to the writer in chunk order: the writer's work (quantisation,
// packing, disk) runs on the generating threads, one chunk at a time, while the others go on
// generating into free slots. The signal sums are reduced in chunk order too, so the result
// does not depend on the number of threads. Memory: a few chunks per thread.
BeamSums generate_beam(const SimConfig& config, const SimPlan& plan, int beam, SearchWriter& writer,
                       int threads, const std::function<void(uint64_t)>& progress) {
  const size_t nchan = plan.grid.freqs_mhz.size();
  const auto npol = static_cast<size_t>(config.observation.npol);
  const Signals signals = make_signals(config, plan, beam);
  const GaussianNoise noise(config.observation.seed);
  BeamContext bc{config, plan, noise, beam, nchan, signal_stride(nchan), {}, {}};
  // Cross products of unpolarised noise: zero mean (stored at the AA level so that unsigned
  // samples stay in range), sigma / sqrt(2) (Re and Im of A B* share the power).
  for (size_t c = 0; c < nchan; ++c) {
    bc.cross_mean.push_back(plan.mean[c]);
    bc.cross_sigma.push_back(static_cast<float>(plan.sigma[c] / std::sqrt(2.0)));
  }
  const size_t chunk = plan.chunk_nsamp, nsig = signals.count();
  const uint64_t nchunks = (plan.nsamples + chunk - 1) / chunk;
  const size_t nslots = 2 * static_cast<size_t>(threads) + 2;  // slack for a slow disk write
  std::vector<std::vector<float>> out(nslots);
  std::vector<double> partial(nslots * nsig, 0.0), totals(nsig, 0.0);
  auto chunk_samples = [&](uint64_t j) {
    return static_cast<size_t>(std::min<uint64_t>(chunk, plan.nsamples - j * chunk));
  };
  ChunkRing ring(nslots, [&](uint64_t j, size_t slot) {
    const size_t n = chunk_samples(j);
    writer.write(out[slot].data(), n);
    for (size_t i = 0; i < nsig; ++i) totals[i] += partial[slot * nsig + i];
    if (progress) progress(j * chunk + n);
  });
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> sig;  // this thread's signal scratch
#pragma omp for schedule(dynamic, 1)
    for (uint64_t j = 0; j < nchunks; ++j) {
      std::exception_ptr failed;
      const size_t slot = ring.acquire(j);
      if (slot != ChunkRing::kFailed) {
        try {  // exceptions must not leave the parallel region: the ring keeps the first
          out[slot].resize(chunk * npol * nchan);
          generate_chunk(bc, signals, j * chunk, chunk_samples(j), sig,
                         partial.data() + slot * nsig, out[slot].data());
        } catch (...) {
          failed = std::current_exception();
        }
      }
      ring.complete(j, failed);
    }
  }
  ring.rethrow();

  BeamSums sums;
  sums.beam = beam;
  sums.pulsar.assign(config.pulsars.size(), 0.0);
  const size_t npulsar = signals.pulsars.size();
  for (size_t i = 0; i < npulsar; ++i) sums.pulsar[signals.pulsar_index[i]] = totals[i];
  for (size_t i = 0; i < signals.rfi.size(); ++i) sums.rfi.push_back(totals[npulsar + i]);
  return sums;
}

}  // namespace tianyan
