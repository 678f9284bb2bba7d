#pragma once
// Internals of the whitening (spectrum.cpp), shared with the CUDA search, which computes the
// same blocks' medians on the device (period_search_cuda.cpp).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/search/search_config.hpp"

namespace tianyan {

// One red-noise block: bins [o, e), and the expected median power (element (e - o) / 2 of the
// sorted powers) of e - o unit exponentials, which its median is divided by.
struct RednoiseBlock {
  uint64_t o = 0, e = 0;
  double expected_median = 0;
};

// The blocks normalise_spectrum uses for a spectrum of nbins bins, from bin 1 to nbins.
std::vector<RednoiseBlock> rednoise_blocks(size_t nbins, const RednoiseConfig& rn);

}  // namespace tianyan
