// The campaign merge: candidates.csv / rfi_candidates.csv / candidates.json / report.html from
// fake units, with fake fold products linked into the merge directory.
#include "pipeline/campaign_merge.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/candidates_reader.hpp"
#include "io/candidates_writer.hpp"
#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan::test {
namespace {

namespace fs = std::filesystem;

constexpr double kTobs = 200.0;

Candidate cand(double freq_hz, double dm, double sigma) {
  Candidate c;
  c.freq_hz = freq_hz;
  c.r_bins = freq_hz * kTobs;
  c.dm = dm;
  c.sigma = sigma;
  c.snr = sigma;
  c.tobs_s = kTobs;
  return c;  // scan and beam left for the unit to fill
}

// What `tianyan search` leaves for a folded candidate of rank `rank` (fold_products.cpp names).
void fake_products(const fs::path& dir, int rank, const Candidate& c, const std::string& tag) {
  const std::string stem = "cand_00" + std::to_string(rank);
  nlohmann::json summary = {
      {"optimised",
       {{"snr", 21.5}, {"redchi2", 4.0}, {"period_s", 1.0 / c.freq_hz}, {"dm", c.dm + 0.1}}},
      {"search", {{"rank", rank}, {"freq_hz", c.freq_hz}, {"dm", c.dm}, {"sigma", c.sigma}}},
      {"files", {{"archive", stem + ".ar"}, {"plots", {stem + ".png", stem + "_thumb.png"}}}}};
  write_bytes(dir / (stem + ".json"), summary.dump());
  write_bytes(dir / (stem + ".png"), "PNG sheet " + tag);
  write_bytes(dir / (stem + "_thumb.png"), "PNG thumb " + tag);
  write_bytes(dir / (stem + ".ar"), "archive " + tag);
}

struct Campaign {
  TempDir tmp;
  std::vector<CampaignUnitResult> units;

  // As `tianyan campaign` does: the unit's search wrote candidates.csv/.json, the merge gets
  // what candidates.csv holds (no tobs_s, DMs to 3 decimals).
  void add(const std::string& id, const std::string& scan, int beam,
           const std::vector<Candidate>& cands) {
    const fs::path dir = tmp.path() / "units" / id;
    fs::create_directories(dir);
    write_candidates(dir.string(), cands, nlohmann::json::object());
    std::vector<Candidate> read;
    for (CandidateRecord& r : read_candidates_csv((dir / "candidates.csv").string())) {
      read.push_back(std::move(r.candidate));
    }
    units.push_back({id, scan, beam, dir.string(), std::move(read)});
  }
};

TEST(CampaignMerge, WritesTablesReportAndLinksProducts) {
  Campaign cp;
  const double pulsar = 1.7123456789012345, rfi = 50.0, other = 3.3;
  // Scan S1: a pulsar in beam 1 and its neighbours 2 and 7; RFI in beams 1, 2, 7 and 14 (not a
  // neighbour of the strongest): judged terrestrial.
  cp.add("S1-M01", "S1", 1, {cand(rfi, 0.5, 30.0), cand(pulsar, 60.12345, 15.0)});
  cp.add("S1-M02", "S1", 2, {cand(pulsar + 0.2 / kTobs, 61.0, 9.0), cand(rfi, 0.5, 25.0)});
  cp.add("S1-M07", "S1", 7, {cand(rfi, 0.5, 24.0), cand(pulsar, 59.0, 8.0)});
  cp.add("S1-M14", "S1", 14, {cand(rfi, 1.0, 22.0)});
  // Scan S2: the RFI frequency alone in one beam is not coincident with S1's: kept.
  cp.add("S2-M01", "S2", 1, {cand(other, 20.0, 11.0), cand(rfi, 0.5, 7.0)});
  // The summary holds the search's full-precision values, candidates.csv rounded ones.
  fake_products(cp.units[0].dir, 2, cand(pulsar, 60.12345, 15.0), "pulsar");
  fake_products(cp.units[0].dir, 1, cp.units[0].candidates[0], "rfi");
  // A stale summary (the unit was re-run): names another frequency, so it must not be linked.
  fake_products(cp.units[4].dir, 1, cand(other * 2, 20.0, 11.0), "stale");

  const std::string merge = cp.tmp / "merge";
  PipelineConfig config = default_pipeline_config();
  config.fold.plot_format = "png";
  write_campaign_merge(merge, cp.units, {"S1-M19"}, config, CoincidenceConfig{});

  // candidates.csv: the kept groups, readable by the candidates reader, ranked by sigma.
  const std::vector<CandidateRecord> kept = read_candidates_csv(merge + "/candidates.csv");
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_NEAR(kept[0].candidate.freq_hz, pulsar, 1e-11);
  EXPECT_EQ(kept[0].candidate.beam, 1);
  EXPECT_EQ(kept[0].candidate.scan, "S1");
  EXPECT_EQ(kept[1].candidate.freq_hz, other);
  EXPECT_EQ(kept[2].candidate.scan, "S2");  // S2's lone 50 Hz
  const std::string csv = read_text(merge + "/candidates.csv");
  EXPECT_NE(csv.find(",file,beams,nbeams,rfi,unit\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",1;2;7,3,0,S1-M01\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",1,1,0,S2-M01\n"), std::string::npos) << csv;

  const std::vector<CandidateRecord> rfi_rows = read_candidates_csv(merge + "/rfi_candidates.csv");
  ASSERT_EQ(rfi_rows.size(), 1u);
  EXPECT_EQ(rfi_rows[0].candidate.beam, 1);
  EXPECT_NE(read_text(merge + "/rfi_candidates.csv").find(",1;2;7;14,4,1,S1-M01\n"),
            std::string::npos);

  const nlohmann::json doc = nlohmann::json::parse(read_text(merge + "/candidates.json"));
  ASSERT_EQ(doc["candidates"].size(), 3u);
  EXPECT_EQ(doc["candidates"][0]["beams"], nlohmann::json({1, 2, 7}));
  EXPECT_EQ(doc["candidates"][0]["beam_sigma"], nlohmann::json({15.0, 9.0, 8.0}));
  EXPECT_EQ(doc["candidates"][0]["unit"], "S1-M01");
  ASSERT_EQ(doc["rfi_candidates"].size(), 1u);
  EXPECT_EQ(doc["rfi_candidates"][0]["rfi"], true);
  EXPECT_EQ(doc["units_missing"], nlohmann::json({"S1-M19"}));
  EXPECT_EQ(doc["units_done"].size(), 5u);
  EXPECT_EQ(doc["multibeam"]["rfi_min_beams"], CoincidenceConfig{}.rfi_min_beams);

  // The pulsar's products (rank 2 in unit S1-M01) are in MERGE_DIR/plots; the stale ones not.
  EXPECT_EQ(read_text(merge + "/plots/S1-M01_cand_002.png"), "PNG sheet pulsar");
  EXPECT_EQ(read_text(merge + "/plots/S1-M01_cand_002_thumb.png"), "PNG thumb pulsar");
  EXPECT_EQ(read_text(merge + "/plots/S1-M01_cand_002.ar"), "archive pulsar");
  EXPECT_TRUE(fs::exists(merge + "/plots/S1-M01_cand_002.json"));
  EXPECT_FALSE(fs::exists(merge + "/plots/S1-M01_cand_001.png"));  // RFI: not in the report
  EXPECT_FALSE(fs::exists(merge + "/plots/S2-M01_cand_001.png"));  // stale summary
  const std::string html = read_text(merge + "/report.html");
  EXPECT_NE(html.find("plots/S1-M01_cand_002.png"), std::string::npos);
  EXPECT_NE(html.find("plots/S1-M01_cand_002_thumb.png"), std::string::npos);
  EXPECT_NE(html.find("S1-M19"), std::string::npos);  // the missing unit is listed
  EXPECT_NE(html.find("21.5"), std::string::npos);    // the fold S/N from the summary
  EXPECT_NE(html.find("overview.png"), std::string::npos);
  EXPECT_TRUE(fs::exists(merge + "/overview.png"));
  for (const auto& entry : fs::directory_iterator(merge)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos);
  }
}

TEST(CampaignMerge, UnitWithoutCandidatesJsonIsBadInput) {
  Campaign cp;
  cp.add("S1-M01", "S1", 1, {cand(1.7, 60.0, 15.0)});
  fs::remove(fs::path(cp.units[0].dir) / "candidates.json");
  PipelineConfig config = default_pipeline_config();
  config.fold.plot_format = "none";
  try {
    write_campaign_merge(cp.tmp / "merge", cp.units, {}, config, CoincidenceConfig{});
    FAIL() << "merged without observation lengths";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput);
    EXPECT_NE(std::string(e.what()).find("S1-M01/candidates.json"), std::string::npos) << e.what();
  }
}

TEST(CampaignMerge, NoUnitsGivesEmptyTables) {
  TempDir tmp;
  PipelineConfig config = default_pipeline_config();
  config.fold.plot_format = "none";
  write_campaign_merge(tmp / "m", {}, {"a", "b"}, config, CoincidenceConfig{});
  EXPECT_TRUE(read_candidates_csv(tmp / "m/candidates.csv").empty());
  EXPECT_TRUE(read_candidates_csv(tmp / "m/rfi_candidates.csv").empty());
  const nlohmann::json doc = nlohmann::json::parse(read_text(tmp / "m/candidates.json"));
  EXPECT_EQ(doc["units_missing"].size(), 2u);
  EXPECT_TRUE(fs::exists(tmp / "m/report.html"));
  EXPECT_FALSE(fs::exists(tmp / "m/overview.png"));
}

}  // namespace
}  // namespace tianyan::test
