#pragma once
// What one CUDA thread of subband dedispersion computes, written once for the device kernels
// (dedisp_cuda_kernels.cu) and for the host, where tests/dedisp run every element of a gulp
// through these same functions and compare the result with the CPU dedisperser: the index
// arithmetic of the kernels is tested on machines without a GPU too. C++17 (nvcc).
#include <cstdint>

#include "kernels/common/hd.hpp"

namespace tianyan::dedisp_cuda {

// Stage 1 of one group: sub[s * sub_stride + i] = sum over the channels c of subband s, in
// ascending order, of x[c * x_stride + d2min[s] + i + d1[c]], for i < form_length(s).
struct FormArgs {
  const float* x = nullptr;  // channel-major gulp with its look-ahead
  uint64_t x_stride = 0;
  const int32_t* d1 = nullptr;         // [channel]
  const int32_t* d2min = nullptr;      // [subband]
  const int32_t* d2max = nullptr;      // [subband]
  const int32_t* sub_begin = nullptr;  // [subband + 1]
  int nsub = 0;
  uint64_t nfresh = 0;
  uint64_t max_len = 0;  // nfresh + the group's largest spread: the threads launched
  float* sub = nullptr;
  uint64_t sub_stride = 0;
};

TIANYAN_HD uint64_t form_length(const FormArgs& a, int s) {
  return a.nfresh + static_cast<uint64_t>(a.d2max[s] - a.d2min[s]);
}

TIANYAN_HD float form_element(const FormArgs& a, int s, uint64_t i) {
  const uint64_t pos = static_cast<uint64_t>(a.d2min[s]) + i;
  const int c0 = a.sub_begin[s], c1 = a.sub_begin[s + 1];
  float v = a.x[static_cast<uint64_t>(c0) * a.x_stride + pos + a.d1[c0]];
  for (int c = c0 + 1; c < c1; ++c) v += a.x[static_cast<uint64_t>(c) * a.x_stride + pos + a.d1[c]];
  return v;
}

// Stage 2 of one group's trials: out[k * row_stride + j] for trial k of the group, j < nout =
// nfresh / ds: the subbands shifted by d2[k * nsub + s] - d2min[s] and added in subband order,
// then ds consecutive sums added in time order (the CPU's order, so the bits agree).
struct CombineArgs {
  const float* sub = nullptr;
  uint64_t sub_stride = 0;
  int nsub = 0;
  const int32_t* d2 = nullptr;     // [trial of the group][subband]
  const int32_t* d2min = nullptr;  // [subband]
  int ntrials = 0;
  int ds = 1;
  uint64_t nout = 0;
  float* out = nullptr;  // the group's first row
  uint64_t row_stride = 0;
};

TIANYAN_HD float subband_sum(const CombineArgs& a, const int32_t* d, uint64_t i) {
  float v = a.sub[i + static_cast<uint64_t>(d[0] - a.d2min[0])];
  for (int s = 1; s < a.nsub; ++s) {
    v += a.sub[static_cast<uint64_t>(s) * a.sub_stride + i +
               static_cast<uint64_t>(d[s] - a.d2min[s])];
  }
  return v;
}

TIANYAN_HD float combine_element(const CombineArgs& a, int k, uint64_t j) {
  const int32_t* d = a.d2 + static_cast<uint64_t>(k) * a.nsub;
  if (a.ds == 1) return subband_sum(a, d, j);
  // From 0, as the CPU's downsample_sum starts (0 + x is x, so this costs no bits).
  float v = 0.0f;
  for (int q = 0; q < a.ds; ++q) v += subband_sum(a, d, j * static_cast<uint64_t>(a.ds) + q);
  return v;
}

}  // namespace tianyan::dedisp_cuda
