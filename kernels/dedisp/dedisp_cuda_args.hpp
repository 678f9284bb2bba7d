#pragma once
// The host side of CUDA subband dedispersion that needs no GPU: the plan's tables flattened
// for upload, the buffer layout, and the arguments of each group's two kernels. Shared by the
// CUDA dedisperser (dedisp_subband_cuda.cpp) and by the test that runs the kernels' element
// functions on the host (tests/dedisp/dedisp_cuda_elements_test.cpp).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/dedisp/dedisp_cuda_elements.hpp"
#include "kernels/dedisp/subband_plan.hpp"

namespace tianyan::dedisp_cuda {

// d1 [group][channel], d2min and d2max [group][subband], d2 [trial][subband], sub_begin.
struct Tables {
  std::vector<int32_t> d1, d2min, d2max, d2, sub_begin;
};
Tables flatten_tables(const SubbandPlan& plan);

// Buffer sizes (elements) for gulps of up to max_nfresh fresh samples.
struct Layout {
  uint64_t x_stride = 0;    // channel-major gulp: nfresh + overlap per channel
  uint64_t sub_stride = 0;  // subband rows: max_nfresh + the largest spread
  size_t input = 0, x = 0, sub = 0, out = 0, tables = 0;
  size_t bytes() const;
};
Layout make_layout(const SubbandPlan& plan, uint64_t max_nfresh);

struct TablePointers {  // where the Tables live (device memory, or host memory in tests)
  const int32_t *d1 = nullptr, *d2min = nullptr, *d2max = nullptr, *d2 = nullptr,
                *sub_begin = nullptr;
};

struct GroupArgs {
  FormArgs form;
  CombineArgs combine;
};
// The kernel arguments of group `g` for a gulp of `nfresh` fresh samples: x the channel-major
// gulp, sub the subband buffer, out the whole output (all trials' rows).
GroupArgs group_args(const SubbandPlan& plan, const Layout& layout, const TablePointers& tables,
                     size_t g, uint64_t nfresh, uint64_t max_nfresh, const float* x, float* sub,
                     float* out);

}  // namespace tianyan::dedisp_cuda
