// What `tianyan campaign status|merge` read from a campaign directory, from one input cut into
// files at each "\n@@@@\n": campaign.json (load_campaign, beside a fixed valid config.toml), a
// unit's done.json and logs/<unit>.failed.json (unit_status), its candidates.csv (the merge's
// read_candidates_csv), candidates.json (fill_from_candidates_json) and cand_001.json, the fold
// summary the merge links into its report (link_fold_products).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "fuzz/fuzz_util.hpp"
#include "io/candidates_reader.hpp"
#include "io/report/report_html.hpp"
#include "pipeline/campaign/campaign.hpp"
#include "pipeline/campaign_merge_products.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tianyan;

struct Dirs {
  std::string campaign, unit, merge;
};

const Dirs& dirs() {
  static const Dirs d = [] {
    const fuzz::Scratch& s = fuzz::Scratch::get();
    Dirs out{s.path("campaign"), s.path("campaign/units/u1"), s.path("campaign/merge")};
    fs::create_directories(out.unit);
    fs::create_directories(out.campaign + "/logs");
    s.write("campaign/config.toml", pipeline_config_to_toml(default_pipeline_config()));
    return out;
  }();
  return d;
}

void write_or_remove(const std::string& path, const std::vector<std::string_view>& parts,
                     size_t i) {
  std::error_code ec;
  fs::remove(path, ec);
  if (i < parts.size()) {
    const std::string rel = fs::relative(path, fuzz::Scratch::get().dir()).string();
    fuzz::Scratch::get().write(rel, parts[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tianyan::fuzz::quiet();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Dirs& d = dirs();
  const auto parts = fuzz::split_parts(data, size, "\n@@@@\n", 6);
  write_or_remove(d.campaign + "/campaign.json", parts, 0);
  write_or_remove(d.unit + "/done.json", parts, 1);
  write_or_remove(d.campaign + "/logs/u1.failed.json", parts, 2);
  write_or_remove(d.unit + "/candidates.csv", parts, 3);
  write_or_remove(d.unit + "/candidates.json", parts, 4);
  write_or_remove(d.unit + "/cand_001.json", parts, 5);
  std::error_code ec;
  fs::remove_all(d.merge, ec);

  fuzz::expect_only([&] { (void)load_campaign(d.campaign); });

  // A fixed campaign whose one unit has no inputs, so that a done.json can be current.
  Campaign c;
  c.dir = d.campaign;
  c.config_hash = "0123456789abcdef";
  CampaignUnit u;
  u.id = "u1";
  c.units.push_back(u);
  fuzz::expect_no_error([&] { (void)unit_status(c, u); });

  std::vector<Candidate> cands;
  const bool csv_ok = fuzz::expect_only([&] {
    for (CandidateRecord& r : read_candidates_csv(d.unit + "/candidates.csv"))
      cands.push_back(r.candidate);
  });
  if (!csv_ok || cands.empty()) {
    Candidate k;
    k.freq_hz = 12.5;
    k.dm = 30.0;
    cands = {k};
  }
  fuzz::expect_only([&] { merge_detail::fill_from_candidates_json(d.unit, cands); });
  ReportRow row;
  row.cand = cands.front();
  row.rank = 1;
  // An unreadable or foreign summary only costs the row its links (a warning).
  fuzz::expect_no_error([&] { (void)merge_detail::link_fold_products(d.unit, 1, d.merge, "u1", row); });
  return 0;
}
