#pragma once
// The inner loops of the folding pass (kernels/fold/fold_cpu.hpp): forming a subband series
// from channel rows, phase bins of a run of samples, and adding samples into a profile.
// Compiled for AVX-512, AVX2 and plain x86-64 (function multiversioning).
#include <cstddef>
#include <cstdint>

namespace tianyan {

// out[i] = sum over q < nsrc of src[q][i], i < len (out is overwritten; nsrc may be 0).
void sum_rows(const float* const* src, size_t nsrc, size_t len, float* out);

// bins[i] = floor(frac(phi(t_i)) nbin) with t_i = t0 + i tsamp (s from the model's epoch) and
// phi(t) = t (freq + fdot t / 2), i < n. Exact in double for |phi| < 2^50 turns.
void phase_bins(double t0, double tsamp, double freq_hz, double fdot_hz_s, size_t n, int nbin,
                int32_t* bins);

// profile[bins[i]] += x[i], i < n (runs of equal bins are summed first, in order).
void fold_into(const float* x, const int32_t* bins, size_t n, float* profile);

// Sum of (x[i] - x[i - 1])^2 over 0 < i < n, in double (0 when n < 2).
double diff_sumsq(const float* x, size_t n);

}  // namespace tianyan
