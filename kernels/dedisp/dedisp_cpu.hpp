#pragma once
// Pieces shared by the CPU dedispersers (internal to kernels/dedisp).
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/dedisp/dedisperser.hpp"

namespace tianyan::dedisp_detail {

// Throws BadInput when the setup breaks the contract of dedisperser.hpp.
void validate_setup(const DedispSetup& setup);

// Row offsets (floats) of every trial: rows of max_nfresh / ds; *total gets the sum.
std::vector<uint64_t> output_offsets(const DedispSetup& setup, uint64_t* total);

// Throws Internal when execute() is called outside its contract.
void check_execute(uint64_t nsamp_in, uint64_t nfresh, uint64_t overlap, uint64_t max_nfresh,
                   int max_downsample);

// Time-major [nsamp][nchan] -> channel-major out[c * stride + t], t < nsamp. Turning the
// channel stride into contiguous rows lets every later add run over unit-stride memory.
void transpose_to_channels(const float* in, uint64_t nsamp, size_t nchan, float* out,
                           uint64_t stride, int threads);

// out[j] = sum_{k<ds} acc[j ds + k], j < n / ds.
inline void downsample_sum(const float* acc, uint64_t n, int ds, float* out) {
  for (uint64_t j = 0; j < n / ds; ++j) {
    float s = 0;
    for (int k = 0; k < ds; ++k) s += acc[j * ds + k];
    out[j] = s;
  }
}

// dst[i] = rows[0][i] + rows[1][i] + ..., i < n, in row order (deterministic). The inner
// loop of every CPU algorithm; built for several vector widths where the compiler can.
void sum_rows(const float* const* rows, size_t nrows, uint64_t n, float* dst);

// A dedisperser; with allocate = false only its tables and sizes (no workspace): for
// dedisp_footprint(), never executed.
std::unique_ptr<Dedisperser> make_brute_cpu(const DedispSetup& setup, bool allocate = true);
std::unique_ptr<Dedisperser> make_subband_cpu(const DedispSetup& setup, bool allocate = true);

}  // namespace tianyan::dedisp_detail
