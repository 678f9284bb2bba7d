// Whole series in batches: the series do not depend on how many batches the memory limit
// forces, they equal what the streaming driver produces, and the batch arithmetic keeps the
// series under the limit.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "pipeline/whole_series.hpp"
#include "tests/common/test_util.hpp"
#include "tests/pipeline/pipeline_test_data.hpp"

namespace tianyan::test {
namespace {

struct WholeRun {
  WholeSeriesBatchPlan plan;
  std::vector<std::vector<float>> series;  // by plan trial index
  size_t batches_seen = 0;
};

WholeRun run_whole(const std::string& file, const PipelineConfig& config) {
  auto reader = open_beam(discover_beams({file}).front());
  WholeRun r;
  r.plan = dedisperse_whole_series(*reader, config, 2, [&r](std::vector<TrialSeries>& batch) {
    ++r.batches_seen;
    for (TrialSeries& s : batch) {
      EXPECT_EQ(s.index, r.series.size()) << "batches arrive in DM order";
      r.series.push_back(std::move(s.data));
    }
  });
  return r;
}

class WholeSeriesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    file_ = new std::string(simulate_small(*dir_, "whole", 12));
  }
  static void TearDownTestSuite() {
    delete file_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::string* file_;
};
TempDir* WholeSeriesTest::dir_ = nullptr;
std::string* WholeSeriesTest::file_ = nullptr;

TEST_F(WholeSeriesTest, BatchesGiveTheStreamingDriversSeries) {
  const PipelineConfig roomy = small_config();  // 8 GB: one batch

  // The streaming driver's own output, gulp by gulp, over all trials.
  auto reader = open_beam(discover_beams({*file_}).front());
  StreamOptions options;
  options.threads = 2;
  const CleanDedisperse pipe(*reader, roomy, options);
  std::vector<std::vector<float>> streamed(pipe.trials().size());
  {
    CleanDedisperse run(*reader, roomy, options);
    StageTimes times;
    run.run(
        [&](const DedispGulp& g) {
          for (size_t t = 0; t < streamed.size(); ++t) {
            streamed[t].insert(streamed[t].end(), g.row(t), g.row(t) + g.count(t));
          }
        },
        times);
  }
  const size_t ntrials = streamed.size();
  ASSERT_GE(ntrials, 8u);

  const WholeRun one = run_whole(*file_, roomy);
  EXPECT_EQ(one.plan.nbatches, 1u);
  EXPECT_EQ(one.batches_seen, 1u);

  // A limit that leaves room for a quarter of the trials (plus half a trial, so the GB
  // rounding cannot lose one): at least 4 batches, most of them cutting subband groups.
  const uint64_t per_trial = one.plan.bytes_per_trial;
  const size_t tpb = ntrials / 4;
  PipelineConfig tight = roomy;
  tight.resources.memory_gb =
      static_cast<double>(pipe.memory_bytes() + tpb * per_trial + per_trial / 2) / 1e9;
  const WholeRun many = run_whole(*file_, tight);
  EXPECT_EQ(many.plan.trials_per_batch, tpb);
  EXPECT_GE(many.plan.nbatches, 3u);
  EXPECT_EQ(many.batches_seen, many.plan.nbatches);

  ASSERT_EQ(one.series.size(), ntrials);
  ASSERT_EQ(many.series.size(), ntrials);
  for (size_t t = 0; t < ntrials; ++t) {
    EXPECT_EQ(streamed[t].size(), pipe.trial_nsamp(t)) << "trial " << t;
    ASSERT_TRUE(one.series[t] == streamed[t]) << "one batch, trial " << t;
    ASSERT_TRUE(many.series[t] == streamed[t]) << "many batches, trial " << t;
  }

  // Too small for even one series beside the driver: Environment error.
  PipelineConfig starved = roomy;
  starved.resources.memory_gb =
      static_cast<double>(pipe.memory_bytes() + per_trial / 2) / 1e9;
  EXPECT_THROW(run_whole(*file_, starved), Error);
}

TEST(WholeSeriesPlan, BatchArithmetic) {
  // Trials at ds 2 and 4: the budget is the longest (ds 2) trial, 1000 / 2 floats.
  std::vector<DmTrial> trials;
  for (int i = 0; i < 25; ++i) trials.push_back({i * 1.0, i < 10 ? 2 : 4, i / 5});
  const uint64_t driver = 1'000'000;
  const WholeSeriesBatchPlan p = plan_whole_series(trials, 1001, driver, driver + 10 * 2000 + 5);
  EXPECT_EQ(p.bytes_per_trial, 2000u);
  EXPECT_EQ(p.trials_per_batch, 10u);
  EXPECT_EQ(p.nbatches, 3u);
  EXPECT_EQ(p.series_bytes_per_batch, 20000u);
  EXPECT_LE(p.trials_per_batch * p.bytes_per_trial, 10 * 2000u + 5);

  const WholeSeriesBatchPlan all = plan_whole_series(trials, 1001, driver, driver * 10);
  EXPECT_EQ(all.trials_per_batch, 25u);
  EXPECT_EQ(all.nbatches, 1u);

  // One byte short of one trial, or a driver alone over the limit: errors.
  EXPECT_THROW(plan_whole_series(trials, 1001, driver, driver + 1999), Error);
  EXPECT_THROW(plan_whole_series(trials, 1001, driver, driver - 1), Error);
}

}  // namespace
}  // namespace tianyan::test
