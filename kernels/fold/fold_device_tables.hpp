#pragma once
// The CUDA folding engine's tables, flattened from a FoldPlan on the host (in every build:
// the element test runs the kernels' functions over them on machines without a GPU).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/fold/fold_cuda_args.hpp"
#include "kernels/fold/fold_plan.hpp"

namespace tianyan::fold_cuda {

struct DeviceTables {
  std::vector<RequestArgs> reqs;     // [request]
  std::vector<uint32_t> members;     // every group's members, group after group
  std::vector<size_t> member_off;    // [group]: where its members start
  std::vector<double> t0_top;        // each request's [nsub]
  std::vector<int64_t> bounds;       // each request's [nsub][nk + 1]
  std::vector<int64_t> shift;        // [group][nchan]
  std::vector<int64_t> first_j;      // [group][nsub]
  std::vector<uint32_t> chans;       // [nsub][per]
  std::vector<uint32_t> nact;        // [nsub]
  size_t ncell = 0, ncell_bins = 0;  // cells and bins of all the cubes
  uint32_t max_nk = 0;

  size_t bytes() const;
};

DeviceTables make_device_tables(const FoldPlan& plan);

// Request r's part of the flat cube arrays, as a cube.
FoldCube cube_from_flat(const FoldPlan& plan, const DeviceTables& t, size_t r,
                        const std::vector<float>& data, const std::vector<double>& diff2,
                        const std::vector<uint64_t>& count, const std::vector<uint64_t>& ndiff);

}  // namespace tianyan::fold_cuda
