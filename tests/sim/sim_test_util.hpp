#pragma once
// Helpers of the simulator tests: an in-memory SearchWriter and small configurations.
#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "io/search_writer.hpp"
#include "pipeline/simulate/generator.hpp"
#include "pipeline/simulate/simulate.hpp"

namespace tianyan::test {

// Everything written to one beam, unquantised: [nsamp][npol][nchan].
struct Capture {
  ObservationInfo header;
  std::vector<float> data;
  uint64_t nsamp = 0;
  bool finished = false;
  size_t nchan() const { return header.freqs_mhz.size(); }
  float at(uint64_t t, int pol, size_t c) const {
    return data[(t * static_cast<uint64_t>(header.npol) + static_cast<uint64_t>(pol)) * nchan() +
                c];
  }
};

class MemoryWriter : public SearchWriter {
 public:
  explicit MemoryWriter(Capture* capture) : capture_(capture) {}
  void write(const float* block, uint64_t nsamp) override {
    const size_t n = nsamp * static_cast<size_t>(capture_->header.npol) * capture_->nchan();
    capture_->data.insert(capture_->data.end(), block, block + n);
    capture_->nsamp += nsamp;
  }
  void finish() override { capture_->finished = true; }
  std::vector<std::string> files() const override { return {}; }

 private:
  Capture* capture_;
};

struct MemoryRun {
  SimulateResult result;
  std::map<int, Capture> beams;  // by beam number
};

inline MemoryRun run_in_memory(const SimConfig& config, int threads = 1) {
  MemoryRun run;
  SimulateOptions options;
  options.threads = threads;
  auto factory = [&](int beam, const ObservationInfo& header) -> std::unique_ptr<SearchWriter> {
    Capture& c = run.beams[beam];
    c.header = header;
    return std::make_unique<MemoryWriter>(&c);
  };
  run.result = simulate_to(config, factory, options);
  return run;
}

// A small FAST-like observation: 64 channels over 1000-1500 MHz, 0.5 ms, 2 s, 2 pols, float.
inline SimConfig small_config() {
  SimConfig c;
  c.observation.nchan = 64;
  c.observation.tsamp_s = 0.5e-3;
  c.observation.duration_s = 2.0;
  c.observation.npol = 2;
  c.observation.nbits = 32;
  c.observation.seed = 42;
  c.output.format = "filterbank";
  return c;
}

// Total-intensity signal (AA + BB minus the bandpass means) in units of sigma_I, per sample and
// channel: [t][c]. Valid for noiseless runs or differences of runs.
inline std::vector<double> intensity_sigma_units(const SimConfig& config, const Capture& cap,
                                                 const Capture* subtract = nullptr) {
  const SimPlan plan = make_sim_plan(config);
  const size_t nchan = cap.nchan();
  const int npol_sum = cap.header.npol == 1 ? 1 : 2;
  std::vector<double> out(cap.nsamp * nchan);
  for (uint64_t t = 0; t < cap.nsamp; ++t) {
    for (size_t c = 0; c < nchan; ++c) {
      double v = 0;
      for (int p = 0; p < npol_sum; ++p) {
        v += cap.at(t, p, c) - (subtract ? subtract->at(t, p, c) : plan.mean[c]);
      }
      out[t * nchan + c] = v / (plan.sigma[c] * std::sqrt(static_cast<double>(npol_sum)));
    }
  }
  return out;
}

}  // namespace tianyan::test
