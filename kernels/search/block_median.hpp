#pragma once
// The median step of the red-noise whitening (normalise_spectrum, spectrum.cpp): the exact
// k-th smallest power of a block of bins, fast when a guess near it is known (the previous
// block's median). The method and its measured cost are in block_median.cpp.
#include <cstddef>

namespace tianyan {

// Extra floats every buffer of block_median needs beyond the block: the compacting passes
// write whole SIMD vectors.
inline constexpr size_t kBlockMedianPad = 16;

// The k-th smallest |a_j|^2 of the n bins f (interleaved re, im), given a guess near it
// (<= 0 or not finite: none). p, buf and tmp hold n + kBlockMedianPad floats each; p gets the
// powers (in any order), buf and tmp are clobbered.
float block_median(const float* f, size_t n, size_t k, float guess, float* p, float* buf,
                   float* tmp);

}  // namespace tianyan
