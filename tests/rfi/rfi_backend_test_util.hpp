#pragma once
// Helpers of the tests that compare RFI backends: a busy observation (busy_sim_config and a
// zero-weight channel) and a gulp driver over any cleaner.
#include <algorithm>
#include <ostream>
#include <vector>

#include "rfi_test_util.hpp"

namespace tianyan::test {

inline Observation busy_observation(int nchan, double duration_s, uint64_t seed) {
  Observation obs = simulate_observation(busy_sim_config(nchan, duration_s, seed));
  obs.info.flagged.assign(obs.nchan(), 0);
  obs.info.flagged[3] = 1;
  return obs;
}

// The whole observation through `cleaner`, gulps of `gulp` fresh samples and `overlap` of
// look-ahead; the fresh output of each gulp.
inline std::vector<float> clean_with(RfiCleaner& cleaner, const Observation& obs, uint64_t gulp,
                                     uint64_t overlap) {
  const size_t nchan = obs.nchan();
  std::vector<float> result(obs.data.size(), 0.0f), out;
  for (uint64_t start = 0; start < obs.nsamp;) {
    const uint64_t nfresh = std::min(gulp, obs.nsamp - start);
    const uint64_t nsamp = std::min(nfresh + overlap, obs.nsamp - start);
    out.assign(nsamp * nchan, -1.0f);
    cleaner.process(obs.data.data() + start * nchan, out.data(), start, nsamp, nfresh);
    std::copy(out.begin(), out.begin() + static_cast<ptrdiff_t>(nfresh * nchan),
              result.begin() + static_cast<ptrdiff_t>(start * nchan));
    start += nfresh;
  }
  return result;
}

// Configurations that reach every branch of the row kernels.
struct BackendCase {
  const char* name;
  bool normalise;
  bool zero_dm;
  bool clip;
};

// Test names and ctest labels show the case's name, not its bytes.
inline void PrintTo(const BackendCase& c, std::ostream* os) { *os << c.name; }

inline RfiConfig backend_case_config(const BackendCase& bc, uint64_t block) {
  RfiConfig c = test_rfi_config(block);
  c.normalise.enabled = bc.normalise;
  c.zero_dm.enabled = bc.zero_dm;
  c.clip.enabled = bc.clip;
  c.static_mask.bad_ranges = {{1000.0, 1006.0}};
  return c;
}

// Element indices where a and b differ bitwise-as-floats (NaN equal to NaN).
inline size_t count_differences(const std::vector<float>& a, const std::vector<float>& b,
                                size_t* first) {
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool same = a[i] == b[i] || (a[i] != a[i] && b[i] != b[i]);
    if (!same && n++ == 0) *first = i;
  }
  return n;
}

}  // namespace tianyan::test
