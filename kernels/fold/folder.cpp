#include "kernels/fold/folder.hpp"

#include "kernels/fold/fold_cpu.hpp"
#include "kernels/fold/fold_cuda.hpp"

namespace tianyan {

std::unique_ptr<Folder> make_folder(Backend backend, int device, FoldBand band, size_t nsubband,
                                    std::vector<FoldSpec> specs, int threads,
                                    double max_smear_bins) {
  if (backend == Backend::Cuda) {
    return fold_detail::make_folder_cuda(device, std::move(band), nsubband, std::move(specs),
                                         max_smear_bins);
  }
  return std::make_unique<StreamFolder>(std::move(band), nsubband, std::move(specs), threads,
                                        max_smear_bins);
}

}  // namespace tianyan
