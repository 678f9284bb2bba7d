// Whole series in batches: the series do not depend on how many batches the memory limit
// forces (later batches replay the first one's RFI cleaning), they equal what the streaming
// driver produces, and the batch arithmetic (trials budgeted at their downsampled length,
// batches at subband-group boundaries) keeps every batch under the limit.
#include "pipeline/whole_series.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/common/error.hpp"
#include "kernels/rfi/rfi.hpp"
#include "pipeline/clean_dedisperse.hpp"
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
    for (const TrialSeries& s : batch) {
      EXPECT_EQ(s.index, r.series.size()) << "batches arrive in DM order";
      r.series.emplace_back(s.data.begin(), s.data.end());  // a view: copied to keep
    }
  });
  return r;
}

// The streaming driver's own output, gulp by gulp, over all trials, in one pass.
std::vector<std::vector<float>> stream_all(const std::string& file, const PipelineConfig& config) {
  auto reader = open_beam(discover_beams({file}).front());
  StreamOptions options;
  options.threads = 2;
  CleanDedisperse pipe(*reader, config, options);
  std::vector<std::vector<float>> streamed(pipe.trials().size());
  StageTimes times;
  pipe.run(
      [&](const DedispGulp& g) {
        for (size_t t = 0; t < streamed.size(); ++t) {
          streamed[t].insert(streamed[t].end(), g.row(t), g.row(t) + g.count(t));
        }
      },
      times);
  for (size_t t = 0; t < streamed.size(); ++t) {
    EXPECT_EQ(streamed[t].size(), pipe.trial_nsamp(t)) << "trial " << t;
  }
  return streamed;
}

// The driver's bytes besides its output at a gulp of one unit, with the RFI replay: what
// every batch holds before its series and output.
uint64_t fixed_bytes_at_one_unit(const std::string& file, const PipelineConfig& config) {
  auto reader = open_beam(discover_beams({file}).front());
  const ObservationInfo& info = reader->info();
  StreamOptions options;
  options.threads = 2;
  options.gulp_nsamp = 1;  // rounded up to one unit
  const StreamPlan sp = plan_stream(info, config, options, false);
  EXPECT_EQ(sp.gulp, sp.unit);
  return sp.memory.total() - sp.memory.dedisp_output +
         rfi_replay_bytes(info.nchan(), info.nsamples, config.rfi.block_nsamp);
}

uint64_t total_series_bytes(const WholeSeriesBatchPlan& p) {
  uint64_t sum = 0;
  for (const WholeSeriesBatch& b : p.batches) sum += b.series_bytes;
  return sum;
}

void expect_same_series(const std::vector<std::vector<float>>& streamed, const WholeRun& run,
                        const char* what) {
  ASSERT_EQ(run.series.size(), streamed.size()) << what;
  for (size_t t = 0; t < streamed.size(); ++t) {
    ASSERT_TRUE(run.series[t] == streamed[t]) << what << ", trial " << t;
  }
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
  const std::vector<std::vector<float>> streamed = stream_all(*file_, roomy);
  ASSERT_GE(streamed.size(), 8u);

  const WholeRun one = run_whole(*file_, roomy);
  EXPECT_EQ(one.plan.nbatches(), 1u);
  EXPECT_EQ(one.batches_seen, 1u);
  expect_same_series(streamed, one, "one batch");

  // Room for about a quarter of the series beside the driver: several batches, the later
  // ones replaying the first one's RFI cleaning.
  const uint64_t series = total_series_bytes(one.plan);
  PipelineConfig tight = roomy;
  tight.resources.memory_gb =
      static_cast<double>(fixed_bytes_at_one_unit(*file_, roomy) + series / 4) / 1e9;
  const WholeRun many = run_whole(*file_, tight);
  EXPECT_GE(many.plan.nbatches(), 4u);
  EXPECT_LE(many.plan.nbatches(), 7u);
  EXPECT_EQ(many.batches_seen, many.plan.nbatches());
  EXPECT_LE(many.plan.fixed_bytes + many.plan.max_batch_bytes, many.plan.limit_bytes);
  expect_same_series(streamed, many, "several batches");

  // Too small for even one series beside the driver: Environment error.
  PipelineConfig starved = roomy;
  starved.resources.memory_gb =
      static_cast<double>(fixed_bytes_at_one_unit(*file_, roomy) + 1000) / 1e9;
  EXPECT_THROW(run_whole(*file_, starved), Error);
}

TEST_F(WholeSeriesTest, GroupsTooLargeForOneBatchAreCut) {
  // DM 0-5: a few subband groups at full resolution; room for about half a group per batch.
  PipelineConfig config = small_config();
  config.dedisp.plan.dm_hi = 5;
  const std::vector<std::vector<float>> streamed = stream_all(*file_, config);
  auto reader = open_beam(discover_beams({*file_}).front());
  StreamOptions options;
  options.threads = 2;
  options.gulp_nsamp = 1;  // one unit
  const StreamPlan sp = plan_stream(reader->info(), config, options, false);
  const std::vector<DmTrial> trials = sp.plan.trials();
  size_t largest = 0, ngroups = 0;
  for (size_t t = 0, run = 0; t < trials.size(); ++t) {
    run = t > 0 && trials[t].group == trials[t - 1].group ? run + 1 : 1;
    ngroups += run == 1;
    largest = std::max(largest, run);
    ASSERT_EQ(trials[t].downsample, 1);
  }
  ASSERT_GE(largest, 4u);
  const uint64_t per_trial = reader->info().nsamples * sizeof(float);
  const size_t piece = largest / 2 + 1;
  PipelineConfig tight = config;
  tight.resources.memory_gb =
      static_cast<double>(fixed_bytes_at_one_unit(*file_, config) +
                          largest * sp.unit * sizeof(float) + piece * per_trial) /
      1e9;
  const WholeRun cut = run_whole(*file_, tight);
  EXPECT_EQ(cut.plan.gulp_nsamp, sp.unit);
  EXPECT_GT(cut.plan.nbatches(), ngroups);
  bool some_cut = false;
  for (const WholeSeriesBatch& b : cut.plan.batches) {
    EXPECT_LE(b.end - b.begin, piece);
    some_cut = some_cut || (b.begin > 0 && trials[b.begin - 1].group == trials[b.begin].group);
  }
  EXPECT_TRUE(some_cut) << "a batch starts inside a subband group";
  expect_same_series(streamed, cut, "groups cut across batches");
}

TEST_F(WholeSeriesTest, TheGulpStreamingTheLeastWins) {
  auto reader = open_beam(discover_beams({*file_}).front());
  const ObservationInfo& info = reader->info();
  PipelineConfig config = small_config();
  config.input.gulp_s = 100;  // capped at the stream: 3 s, several units of 4096 samples
  const WholeSeriesBatchPlan roomy = plan_whole_series(info, config, 2, 0);
  StreamOptions options;
  options.threads = 2;
  const StreamPlan largest = plan_stream(info, config, options, false);
  ASSERT_GE(largest.gulp, 4 * largest.unit);
  EXPECT_EQ(roomy.nbatches(), 1u);
  EXPECT_EQ(roomy.gulp_nsamp, largest.gulp) << "one batch at the largest gulp";
  EXPECT_EQ(roomy.overlap, largest.overlap);

  // A limit between the driver's needs at the largest gulp and at one unit: smaller gulps
  // leave more room for series, at the cost of streaming the look-ahead more often.
  config.resources.memory_gb =
      static_cast<double>(fixed_bytes_at_one_unit(*file_, config) + total_series_bytes(roomy) / 3) /
      1e9;
  const WholeSeriesBatchPlan tight = plan_whole_series(info, config, 2, 0);
  EXPECT_LT(tight.gulp_nsamp, largest.gulp);
  EXPECT_GT(tight.nbatches(), 1u);
  const auto limit = static_cast<uint64_t>(config.resources.memory_gb * 1e9);
  const uint64_t replay = rfi_replay_bytes(info.nchan(), info.nsamples, config.rfi.block_nsamp);
  size_t compared = 0;
  for (const uint64_t g : whole_series_gulps(largest.gulp, largest.unit)) {
    options.gulp_nsamp = g;
    const StreamPlan sp = plan_stream(info, config, options, false);
    const uint64_t fixed = sp.memory.total() - sp.memory.dedisp_output + replay;
    try {
      WholeSeriesBatchPlan p =
          pack_whole_series(largest.plan.trials(), info.nsamples, g, fixed, limit);
      p.overlap = sp.overlap;
      ++compared;
      if (g > tight.gulp_nsamp) EXPECT_GT(p.stream_volume(), tight.stream_volume()) << g;
      if (g < tight.gulp_nsamp) EXPECT_GE(p.stream_volume(), tight.stream_volume()) << g;
    } catch (const Error&) {
    }
  }
  EXPECT_GE(compared, 2u);
}

TEST(WholeSeriesGulps, AboutThreePerOctave) {
  EXPECT_EQ(whole_series_gulps(10, 1), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 10}));
  EXPECT_EQ(whole_series_gulps(40, 2),
            (std::vector<uint64_t>{2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 30, 36, 40}));
  EXPECT_EQ(whole_series_gulps(7, 7), (std::vector<uint64_t>{7}));
  WholeSeriesBatchPlan p;
  p.gulp_nsamp = 4;
  p.overlap = 6;
  p.batches.resize(3);
  EXPECT_DOUBLE_EQ(p.stream_volume(), 3 * (2 + 1.5));
}

TEST(WholeSeriesPack, TrialsCostTheirDownsampledLength) {
  // 4 groups: 5 trials at ds 1, 5 at ds 2, 10 at ds 4 (two groups). 1000 samples, gulps of 8.
  std::vector<DmTrial> trials;
  for (int i = 0; i < 20; ++i) trials.push_back({i * 1.0, i < 5 ? 1 : i < 10 ? 2 : 4, i / 5});
  const uint64_t fixed = 1'000'000;
  auto series = [](int ds) { return 1000 / ds * 4; };  // bytes
  auto output = [](int ds) { return 8 / ds * 4; };
  uint64_t all = 0;
  for (const DmTrial& t : trials) all += series(t.downsample) + output(t.downsample);
  EXPECT_EQ(all, 5 * (4000 + 32) + 5 * (2000 + 16) + 10 * (1000 + 8));

  const WholeSeriesBatchPlan one = pack_whole_series(trials, 1000, 8, fixed, fixed + all);
  ASSERT_EQ(one.nbatches(), 1u);
  EXPECT_EQ(one.max_batch_bytes, all);
  EXPECT_EQ(one.batches[0].series_bytes, 5u * 4000 + 5 * 2000 + 10 * 1000);
  EXPECT_EQ(one.batches[0].output_bytes, 5u * 32 + 5 * 16 + 10 * 8);

  // Room for the ds-1 group (20160 bytes): then the ds-2 and both ds-4 groups fit together.
  const WholeSeriesBatchPlan two = pack_whole_series(trials, 1000, 8, fixed, fixed + 20160);
  ASSERT_EQ(two.nbatches(), 2u);
  EXPECT_EQ(two.batches[0].begin, 0u);
  EXPECT_EQ(two.batches[0].end, 5u);
  EXPECT_EQ(two.batches[1].begin, 5u);
  EXPECT_EQ(two.batches[1].end, 20u);
  EXPECT_EQ(two.max_batch_bytes, 20160u);
  // Budgeting every trial at the longest (ds 1) length, as before, would take 4 batches.
  const uint64_t per_trial_before = 4000;
  EXPECT_EQ((trials.size() + 20160 / per_trial_before - 1) / (20160 / per_trial_before), 4u);

  // Room for 2 ds-1 trials and their group's output (8160 bytes): the first group is cut in
  // pieces of 2, 2 and 1 (each piece's driver dedisperses, and holds the output of, the whole
  // group); the ds-2 group (10080 bytes) in 4 and 1, its last trial sharing a batch with the
  // first ds-4 group (2080 + 5040 bytes); the last ds-4 group whole.
  const uint64_t room = 2 * 4000 + 5 * 32;
  const WholeSeriesBatchPlan cut = pack_whole_series(trials, 1000, 8, fixed, fixed + room);
  std::vector<size_t> ends;
  for (const WholeSeriesBatch& b : cut.batches) {
    ends.push_back(b.end);
    EXPECT_LE(b.series_bytes + b.output_bytes, room);
  }
  EXPECT_EQ(ends, (std::vector<size_t>{2, 4, 5, 9, 15, 20}));
  EXPECT_EQ(cut.batches[0].output_bytes, 5u * 32);
  EXPECT_EQ(cut.batches[4].series_bytes, 2000u + 5 * 1000);
  EXPECT_EQ(cut.batches[4].output_bytes, 5u * 16 + 5 * 8);

  // One byte short of one trial and its group's output, or a driver alone over the limit.
  EXPECT_THROW(pack_whole_series(trials, 1000, 8, fixed, fixed + 4000 + 5 * 32 - 1), Error);
  EXPECT_THROW(pack_whole_series(trials, 1000, 8, fixed, fixed - 1), Error);
}

}  // namespace
}  // namespace tianyan::test
