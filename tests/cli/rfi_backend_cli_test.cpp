// `tianyan rfi --backend`: `cpu`, `auto` and (on a GPU) `cuda` write the same mask and cleaned
// data bit for bit (the CUDA cleaner's contract, tests/rfi/rfi_backend_parity_test.cpp);
// `auto` says which it picked; `cuda` without a usable GPU exits 4 with the reason on one line
// and writes nothing, never a CPU run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/common/backend_select.hpp"
#include "kernels/common/device_query.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

TEST(RfiCli, BackendsWriteTheSameMaskAndCudaNeverRunsOnTheCpu) {
  TempDir dir;
  {
    std::ofstream f(dir / "sim.toml");
    f << "[observation]\nsource = \"RB\"\nduration_s = 1.0\ntsamp_s = 98.304e-6\nnchan = 64\n"
         "freq_lo_mhz = 1000.0\nfreq_hi_mhz = 1500.0\nnpol = 2\nnbits = 8\nseed = 7\n\n"
         "[output]\nformat = \"filterbank\"\n\n[[rfi.narrowband]]\nfreq_mhz = 1300.0\n"
         "width_mhz = 8.0\namplitude_sigma = 12.0\n";
    std::ofstream(dir / "pipe.toml") << "[rfi]\nblock_nsamp = 2048\n";
  }
  ASSERT_EQ(run_tianyan({"-q", "simulate", dir / "sim.toml", "-o", dir / "b"}).exit_code, 0);
  const auto run = [&](const char* backend, const std::string& out) {
    return run_tianyan({"rfi", dir / "b.fil", "-c", dir / "pipe.toml", "-o", out,
                        "--write-filterbank", "--backend", backend, "--device", "0"});
  };
  const auto cpu = run("cpu", dir / "cpu");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_EQ(cpu.err.find("backend"), std::string::npos) << "the default says nothing: " << cpu.err;

  const bool gpu = !cuda_device_problem(0, query_cuda_devices());
  const auto autob = run("auto", dir / "auto");
  ASSERT_EQ(autob.exit_code, 0) << autob.err;
  EXPECT_NE(autob.err.find(gpu ? "backend auto: CUDA device 0" : "backend auto: CPU ("),
            std::string::npos)
      << autob.err;
  EXPECT_EQ(read_text(dir / "auto/b.mask"), read_text(dir / "cpu/b.mask"));
  EXPECT_EQ(read_text(dir / "auto/b_clean.fil"), read_text(dir / "cpu/b_clean.fil"));

  const auto cuda = run("cuda", dir / "cuda");
  if (gpu) {
    ASSERT_EQ(cuda.exit_code, 0) << cuda.err;
    EXPECT_EQ(read_text(dir / "cuda/b.mask"), read_text(dir / "cpu/b.mask"));
    EXPECT_EQ(read_text(dir / "cuda/b_clean.fil"), read_text(dir / "cpu/b_clean.fil"));
    return;
  }
  EXPECT_TRUE(lines(cuda.out).empty()) << cuda.out;
  EXPECT_FALSE(fs::exists(dir / "cuda/b.mask"));
  ASSERT_EQ(lines(cuda.err).size(), 1u) << "one error line: " << cuda.err;
  EXPECT_EQ(cuda.exit_code, 4) << cuda.err;
  EXPECT_NE(cuda.err.find("--backend cuda: no CUDA device"), std::string::npos) << cuda.err;
}

}  // namespace
}  // namespace tianyan::test
