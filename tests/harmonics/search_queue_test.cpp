// The queue that spreads a batch's series over several searchers (one per GPU,
// kernels/search/period_search_queue.hpp), run here with CPU searchers as the workers: the
// candidates are those of one searcher, series for series and bit for bit, whichever worker
// took a chunk; a worker's error reaches the caller; chunks cover the batch in order.
#include "kernels/search/period_search_queue.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "kernels/common/error.hpp"
#include "tests/spectrum/spectrum_test_util.hpp"

namespace tianyan {
namespace {

// Noise with, in every third series, a pulse train: candidates differ from series to series,
// so a result put back at the wrong index would show.
std::vector<std::vector<float>> make_series(size_t count) {
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < count; ++i) {
    const size_t n = i % 2 == 0 ? 8192 : 4096;  // two lengths, as downsampled trials give
    std::vector<float> x = test::gaussian_noise(n, 1.0, 500 + i);
    if (i % 3 == 0) {
      const double period = 0.013 + 0.0007 * static_cast<double>(i);
      for (size_t t = 0; t < n; ++t) {
        if (std::fmod(static_cast<double>(t) * 1e-3 / period, 1.0) < 0.05) x[t] += 1.5f;
      }
    }
    out.push_back(std::move(x));
  }
  return out;
}

SearchConfig config() {
  SearchConfig cfg;
  cfg.sigma_threshold = 3.0;
  cfg.max_candidates_per_series = 20;
  return cfg;
}

TEST(SearchQueue, GivesOneSearchersCandidatesWhateverTheWorker) {
  const auto data = make_series(150);
  std::vector<SeriesInput> batch;
  for (size_t i = 0; i < data.size(); ++i) {
    batch.push_back({data[i].data(), data[i].size(), i % 2 == 0 ? 1e-3 : 2e-3,
                     static_cast<double>(i), i, {}});
  }
  const auto one = make_period_searcher(Backend::Cpu, config(), 1)->search(batch);
  std::vector<std::unique_ptr<PeriodSearcher>> workers;
  for (int w = 0; w < 3; ++w) workers.push_back(make_period_searcher(Backend::Cpu, config(), 1));
  const auto queued = make_queued_searcher(std::move(workers))->search(batch);
  ASSERT_EQ(queued.size(), one.size());
  size_t with_candidates = 0;
  for (size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(queued[i].size(), one[i].size()) << "series " << i;
    with_candidates += one[i].empty() ? 0 : 1;
    for (size_t c = 0; c < one[i].size(); ++c) {
      EXPECT_EQ(queued[i][c].freq_hz, one[i][c].freq_hz) << "series " << i;
      EXPECT_EQ(queued[i][c].sigma, one[i][c].sigma) << "series " << i;
      EXPECT_EQ(queued[i][c].dm_index, i);
    }
  }
  EXPECT_GT(with_candidates, 40u) << "too few candidates for the comparison to mean much";
}

TEST(SearchQueue, AWorkersErrorReachesTheCaller) {
  const auto data = make_series(140);
  std::vector<SeriesInput> batch;
  for (size_t i = 0; i < data.size(); ++i) {
    batch.push_back({data[i].data(), data[i].size(), 1e-3, 0.0, i, {}});
  }
  batch[137].data = nullptr;  // in the last chunk: not the first worker's first
  std::vector<std::unique_ptr<PeriodSearcher>> workers;
  for (int w = 0; w < 2; ++w) workers.push_back(make_period_searcher(Backend::Cpu, config(), 1));
  const auto queued = make_queued_searcher(std::move(workers));
  try {
    queued->search(batch);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Internal);
    EXPECT_NE(std::string(e.what()).find("no data"), std::string::npos) << e.what();
  }
}

TEST(SearchQueue, ChunksCoverTheBatchInOrder) {
  for (const size_t n : {size_t{1}, size_t{63}, size_t{64}, size_t{1000}, size_t{7812}}) {
    for (const size_t workers : {size_t{1}, size_t{2}, size_t{8}}) {
      const std::vector<size_t> c = queue_chunks(n, workers, 64);
      ASSERT_GE(c.size(), 2u);
      EXPECT_EQ(c.front(), 0u);
      EXPECT_EQ(c.back(), n);
      for (size_t k = 1; k < c.size(); ++k) {
        ASSERT_GT(c[k], c[k - 1]);
        if (k + 1 < c.size()) EXPECT_GE(c[k] - c[k - 1], 64u);  // only the last may be short
      }
      // Enough chunks to balance the workers when the batch allows.
      if (n >= 64 * 4 * workers) EXPECT_GE(c.size() - 1, 4 * workers);
    }
  }
}

}  // namespace
}  // namespace tianyan
