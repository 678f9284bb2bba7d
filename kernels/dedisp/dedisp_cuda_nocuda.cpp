#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/dedisp_cuda.hpp"

namespace tianyan::dedisp_detail {

std::unique_ptr<Dedisperser> make_dedisperser_cuda(const DedispSetup&) {
  throw environment_error("the CUDA dedisperser cannot run: {}", query_cuda_devices().problem);
}

}  // namespace tianyan::dedisp_detail
