#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/rfi/rfi_cuda.hpp"

namespace tianyan::rfi_detail {

std::unique_ptr<RfiCleaner> make_rfi_cleaner_cuda(int, const RfiConfig&, const ObservationInfo&,
                                                  int, const RfiMask*, bool) {
  throw environment_error("the CUDA RFI cleaner cannot run: {}", query_cuda_devices().problem);
}

}  // namespace tianyan::rfi_detail
