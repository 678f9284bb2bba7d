#include "kernels/search/period_search_queue.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

// A CUDA searcher fills its groups of series of one length up to 256 at a time; smaller
// chunks would leave a device's batched transforms short.
constexpr size_t kMinChunk = 64;

class QueuedSearcher final : public PeriodSearcher {
 public:
  explicit QueuedSearcher(std::vector<std::unique_ptr<PeriodSearcher>> workers)
      : workers_(std::move(workers)) {
    if (workers_.empty()) throw internal_error("a queued search needs at least one searcher");
  }

  std::vector<std::vector<Candidate>> search(const std::vector<SeriesInput>& batch) override {
    std::vector<std::vector<Candidate>> out(batch.size());
    if (batch.empty()) return out;
    const std::vector<size_t> chunks = queue_chunks(batch.size(), workers_.size(), kMinChunk);
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto work = [&](PeriodSearcher& searcher) {
      for (;;) {
        const size_t c = next.fetch_add(1);
        if (c + 1 >= chunks.size()) return;
        {
          const std::lock_guard<std::mutex> lock(error_mutex);
          if (error) return;  // another worker failed: stop taking work
        }
        try {
          const std::vector<SeriesInput> part(batch.begin() + static_cast<ptrdiff_t>(chunks[c]),
                                              batch.begin() + static_cast<ptrdiff_t>(chunks[c + 1]));
          std::vector<std::vector<Candidate>> found = searcher.search(part);
          for (size_t i = 0; i < found.size(); ++i) out[chunks[c] + i] = std::move(found[i]);
        } catch (...) {
          const std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
          return;
        }
      }
    };
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers_.size(); ++w) threads.emplace_back(work, std::ref(*workers_[w]));
    work(*workers_.front());
    for (std::thread& t : threads) t.join();
    if (error) std::rethrow_exception(error);
    return out;
  }

  void set_extra_birdies(std::vector<BirdieConfig> birdies) override {
    for (auto& w : workers_) w->set_extra_birdies(birdies);
  }

  std::vector<std::complex<float>> spectrum(const SeriesInput& series) override {
    return workers_.front()->spectrum(series);
  }

  size_t workspace_bytes(size_t max_nsamp) const override {
    size_t sum = 0;
    for (const auto& w : workers_) sum += w->workspace_bytes(max_nsamp);
    return sum;
  }

 private:
  std::vector<std::unique_ptr<PeriodSearcher>> workers_;
};

}  // namespace

std::vector<size_t> queue_chunks(size_t n, size_t nworkers, size_t min_chunk) {
  const size_t want = std::max<size_t>(1, 4 * nworkers);
  const size_t len = std::max<size_t>({1, min_chunk, (n + want - 1) / want});
  std::vector<size_t> starts;
  for (size_t s = 0; s < n; s += len) starts.push_back(s);
  starts.push_back(n);
  return starts;
}

std::unique_ptr<PeriodSearcher> make_queued_searcher(
    std::vector<std::unique_ptr<PeriodSearcher>> workers) {
  return std::make_unique<QueuedSearcher>(std::move(workers));
}

}  // namespace tianyan
