#pragma once
// The periodicity search over several devices (issue 7: several GPUs per node): a batch's
// series are cut into chunks, handed out from a queue to one worker thread per searcher (one
// per device), and the results put back in the batch's order. Which worker searches a series
// does not change its candidates (each series is searched on its own), so the result is the
// same as one searcher's. Generic over the searchers, so the queue is tested with CPU ones.
#include <memory>
#include <vector>

#include "kernels/search/period_search.hpp"

namespace tianyan {

// Takes ownership of `workers` (at least one). spectrum() runs on the first; birdies go to all;
// workspace_bytes() is the sum of the workers'.
std::unique_ptr<PeriodSearcher> make_queued_searcher(
    std::vector<std::unique_ptr<PeriodSearcher>> workers);

// The chunks a batch of `n` series is cut into for `nworkers` workers: consecutive series
// (neighbouring DM trials share their length, so a chunk keeps a device's groups full), about
// four per worker so that a slow chunk does not hold the others up, at least `min_chunk` long
// where the batch allows. Returns the first index of each chunk, then n.
std::vector<size_t> queue_chunks(size_t n, size_t nworkers, size_t min_chunk);

}  // namespace tianyan
