#pragma once
// Helpers of the dedispersion tests: seeded noise, an in-memory Reader, per-trial rows.
#include <cstring>
#include <random>
#include <vector>

#include "io/reader.hpp"
#include "kernels/dedisp/dedisperser.hpp"

namespace tianyan::test {

// nsamp x nchan unit-variance Gaussian noise, time-major, channel fastest.
inline std::vector<float> gaussian_noise(uint64_t nsamp, size_t nchan, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(nsamp * nchan);
  for (float& x : v) x = normal(rng);
  return v;
}

// Serves a time-major array as a stream.
class ArrayReader : public Reader {
 public:
  ArrayReader(const std::vector<float>* data, const std::vector<double>& freqs, double tsamp)
      : data_(data) {
    info_.freqs_mhz = freqs;
    info_.tsamp_s = tsamp;
    info_.nsamples = data->size() / freqs.size();
    info_.nsamples_stored = info_.nsamples;
    info_.files = {"memory"};
  }
  const ObservationInfo& info() const override { return info_; }
  uint64_t read(uint64_t start, uint64_t nsamp, float* out) override {
    const size_t nchan = info_.nchan();
    const uint64_t n = start >= info_.nsamples ? 0 : std::min(nsamp, info_.nsamples - start);
    std::memcpy(out, data_->data() + start * nchan, n * nchan * sizeof(float));
    return n;
  }

 private:
  const std::vector<float>* data_;
  ObservationInfo info_;
};

// The written part of trial t's row: nfresh / ds samples.
inline std::vector<float> trial_row(const Dedisperser& d, const std::vector<float>& out, size_t t,
                                    uint64_t nfresh, int ds) {
  const auto first = out.begin() + static_cast<std::ptrdiff_t>(d.output_offset(t));
  return {first, first + static_cast<std::ptrdiff_t>(nfresh / static_cast<uint64_t>(ds))};
}

}  // namespace tianyan::test
