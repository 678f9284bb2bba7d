#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/fold/fold_optimise_detail.hpp"

namespace tianyan::fold_detail {

void check_grid_device(int) {
  throw environment_error("the CUDA fold optimiser cannot run: {}", query_cuda_devices().problem);
}

std::vector<double> dm_curve_cuda(int device, const Geometry&, const std::vector<float>&) {
  check_grid_device(device);
  return {};
}

std::vector<float> freq_fdot_map_cuda(int device, const Geometry&, const std::vector<float>&,
                                      const std::vector<double>&, const std::vector<double>&) {
  check_grid_device(device);
  return {};
}

}  // namespace tianyan::fold_detail
