#include <omp.h>

#include "apps/cli.hpp"
#include "kernels/common/error.hpp"

namespace tianyan::cli {

int resolve_threads(int requested) {
  if (requested < 0) throw usage_error("--threads must be 0 (all cores) or positive, not {}", requested);
  return requested == 0 ? omp_get_max_threads() : requested;
}

}  // namespace tianyan::cli
