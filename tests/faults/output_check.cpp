// What "nothing partial looks finished" means for each kind of output, checked against the
// uninterrupted run's folder.
#include <nlohmann/json.hpp>
#include <string_view>

#include "io/psrfits/psrfits_fold_reader.hpp"
#include "tests/faults/fault_util.hpp"

namespace tianyan::test {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool png_whole(const std::string& bytes) {
  return bytes.size() > 20 && bytes.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0 &&
         bytes.compare(bytes.size() - 8, 4, "IEND") == 0;
}

// A fold summary without its provenance (threads, timings), which may differ between runs.
nlohmann::json fold_result(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_object()) j.erase("provenance");
  return j;
}

// Archives carry their creation time, so the bytes differ; what they hold must not.
void expect_same_archive(const fs::path& got, const fs::path& ref, const std::string& context) {
  FoldedCandidate a, b;
  try {
    a = read_fold_archive(got.string());
    b = read_fold_archive(ref.string());
  } catch (const std::exception& e) {
    ADD_FAILURE() << context << ": " << got.filename() << " does not read back: " << e.what();
    return;
  }
  EXPECT_EQ(a.cube.nsubint, b.cube.nsubint) << context << ": " << got.filename();
  EXPECT_EQ(a.cube.nsubband, b.cube.nsubband) << context << ": " << got.filename();
  EXPECT_EQ(a.cube.nbin, b.cube.nbin) << context << ": " << got.filename();
  EXPECT_EQ(a.cube.data, b.cube.data) << context << ": " << got.filename();
  EXPECT_EQ(a.cube.model.freq_hz, b.cube.model.freq_hz) << context << ": " << got.filename();
  EXPECT_EQ(a.cube.model.dm, b.cube.model.dm) << context << ": " << got.filename();
}

}  // namespace

void expect_nothing_partial(const fs::path& got, const fs::path& ref, const std::string& context) {
  const auto ref_files = folder_files(ref);
  for (const auto& [name, bytes] : folder_files(got)) {
    if (is_temporary(name)) continue;  // never mistaken for a result
    const auto r = ref_files.find(name);
    if (r == ref_files.end()) {
      ADD_FAILURE() << context << ": " << name << " is not an output of the uninterrupted run";
      continue;
    }
    const std::string& want = r->second;
    if (name == "candidates.json") {
      EXPECT_EQ(candidate_entries(bytes), candidate_entries(want)) << context << ": " << name;
    } else if (ends_with(name, ".ar")) {
      expect_same_archive(got / name, ref / name, context);
    } else if (ends_with(name, ".json")) {
      const auto j = fold_result(bytes);
      EXPECT_FALSE(j.is_discarded()) << context << ": " << name << " is not whole JSON";
      EXPECT_EQ(j, fold_result(want)) << context << ": " << name;
    } else if (ends_with(name, ".html")) {
      // The report carries timings; a whole one ends its document.
      EXPECT_TRUE(ends_with(bytes, "</html>\n")) << context << ": " << name << " is cut short";
    } else if (ends_with(name, ".png")) {
      EXPECT_TRUE(png_whole(bytes)) << context << ": " << name << " is not a whole PNG";
      EXPECT_EQ(bytes, want) << context << ": " << name << " differs";
    } else {
      // Candidate lists, masks, time series and their headers: deterministic to the byte.
      EXPECT_EQ(bytes.size(), want.size()) << context << ": " << name;
      EXPECT_TRUE(bytes == want) << context << ": " << name << " differs";
    }
  }
}

}  // namespace tianyan::test
