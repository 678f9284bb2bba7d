// Reader throughput: PSRFITS (8-bit, 4096 channels, NPOL 2, FAST layout) into float gulps,
// beside the bare read speed of the same files measured in the same run, page cache warm for
// both (each is run once untimed first). Figures are GB/s of FILE bytes.
//
//   build/bench/reader_bench [--seconds S] [--dir DIR]   (default 8 s of data, ~1.3 GB, in /tmp)
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/gulp.hpp"
#include "io/psrfits/psrfits_reader.hpp"
#include "io/psrfits/psrfits_writer.hpp"

namespace {
namespace fs = std::filesystem;
using namespace tianyan;

struct Dataset {
  std::vector<std::string> files;
  uint64_t bytes = 0;
};

double g_seconds = 8.0;
std::string g_dir = "/tmp/tianyan-reader-bench";

Dataset& dataset() {
  static Dataset ds = [] {
    Dataset d;
    fs::create_directories(g_dir);
    ObservationInfo h;
    h.source = "BENCH";
    h.telescope = "FAST";
    h.start_mjd = 60000.0;
    h.tsamp_s = 49.152e-6;
    h.nbits = 8;
    h.npol = 2;
    for (int c = 0; c < 4096; ++c) h.freqs_mhz.push_back(1000.0 + 0.1220703125 * c);
    h.flagged.assign(4096, 0);
    PsrfitsWriteOptions opt;
    opt.rows_per_file = 64;
    auto writer = make_psrfits_writer(g_dir + "/bench", h, opt);
    const uint64_t nsamp = static_cast<uint64_t>(g_seconds / h.tsamp_s) / 1024 * 1024;
    std::vector<float> block(1024 * 2 * 4096);
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> u(0, 255);
    for (auto& v : block) v = static_cast<float>(u(rng));
    for (uint64_t s = 0; s < nsamp; s += 1024) writer->write(block.data(), 1024);
    writer->finish();
    d.files = writer->files();
    for (const auto& f : d.files) d.bytes += fs::file_size(f);
    return d;
  }();
  return ds;
}

void BM_BareRead(benchmark::State& state) {
  const Dataset& d = dataset();
  std::vector<char> buf(8 << 20);
  for (auto _ : state) {
    for (const auto& f : d.files) {
      const int fd = ::open(f.c_str(), O_RDONLY);
      while (::read(fd, buf.data(), buf.size()) > 0) {
      }
      ::close(fd);
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
}

// Args: gulp samples, reader threads. The gulp buffer is reused across passes as a pipeline
// reuses it, and one untimed pass touches it first: page faults on a fresh 128 MiB buffer
// (expensive on a VM) are allocation, not reading, and dominated the timing of the few
// iterations that large gulps get.
void BM_PsrfitsToFloatGulps(benchmark::State& state) {
  const Dataset& d = dataset();
  OpenOptions options;
  options.threads = static_cast<int>(state.range(1));
  auto reader = open_psrfits(d.files, options);
  const uint64_t gulp = static_cast<uint64_t>(state.range(0));
  Gulp g;
  auto pass = [&] {
    GulpStream stream(*reader, gulp, 0);
    while (stream.next(g)) benchmark::DoNotOptimize(g.data.data());
  };
  pass();
  for (auto _ : state) pass();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
}

}  // namespace

BENCHMARK(BM_BareRead)->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.5)->UseRealTime();
// Realistic gulps: 1024 samples (16 MiB of floats) and 8192 (128 MiB), on 1 and 2 threads.
BENCHMARK(BM_PsrfitsToFloatGulps)
    ->ArgNames({"gulp", "threads"})
    ->ArgsProduct({{1024, 8192}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->MinWarmUpTime(0.5)
    ->UseRealTime();

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      g_seconds = std::atof(argv[++i]);
    } else if (a == "--dir" && i + 1 < argc) {
      g_dir = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  std::printf("dataset: %zu files, %.2f GB in %s (written before timing; page cache warm)\n",
              dataset().files.size(), static_cast<double>(dataset().bytes) / 1e9, g_dir.c_str());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(g_dir);
  return 0;
}
