// The streaming driver (clean + dedisperse) on each placement of its two stages: RFI excision
// and dedispersion on the CPU or a CUDA device, and both on the device, where the cleaned gulp
// never leaves it (the RFI cleaner writes into the dedisperser's device input and the
// look-ahead moves on the device). Every placement gives the CPU's series and mask bit for bit
// (tolerance 0: the CUDA RFI cleaner and dedisperser each match the CPU exactly,
// tests/rfi/rfi_backend_parity_test.cpp and tests/dedisp/dedisp_backend_parity_test.cpp), with
// gulps shorter than the look-ahead too, so the look-ahead moves in several pieces. Skips,
// saying why, without a CUDA device. The simulated beam is an 8-bit filterbank, so a CUDA
// cleaner is fed the file's bytes and unpacks them on the device. Where there is none: CUDA placements still plan (a GPU
// job can be planned on a login node), and building their stages is an Environment error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "io/reader.hpp"
#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "tests/common/test_util.hpp"
#include "tests/pipeline/pipeline_test_data.hpp"

namespace tianyan::test {
namespace {

struct Streamed {
  std::vector<std::vector<float>> series;  // per trial
  std::vector<uint8_t> mask;               // every block's cells
  std::vector<std::vector<uint32_t>> clipped;  // every block's clipped samples
  uint64_t gulp = 0, overlap = 0;
};

ComputeTarget on(Backend b) { return ComputeTarget{b, 0, ""}; }

Streamed stream(const std::string& file, const PipelineConfig& config, Backend rfi,
                Backend dedisp, uint64_t gulp) {
  auto reader = open_beam(discover_beams({file}).front());
  StreamOptions options;
  options.threads = 2;
  options.gulp_nsamp = gulp;
  options.rfi = on(rfi);
  options.dedisp = on(dedisp);
  CleanDedisperse pipe(*reader, config, options);
  Streamed s;
  s.gulp = pipe.gulp_nsamp();
  s.overlap = pipe.overlap();
  s.series.resize(pipe.trials().size());
  StageTimes times;
  const RfiMask mask = pipe.run(
      [&s](const DedispGulp& g) {
        for (size_t t = 0; t < s.series.size(); ++t) {
          s.series[t].insert(s.series[t].end(), g.row(t), g.row(t) + g.count(t));
        }
      },
      times);
  for (uint64_t b = 0; b < mask.nblocks(); ++b) {
    s.mask.insert(s.mask.end(), mask.block_cells(b), mask.block_cells(b) + reader->info().nchan());
    s.clipped.push_back(mask.clipped(b));
  }
  return s;
}

class StreamBackendParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    file_ = new std::string(simulate_small(*dir_, "parity", 23));
  }
  static void TearDownTestSuite() {
    delete file_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::string* file_;
};
TempDir* StreamBackendParity::dir_ = nullptr;
std::string* StreamBackendParity::file_ = nullptr;

TEST_F(StreamBackendParity, EveryPlacementGivesTheCpuSeriesAndMask) {
  if (const auto problem = cuda_device_problem(0, query_cuda_devices())) {
    GTEST_SKIP() << "no CUDA device to compare with: " << *problem;
  }
  const PipelineConfig config = small_config();
  for (const uint64_t gulp : {uint64_t{4096}, uint64_t{3 * 4096}}) {
    const Streamed cpu = stream(*file_, config, Backend::Cpu, Backend::Cpu, gulp);
    ASSERT_FALSE(cpu.series.empty());
    if (gulp == 4096) {
      EXPECT_GT(cpu.overlap, cpu.gulp) << "the look-ahead should outgrow the gulp here";
    }
    for (const auto [rfi, dedisp] : {std::pair{Backend::Cuda, Backend::Cpu},
                                      std::pair{Backend::Cpu, Backend::Cuda},
                                      std::pair{Backend::Cuda, Backend::Cuda}}) {
      const std::string what = std::string("rfi ") + (rfi == Backend::Cuda ? "cuda" : "cpu") +
                               ", dedisp " + (dedisp == Backend::Cuda ? "cuda" : "cpu") +
                               ", gulp " + std::to_string(gulp);
      const Streamed got = stream(*file_, config, rfi, dedisp, gulp);
      EXPECT_EQ(got.gulp, cpu.gulp) << what;
      EXPECT_EQ(got.mask, cpu.mask) << what;
      EXPECT_EQ(got.clipped, cpu.clipped) << what;
      ASSERT_EQ(got.series.size(), cpu.series.size()) << what;
      for (size_t t = 0; t < cpu.series.size(); ++t) {
        ASSERT_EQ(got.series[t], cpu.series[t]) << what << ", trial " << t;
      }
    }
  }
}

TEST_F(StreamBackendParity, CudaPlacementsPlanAnywhereAndFailToBuildWithoutAGpu) {
  if (!cuda_device_problem(0, query_cuda_devices())) {
    GTEST_SKIP() << "this machine has a usable CUDA device";
  }
  auto reader = open_beam(discover_beams({*file_}).front());
  const PipelineConfig config = small_config();
  StreamOptions cpu_options;
  const StreamPlan cpu = plan_stream(reader->info(), config, cpu_options);
  for (const auto [rfi, dedisp] : {std::pair{Backend::Cuda, Backend::Cpu},
                                    std::pair{Backend::Cpu, Backend::Cuda},
                                    std::pair{Backend::Cuda, Backend::Cuda}}) {
    StreamOptions options;
    options.rfi = on(rfi);
    options.dedisp = on(dedisp);
    // A plan for a GPU node is made without one: the same gulp and trials as the CPU's; with
    // both stages on the device the cleaned gulp is held there, not in host memory.
    const StreamPlan p = plan_stream(reader->info(), config, options);
    EXPECT_EQ(p.gulp, cpu.gulp);
    EXPECT_EQ(p.trials.size(), cpu.trials.size());
    const bool resident = rfi == Backend::Cuda && dedisp == Backend::Cuda;
    const size_t nchan = reader->info().nchan();
    const uint64_t clean_bytes = (p.gulp + p.overlap) * nchan * sizeof(float);
    // A CUDA cleaner also holds a raw block as bytes (8-bit samples cross PCIe as such).
    const uint64_t packed_bytes = rfi == Backend::Cuda ? config.rfi.block_nsamp * nchan * 2 : 0;
    EXPECT_EQ(p.memory.buffers,
              cpu.memory.buffers - (resident ? clean_bytes : 0) + packed_bytes);
    try {
      CleanDedisperse pipe(*reader, config, options);
      ADD_FAILURE() << "built a CUDA stage without a GPU";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Environment) << e.what();
      EXPECT_NE(std::string(e.what()).find("cannot run"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tianyan::test
