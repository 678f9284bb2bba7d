// Later whole-series passes replay the first pass's RFI cleaning instead of recomputing it:
// the replayed data must be the recomputed data bit for bit, whatever the gulps of either
// pass, for every cleaning option that changes how the recorded parameters are applied
// (normalisation, zero-DM, clipping, a loaded mask). Also: the driver's plan, made without
// building anything, states the memory the built driver holds.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/common/error.hpp"
#include "kernels/dedisp/dedisperser.hpp"
#include "kernels/rfi/rfi.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "pipeline/simulate/simulate.hpp"
#include "tests/common/test_util.hpp"
#include "tests/pipeline/pipeline_test_data.hpp"

namespace tianyan::test {
namespace {

constexpr uint64_t kBlock = 2048;

// 256 channels, 3 s at 98.304 us (36621 samples: a partial last block), with interference of
// every kind the cleaning reacts to: a carrier switching on and off, a broadband burst
// (clipped), the noise diode, the mains.
std::string simulate_rfi(const TempDir& dir) {
  const std::string toml = dir / "rfi.toml";
  std::ofstream(toml) << R"([observation]
source = "RFI"
duration_s = 3.6
tsamp_s = 98.304e-6
nchan = 256
freq_lo_mhz = 1000.0
freq_hi_mhz = 1500.0
npol = 1
nbits = 8
seed = 5

[output]
format = "filterbank"

[[pulsar]]
period_s = 0.3
dm = 40.0
snr = 30.0

[[rfi.narrowband]]
freq_mhz = 1176.45
width_mhz = 4.0
amplitude_sigma = 8.0

[[rfi.narrowband]]
freq_mhz = 1381.05
width_mhz = 2.0
amplitude_sigma = 10.0
modulation = "onoff"
modulation_period_s = 1.0
duty_cycle = 0.3

[[rfi.burst]]
time_s = 1.1
width_s = 0.005
amplitude_sigma = 20.0

[[rfi.periodic]]
frequency_hz = 50.0
duty_cycle = 0.1
amplitude_sigma = 0.5

[rfi.noise_diode]
enabled = true
period_s = 0.201326592
duty_cycle = 0.5
amplitude_sigma = 0.3
)";
  SimulateOptions options;
  options.threads = 2;
  return simulate(load_sim_config(toml), dir / "rfi", options).files.front();
}

struct Stream {
  ObservationInfo info;
  std::vector<float> data;  // nsamples x nchan
};

Stream read_all(const std::string& file) {
  auto reader = open_beam(discover_beams({file}).front());
  Stream s;
  s.info = reader->info();
  s.data.resize(s.info.nsamples * s.info.nchan());
  EXPECT_EQ(reader->read(0, s.info.nsamples, s.data.data()), s.info.nsamples);
  return s;
}

// Cleans the stream in gulps of `gulp` fresh blocks with `lookahead` blocks of look-ahead, as
// a driver does. Returns every fresh sample's output; each look-ahead output is checked
// against the fresh output of the same sample in the next call.
std::vector<float> clean_stream(RfiCleaner& rfi, const Stream& s, uint64_t gulp,
                                uint64_t lookahead) {
  const size_t nchan = s.info.nchan();
  const uint64_t total = s.info.nsamples;
  std::vector<float> fresh(total * nchan), ahead(total * nchan), out;
  std::vector<bool> have_ahead(total, false);
  for (uint64_t start = 0; start < total; start += gulp * kBlock) {
    const uint64_t nfresh = std::min(gulp * kBlock, total - start);
    const uint64_t nsamp = std::min(nfresh + lookahead * kBlock, total - start);
    out.resize(nsamp * nchan);
    rfi.process(s.data.data() + start * nchan, out.data(), start, nsamp, nfresh);
    std::copy(out.begin(), out.begin() + static_cast<ptrdiff_t>(nfresh * nchan),
              fresh.begin() + static_cast<ptrdiff_t>(start * nchan));
    std::copy(out.begin() + static_cast<ptrdiff_t>(nfresh * nchan), out.end(),
              ahead.begin() + static_cast<ptrdiff_t>((start + nfresh) * nchan));
    for (uint64_t t = start + nfresh; t < start + nsamp; ++t) have_ahead[t] = true;
  }
  for (uint64_t t = 0; t < total; ++t) {
    if (!have_ahead[t]) continue;
    const auto row = static_cast<ptrdiff_t>(t * nchan);
    EXPECT_TRUE(std::equal(ahead.begin() + row, ahead.begin() + row + static_cast<ptrdiff_t>(nchan),
                           fresh.begin() + row))
        << "look-ahead sample " << t;
  }
  return fresh;
}

class RfiReplayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    stream_ = new Stream(read_all(simulate_rfi(*dir_)));
  }
  static void TearDownTestSuite() {
    delete stream_;
    delete dir_;
  }
  static RfiConfig config() {
    RfiConfig c;
    c.block_nsamp = kBlock;
    c.stats.history_blocks = 3;
    return c;
  }
  // Recomputed (gulps of 2 blocks + 1 ahead) vs recorded in one-block calls and replayed in
  // gulps of 3 blocks + 2 ahead: the same bits, the same mask.
  static void expect_replay_matches(const RfiConfig& c, const RfiMask* reuse = nullptr) {
    const Stream& s = *stream_;
    auto plain = make_rfi_cleaner_cpu(c, s.info, 2, reuse);
    const std::vector<float> recomputed = clean_stream(*plain, s, 2, 1);
    auto recorder = make_rfi_cleaner_cpu(c, s.info, 1, reuse, true);
    const std::vector<float> recorded = clean_stream(*recorder, s, 1, 0);
    ASSERT_TRUE(recorded == recomputed) << "recording changes nothing";
    const RfiReplay replay = recorder->take_replay();
    EXPECT_TRUE(replay.mask == plain->mask());
    auto replayer = make_rfi_replayer_cpu(c, s.info, 2, replay);
    const std::vector<float> replayed = clean_stream(*replayer, s, 3, 2);
    EXPECT_TRUE(replayed == recomputed) << "replayed bit for bit";
    EXPECT_TRUE(replayer->mask() == plain->mask());
  }
  static TempDir* dir_;
  static Stream* stream_;
};
TempDir* RfiReplayTest::dir_ = nullptr;
Stream* RfiReplayTest::stream_ = nullptr;

TEST_F(RfiReplayTest, ReplayEqualsRecomputingWithTheDefaults) {
  const RfiConfig c = config();
  {
    // The data exercise what the replay must carry: masked cells and clipped samples.
    auto cleaner = make_rfi_cleaner_cpu(c, stream_->info, 2);
    clean_stream(*cleaner, *stream_, 4, 0);
    const RfiMaskSummary sum = cleaner->mask().summary();
    EXPECT_GT(sum.total_fraction, 0.005);
    EXPECT_GT(sum.clipped_fraction, 0.0);
    EXPECT_NE(stream_->info.nsamples % kBlock, 0u) << "a partial last block";
  }
  expect_replay_matches(c);
}

TEST_F(RfiReplayTest, ReplayEqualsRecomputingWithZeroDm) {
  RfiConfig c = config();
  c.zero_dm.enabled = true;
  expect_replay_matches(c);
}

TEST_F(RfiReplayTest, ReplayEqualsRecomputingWithoutNormalisation) {
  RfiConfig c = config();
  c.normalise.enabled = false;
  c.zero_dm.enabled = true;  // then zero-DM works about each channel's centre
  expect_replay_matches(c);
}

TEST_F(RfiReplayTest, ReplayEqualsRecomputingWithoutClipping) {
  RfiConfig c = config();
  c.clip.enabled = false;
  expect_replay_matches(c);
}

TEST_F(RfiReplayTest, ReplayEqualsRecomputingWithALoadedMask) {
  const RfiConfig c = config();
  auto cleaner = make_rfi_cleaner_cpu(c, stream_->info, 2);
  clean_stream(*cleaner, *stream_, 4, 0);
  const RfiMask loaded = cleaner->mask();
  expect_replay_matches(c, &loaded);
}

TEST_F(RfiReplayTest, RefusesWhatWasNotRecorded) {
  const RfiConfig c = config();
  const Stream& s = *stream_;
  const size_t nchan = s.info.nchan();
  auto plain = make_rfi_cleaner_cpu(c, s.info, 1);
  EXPECT_THROW(plain->take_replay(), Error);
  auto recorder = make_rfi_cleaner_cpu(c, s.info, 1, nullptr, true);
  std::vector<float> out(2 * kBlock * nchan);
  recorder->process(s.data.data(), out.data(), 0, 2 * kBlock, 2 * kBlock);
  const RfiReplay two_blocks = recorder->take_replay();
  ASSERT_EQ(two_blocks.mask.nblocks(), 2u);
  auto replayer = make_rfi_replayer_cpu(c, s.info, 1, two_blocks);
  replayer->process(s.data.data(), out.data(), 0, kBlock, kBlock);
  EXPECT_THROW(
      replayer->process(s.data.data() + kBlock * nchan, out.data(), kBlock, 2 * kBlock, kBlock),
      Error)
      << "the look-ahead block 2 was not recorded";
}

// The driver: a pass that replays the first pass's cleaning, at another gulp and for a part of
// the trials, gives the same series as recomputing.
TEST_F(RfiReplayTest, DriverReplayGivesTheSameSeries) {
  PipelineConfig config = small_config();
  config.rfi = RfiReplayTest::config();
  const std::string file = (dir_->path() / "rfi.fil").string();
  auto reader = open_beam(discover_beams({file}).front());
  auto collect = [&](const StreamOptions& options, RfiReplay* replay_out) {
    CleanDedisperse pipe(*reader, config, options);
    std::vector<std::vector<float>> series(pipe.trials().size());
    StageTimes times;
    pipe.run(
        [&](const DedispGulp& g) {
          for (size_t t = 0; t < series.size(); ++t) {
            series[t].insert(series[t].end(), g.row(t), g.row(t) + g.count(t));
          }
        },
        times);
    if (replay_out != nullptr) *replay_out = pipe.take_rfi_replay();
    return series;
  };
  StreamOptions options;
  options.threads = 2;
  options.gulp_nsamp = 2 * kBlock;
  options.record_rfi_replay = true;
  RfiReplay replay;
  const std::vector<std::vector<float>> recomputed = collect(options, &replay);

  StreamOptions later;
  later.threads = 1;
  later.gulp_nsamp = 5 * kBlock;
  later.rfi_replay = &replay;
  const std::vector<std::vector<float>> replayed = collect(later, nullptr);
  ASSERT_EQ(replayed.size(), recomputed.size());
  for (size_t t = 0; t < recomputed.size(); ++t) {
    ASSERT_TRUE(replayed[t] == recomputed[t]) << "trial " << t;
  }
  later.trial_begin = 100;
  later.trial_end = 140;
  later.threads = 2;
  CleanDedisperse part(*reader, config, later);
  std::vector<std::vector<float>> sub(part.trials().size());
  StageTimes times;
  part.run(
      [&](const DedispGulp& g) {
        for (size_t t = 0; t < sub.size(); ++t) {
          sub[t].insert(sub[t].end(), g.row(t), g.row(t) + g.count(t));
        }
      },
      times);
  for (size_t t = 0; t < sub.size(); ++t) {
    ASSERT_TRUE(sub[t] == recomputed[part.first_trial() + t]) << "trial " << part.first_trial() + t;
  }
}

TEST_F(RfiReplayTest, PlansStateWhatTheBuiltDriverHolds) {
  PipelineConfig config = small_config();
  const std::string file = (dir_->path() / "rfi.fil").string();
  auto reader = open_beam(discover_beams({file}).front());
  for (const char* algorithm : {"subband", "brute"}) {
    config.dedisp.algorithm = algorithm;
    for (const size_t begin : {size_t{0}, size_t{200}}) {
      StreamOptions options;
      options.threads = 2;
      options.trial_begin = begin;
      options.trial_end = begin == 0 ? 0 : begin + 50;
      const StreamPlan p = plan_stream(reader->info(), config, options);
      const CleanDedisperse pipe(*reader, config, options);
      EXPECT_EQ(p.gulp, pipe.gulp_nsamp()) << algorithm;
      EXPECT_EQ(p.overlap, pipe.overlap()) << algorithm;
      EXPECT_EQ(p.first_trial, pipe.first_trial()) << algorithm;
      EXPECT_EQ(p.trials.size(), pipe.trials().size()) << algorithm;
      EXPECT_EQ(p.memory.total(), pipe.memory_bytes()) << algorithm;
      EXPECT_EQ(p.memory.dedisp_output, pipe.output_size() * sizeof(float)) << algorithm;

      // The kernel's footprint is the built dedisperser's.
      DedispSetup setup =
          make_dedisp_setup(p.plan, reader->info().freqs_mhz, p.gulp, 2,
                            std::string(algorithm) == "brute" ? DedispAlgorithm::BruteForce
                                                              : DedispAlgorithm::Subband);
      setup.trials = p.trials;
      const DedispFootprint f = dedisp_footprint(Backend::Cpu, setup);
      const auto built = make_dedisperser(Backend::Cpu, setup);
      EXPECT_EQ(f.overlap, built->overlap()) << algorithm;
      EXPECT_EQ(f.workspace_bytes, built->workspace_bytes()) << algorithm;
      EXPECT_EQ(f.output_size, built->output_size()) << algorithm;
    }
  }
}

}  // namespace
}  // namespace tianyan::test
