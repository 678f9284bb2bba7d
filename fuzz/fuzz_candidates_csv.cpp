// candidates.csv reader (parse_candidates_csv), used by `fold`, `plot` and the campaign merge.
// Rows that parse must come back ranked, and survive format_candidates_csv + parse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.hpp"
#include "io/candidates_reader.hpp"
#include "io/candidates_writer.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tianyan;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<CandidateRecord> rows;
  if (!fuzz::expect_only([&] { rows = parse_candidates_csv(text, "candidates.csv"); })) return 0;
  std::vector<Candidate> ranked;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0 && rows[i].rank <= rows[i - 1].rank) fuzz::fail("rows not sorted by rank", "");
    ranked.push_back(rows[i].candidate);
  }
  const std::string written = format_candidates_csv(ranked);
  std::vector<CandidateRecord> again;
  if (!fuzz::expect_only([&] { again = parse_candidates_csv(written, "written.csv"); }))
    fuzz::fail("parsed candidates do not parse after format_candidates_csv", written.c_str());
  if (again.size() != rows.size()) fuzz::fail("row count changed by a round trip", written.c_str());
  return 0;
}
