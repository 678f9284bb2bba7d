// The clean + dedisperse driver on a small simulated observation: the series do not depend on
// the gulp size or the thread count, every trial has floor(nsamples / ds) samples, and the
// series names are unique.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "kernels/common/error.hpp"
#include "io/reader.hpp"
#include "io/timeseries_io.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "pipeline/series_writer.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "tests/common/test_util.hpp"
#include "tests/pipeline/pipeline_test_data.hpp"

namespace tianyan::test {
namespace {

struct Series {
  std::vector<std::vector<float>> data;  // per trial
  uint64_t gulp = 0;
  uint64_t overlap = 0;
};

Series run_pipeline(const std::string& file, const PipelineConfig& config, uint64_t gulp,
                    int threads) {
  auto reader = open_beam(discover_beams({file}).front());
  StreamOptions options;
  options.threads = threads;
  options.gulp_nsamp = gulp;
  CleanDedisperse pipe(*reader, config, options);
  Series s;
  s.gulp = pipe.gulp_nsamp();
  s.overlap = pipe.overlap();
  s.data.resize(pipe.trials().size());
  StageTimes times;
  pipe.run(
      [&s](const DedispGulp& g) {
        for (size_t t = 0; t < s.data.size(); ++t) {
          s.data[t].insert(s.data[t].end(), g.row(t), g.row(t) + g.count(t));
        }
      },
      times);
  for (size_t t = 0; t < s.data.size(); ++t) {
    EXPECT_EQ(s.data[t].size(), pipe.trial_nsamp(t)) << "trial " << t;
  }
  return s;
}

class CleanDedisperseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    file_ = new std::string(simulate_small(*dir_, "pipe", 11));
  }
  static void TearDownTestSuite() {
    delete file_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::string* file_;
};
TempDir* CleanDedisperseTest::dir_ = nullptr;
std::string* CleanDedisperseTest::file_ = nullptr;

TEST_F(CleanDedisperseTest, GulpSizeDoesNotChangeTheSeries) {
  const PipelineConfig config = small_config();
  const Series small = run_pipeline(*file_, config, 4096, 2);
  const Series large = run_pipeline(*file_, config, 3 * 4096, 2);
  ASSERT_NE(small.gulp, large.gulp);
  // The gulp boundaries fall inside the overlap region and near the end of the stream.
  EXPECT_GT(small.overlap, 0u);
  ASSERT_EQ(small.data.size(), large.data.size());
  for (size_t t = 0; t < small.data.size(); ++t) {
    ASSERT_TRUE(small.data[t] == large.data[t]) << "trial " << t;
  }
}

TEST_F(CleanDedisperseTest, ThreadCountDoesNotChangeTheSeries) {
  const PipelineConfig config = small_config();
  const Series one = run_pipeline(*file_, config, 2 * 4096, 1);
  const Series two = run_pipeline(*file_, config, 2 * 4096, 2);
  ASSERT_EQ(one.data.size(), two.data.size());
  for (size_t t = 0; t < one.data.size(); ++t) {
    ASSERT_TRUE(one.data[t] == two.data[t]) << "trial " << t;
  }
}

TEST_F(CleanDedisperseTest, MemoryLimitShrinksTheGulp) {
  PipelineConfig config = small_config();
  config.input.gulp_s = 100;  // larger than the stream: capped at the stream's length
  auto reader = open_beam(discover_beams({*file_}).front());
  StreamOptions options;
  options.threads = 1;
  const CleanDedisperse roomy(*reader, config, options);
  config.resources.memory_gb = static_cast<double>(roomy.memory_bytes()) / 2e9;
  const CleanDedisperse tight(*reader, config, options);
  EXPECT_LT(tight.gulp_nsamp(), roomy.gulp_nsamp());
  EXPECT_LE(static_cast<double>(tight.memory_bytes()), config.resources.memory_gb * 1e9);
  config.resources.memory_gb = 0.001;  // 1 MB: not even one block of 256 channels + overlap
  EXPECT_THROW(CleanDedisperse(*reader, config, options), Error);
}

TEST(SeriesNames, HaveEnoughDecimalsToBeUnique) {
  const std::vector<DmTrial> coarse = {{0.0, 1, 0}, {0.5, 1, 0}, {1.0, 1, 0}};
  EXPECT_EQ(dm_labels(coarse), (std::vector<std::string>{"0.00", "0.50", "1.00"}));
  const std::vector<DmTrial> fine = {{10.0, 1, 0}, {10.001, 1, 0}, {10.002, 1, 0}};
  EXPECT_EQ(dm_labels(fine), (std::vector<std::string>{"10.000", "10.001", "10.002"}));
  // A step that is not a power of ten still yields distinct names.
  const std::vector<DmTrial> odd = {{1.0, 1, 0}, {1.0025, 1, 0}, {1.005, 1, 0}};
  const auto labels = dm_labels(odd);
  EXPECT_NE(labels[0], labels[1]);
  EXPECT_NE(labels[1], labels[2]);
}

TEST(SeriesSetWriter, PublishesNothingUntilCommitThenEverySeries) {
  TempDir dir;
  const std::vector<DmTrial> trials = {{0.0, 1, 0}, {10.0, 2, 1}};
  TimeSeries meta;
  meta.tsamp_s = 1e-3;
  meta.freq_lo_mhz = 1000;
  meta.bandwidth_mhz = 500;
  meta.nchan = 256;
  const std::vector<float> a = {1, 2, 3};
  {
    SeriesSetWriter failed(dir.path().string(), "x", meta, trials, SeriesFormat::Sigproc);
    failed.append(0, a.data(), 3);
  }  // destroyed without commit: a failed run
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));

  SeriesSetWriter writer(dir.path().string(), "x", meta, trials, SeriesFormat::Sigproc);
  for (int gulp = 0; gulp < 2; ++gulp) {
    writer.append(0, a.data(), 3);
    writer.append(1, a.data(), 2);
  }
  EXPECT_FALSE(std::filesystem::exists(writer.final_paths()[0]));
  writer.commit();
  const TimeSeries s0 = read_sigproc_tim(dir / "x_DM0.00.tim");
  EXPECT_EQ(s0.data, (std::vector<float>{1, 2, 3, 1, 2, 3}));
  const TimeSeries s1 = read_sigproc_tim(dir / "x_DM10.00.tim");
  EXPECT_EQ(s1.data, (std::vector<float>{1, 2, 1, 2}));
  EXPECT_DOUBLE_EQ(s1.tsamp_s, 2e-3);
  EXPECT_DOUBLE_EQ(s1.dm, 10.0);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2u);  // no temporaries left
}

}  // namespace
}  // namespace tianyan::test
