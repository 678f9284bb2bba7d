#pragma once
// The CUDA periodicity search (period_search_cuda.cpp), behind
// make_period_searcher(Backend::Cuda). Builds without the CUDA backend get a stand-in that
// throws Environment.
#include <memory>

#include "kernels/search/period_search.hpp"

namespace tianyan::search_detail {

// On CUDA device `device`; `threads` host threads refine the candidates. Throws Environment
// when the device is not usable.
std::unique_ptr<PeriodSearcher> make_period_searcher_cuda(const SearchConfig& cfg, int device,
                                                          int threads);

}  // namespace tianyan::search_detail
