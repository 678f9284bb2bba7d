#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/unpack/unpack_device.hpp"

namespace tianyan {

std::vector<float> unpack_packed_cuda(int, const PackedSamples&) {
  throw environment_error("CUDA unpacking cannot run: {}", query_cuda_devices().problem);
}

}  // namespace tianyan
