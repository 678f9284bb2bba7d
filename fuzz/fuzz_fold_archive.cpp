// The fold-mode archive reader behind `tianyan plot` (read_fold_archive) on a file holding the
// bytes; what it returns must be a consistent cube.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.hpp"
#include "io/psrfits/psrfits_fold_reader.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tianyan;
  const std::string path = fuzz::Scratch::get().write("fuzz.ar", data, size);
  FoldedCandidate c;
  if (!fuzz::expect_only([&] { c = read_fold_archive(path); })) return 0;
  const FoldCube& k = c.cube;
  if (k.data.size() != k.nsubint * k.nsubband * k.nbin || k.freqs_mhz.size() != k.nsubband ||
      k.subint_mid_s.size() != k.nsubint || k.bin_var.size() != k.nsubint * k.nsubband)
    fuzz::fail("inconsistent cube sizes", path.c_str());
  return 0;
}
