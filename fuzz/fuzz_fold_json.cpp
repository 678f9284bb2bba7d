// The JSON inside a tianyan fold archive's TIANYAN table (apply_extension_json), which
// `tianyan plot` reads; the FITS target rarely reaches it through the fixed-width column.
// Parsing follows read_extension(): a JSON syntax error is BadInput there too.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.hpp"
#include "io/psrfits/psrfits_fold_format.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tianyan;
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  FoldedCandidate c;
  fuzz::expect_only([&] { psrfits_fold::apply_extension_json(j, "fuzz.ar", c); });
  return 0;
}
