// The CUDA RFI cleaner's host memory, for plans made without a device (rfi_cuda.hpp). Built
// in every configuration: only the host part of the stage is sized.
#include "kernels/rfi/rfi_cpu.hpp"
#include "kernels/rfi/rfi_cuda.hpp"
#include "kernels/rfi/rfi_stage.hpp"

namespace tianyan::rfi_detail {
namespace {

// The shared stage alone, never run: its host workspace.
class HostPart final : public RfiStage {
 public:
  using RfiStage::RfiStage;

 private:
  void begin_gulp(const float*, float*, uint64_t) override {}
  void block_stats(uint64_t, uint64_t) override {}
  void clip_series(uint64_t, uint64_t, float) override {}
  void clean_block(uint64_t, uint64_t) override {}
  void end_gulp() override {}
};

}  // namespace

// The moment partials the cleaner brings back (4 per chunk of kMomentRows rows and channel),
// the shifts, the MADs and the rows unpacked for the shifts of a packed block.
size_t rfi_cuda_host_extra_bytes(uint64_t block, size_t nchan) {
  const uint64_t nchunks = (block + kMomentRows - 1) / kMomentRows;
  return (nchunks * 4 * nchan + 2 * nchan + kCudaRoughRows * nchan) * sizeof(float);
}

size_t rfi_cuda_host_bytes(const RfiConfig& config, const ObservationInfo& info, int threads) {
  const HostPart part(config, info, threads, nullptr, false);
  return part.workspace_bytes() + rfi_cuda_host_extra_bytes(config.block_nsamp, info.nchan());
}

}  // namespace tianyan::rfi_detail
