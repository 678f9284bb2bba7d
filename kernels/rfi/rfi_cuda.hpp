#pragma once
// The CUDA RFI cleaner (rfi_clean_cuda.cpp), behind make_rfi_cleaner(Backend::Cuda). Builds
// without the CUDA backend get a stand-in (rfi_cuda_nocuda.cpp) that throws Environment.
#include <cstdint>
#include <memory>

#include "kernels/rfi/rfi.hpp"

namespace tianyan::rfi_detail {

// Same arguments and contract as make_rfi_cleaner_cpu, on CUDA device `device`; `threads` is
// the host's share (the per-block decisions). Throws Environment when the device cannot run
// it or its memory cannot hold a gulp's block.
std::unique_ptr<RfiCleaner> make_rfi_cleaner_cuda(int device, const RfiConfig& config,
                                                  const ObservationInfo& info, int threads,
                                                  const RfiMask* reuse, bool record_replay);

// The host memory make_rfi_cleaner_cuda(...)->workspace_bytes() reports, computed without a
// device and in every build (rfi_cuda_sizing.cpp): planning is pure, so that a GPU job can be
// planned where there is no GPU; building the cleaner is what checks the device.
size_t rfi_cuda_host_bytes(const RfiConfig& config, const ObservationInfo& info, int threads);
// Rows of a packed block the CUDA cleaner unpacks on the host for rough_centre's shift.
constexpr uint64_t kCudaRoughRows = 5;
// What the CUDA cleaner adds to the shared stage's host workspace.
size_t rfi_cuda_host_extra_bytes(uint64_t block, size_t nchan);

}  // namespace tianyan::rfi_detail
