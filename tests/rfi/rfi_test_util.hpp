#pragma once
// Helpers of the RFI tests: simulated Stokes I data in memory and a gulp-by-gulp driver.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../sim/sim_test_util.hpp"
#include "kernels/common/error.hpp"
#include "kernels/rfi/rfi.hpp"

namespace tianyan::test {

// A FAST-like observation in Stokes I floats: nchan over 1000-1500 MHz, 98.304 us.
inline SimConfig rfi_sim_config(int nchan, double duration_s, uint64_t seed) {
  SimConfig c;
  c.observation.nchan = nchan;
  c.observation.duration_s = duration_s;
  c.observation.npol = 1;
  c.observation.nbits = 32;
  c.observation.seed = seed;
  c.output.format = "filterbank";
  return c;
}

// rfi_sim_config with a busy sky: a switching carrier, a broadband burst, the noise diode and
// a weak pulsar.
inline SimConfig busy_sim_config(int nchan, double duration_s, uint64_t seed) {
  SimConfig sim = rfi_sim_config(nchan, duration_s, seed);
  SimNarrowband nb;
  nb.freq_mhz = 1300.0;
  nb.modulation = "onoff";
  nb.modulation_period_s = 0.3;
  sim.rfi.narrowband = {nb};
  SimBurst burst;
  burst.time_s = 0.9;
  burst.amplitude_sigma = 2.0;
  sim.rfi.burst = {burst};
  sim.rfi.noise_diode.enabled = true;
  SimPulsar psr;
  psr.amplitude_sigma = 0.5;
  sim.pulsars = {psr};
  return sim;
}

struct Observation {
  ObservationInfo info;
  std::vector<float> data;  // nsamp x nchan
  uint64_t nsamp = 0;
  size_t nchan() const { return info.nchan(); }
};

inline Observation simulate_observation(const SimConfig& config) {
  MemoryRun run = run_in_memory(config, 2);
  Capture& cap = run.beams.at(1);
  Observation obs;
  obs.info = cap.header;
  obs.info.nsamples = cap.nsamp;
  obs.data = std::move(cap.data);
  obs.nsamp = cap.nsamp;
  return obs;
}

inline RfiConfig test_rfi_config(uint64_t block = 8192) {
  RfiConfig c;
  c.block_nsamp = block;
  return c;
}

struct Cleaned {
  std::vector<float> out;  // nsamp x nchan
  RfiMask mask;
};

// Cleans the whole observation gulp by gulp as GulpStream cuts it (gulp fresh samples plus an
// overlap look-ahead), checking that each look-ahead equals the next gulp's own output.
inline Cleaned clean_in_gulps(const RfiConfig& config, const Observation& obs, uint64_t gulp,
                              uint64_t overlap, int threads = 1, const RfiMask* reuse = nullptr) {
  auto cleaner = make_rfi_cleaner_cpu(config, obs.info, threads, reuse);
  const size_t nchan = obs.nchan();
  Cleaned result;
  result.out.assign(obs.data.size(), 0.0f);
  std::vector<float> out;
  std::vector<float> lookahead;  // the previous gulp's cleaned look-ahead
  for (uint64_t start = 0; start < obs.nsamp;) {
    const uint64_t nfresh = std::min(gulp, obs.nsamp - start);
    const uint64_t nsamp = std::min(nfresh + overlap, obs.nsamp - start);
    out.assign(nsamp * nchan, -1.0f);
    cleaner->process(obs.data.data() + start * nchan, out.data(), start, nsamp, nfresh);
    for (size_t k = 0; k < lookahead.size() && k < out.size(); ++k) {
      if (lookahead[k] != out[k]) {
        ADD_FAILURE() << "look-ahead differs at gulp " << start << " offset " << k;
        break;
      }
    }
    std::copy(out.begin(), out.begin() + static_cast<ptrdiff_t>(nfresh * nchan),
              result.out.begin() + static_cast<ptrdiff_t>(start * nchan));
    lookahead.assign(out.begin() + static_cast<ptrdiff_t>(nfresh * nchan), out.end());
    start += nfresh;
  }
  result.mask = cleaner->mask();
  return result;
}

inline size_t nearest_channel(const ObservationInfo& info, double freq_mhz) {
  size_t best = 0;
  for (size_t c = 1; c < info.nchan(); ++c) {
    if (std::abs(info.freqs_mhz[c] - freq_mhz) < std::abs(info.freqs_mhz[best] - freq_mhz)) {
      best = c;
    }
  }
  return best;
}

}  // namespace tianyan::test
