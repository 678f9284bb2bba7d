// SIGPROC header parser (io/sigproc/sigproc_header.hpp) on arbitrary bytes. A header that
// parses must serialise to bytes that parse again to the same serialisation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.hpp"
#include "io/sigproc/sigproc_header.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tianyan;
  SigprocHeader h;
  if (!fuzz::expect_only([&] { h = parse_sigproc_header(data, size, "fuzz.fil"); })) return 0;
  if (h.header_bytes > size) fuzz::fail("header_bytes beyond the input", "");
  const std::string once = serialise_sigproc_header(h);
  SigprocHeader again;
  if (!fuzz::expect_only([&] {
        again = parse_sigproc_header(reinterpret_cast<const uint8_t*>(once.data()), once.size(),
                                     "reserialised.fil");
      })) {
    fuzz::fail("a parsed header does not parse after serialisation", "");
  }
  if (serialise_sigproc_header(again) != once) fuzz::fail("serialisation is not stable", "");
  return 0;
}
