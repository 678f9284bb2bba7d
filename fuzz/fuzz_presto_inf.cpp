// PRESTO .inf parser (parse_presto_inf). A file that parses must parse again after
// format_presto_inf, with the same sample count and sample time.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.hpp"
#include "io/presto/inf.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tianyan;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  PrestoInf inf;
  if (!fuzz::expect_only([&] { inf = parse_presto_inf(text, "fuzz.inf"); })) return 0;
  const std::string written = format_presto_inf(inf);
  PrestoInf again;
  if (!fuzz::expect_only([&] { again = parse_presto_inf(written, "written.inf"); }))
    fuzz::fail("a parsed .inf does not parse after format_presto_inf", written.c_str());
  if (again.nbins != inf.nbins) fuzz::fail("nbins changed by a round trip", written.c_str());
  return 0;
}
