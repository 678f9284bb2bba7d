// The whole filterbank open path (open_beam: format sniffing, header parse, validation, the
// reader) on a file holding the bytes, then reads of the first and last samples.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz/fuzz_util.hpp"
#include "io/reader.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

// Reads at most this many floats per call: the reader is checked, not the harness's memory.
constexpr uint64_t kMaxFloats = uint64_t{1} << 22;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tianyan;
  const std::string path = fuzz::Scratch::get().write("fuzz.fil", data, size);
  std::unique_ptr<Reader> reader;
  if (!fuzz::expect_only([&] { reader = open_beam(BeamFiles{"fuzz", 0, {path}}); })) return 0;
  const ObservationInfo& info = reader->info();
  if (info.nchan() == 0) fuzz::fail("a reader with no channels", path.c_str());
  if (info.freqs_mhz.size() != info.nchan() || !std::is_sorted(info.freqs_mhz.begin(), info.freqs_mhz.end()))
    fuzz::fail("channel table not ascending", path.c_str());
  const uint64_t nsamp = std::min<uint64_t>({info.nsamples, 64, kMaxFloats / info.nchan()});
  if (nsamp == 0) return 0;
  std::vector<float> out(nsamp * info.nchan());
  fuzz::expect_only([&] {
    if (reader->read(0, nsamp, out.data()) != nsamp) fuzz::fail("short read at 0", path.c_str());
    const uint64_t last = info.nsamples - 1;
    if (reader->read(last, nsamp, out.data()) != 1) fuzz::fail("read past the end", path.c_str());
  });
  return 0;
}
