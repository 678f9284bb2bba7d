#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "kernels/search/period_search_cuda.hpp"

namespace tianyan::search_detail {

std::unique_ptr<PeriodSearcher> make_period_searcher_cuda(const SearchConfig&, int, int) {
  throw environment_error("the CUDA periodicity search cannot run: {}",
                          query_cuda_devices().problem);
}

}  // namespace tianyan::search_detail
