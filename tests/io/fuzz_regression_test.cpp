// Regressions for what the libFuzzer targets (fuzz/) found: each input here once crashed,
// escaped as a foreign exception, or broke the one-line error contract.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "io/candidates_reader.hpp"
#include "io/psrfits/psrfits_writer.hpp"
#include "io/reader.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign/campaign.hpp"
#include "pipeline/campaign_merge_products.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no tianyan::Error";
  return "";
}

// fuzz_candidates_csv: a quoted field holding a line break was echoed into the message, which
// the CLI prints as one line.
TEST(FuzzRegression, MessageQuotingALineBreakStaysOneLine) {
  const std::string msg = error_of(
      [] { (void)parse_candidates_csv("rank,dm,period_s\n\"1\n2\",3,0.5\n", "cands.csv"); });
  EXPECT_NE(msg.find("cands.csv: "), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\r'), std::string::npos) << msg;
}

// fuzz_campaign: a unit's candidates.json whose "candidates" is not an array made
// nlohmann::json throw type_error 305 out of the merge.
TEST(FuzzRegression, CandidatesJsonWithoutAnArrayIsBadInput) {
  test::TempDir dir;
  std::ofstream(dir / "candidates.json") << R"({"candidates": 5})";
  std::vector<Candidate> cands(1);
  cands[0].freq_hz = 12.5;
  const std::string msg =
      error_of([&] { merge_detail::fill_from_candidates_json(dir.path().string(), cands); });
  EXPECT_NE(msg.find("candidates.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tobs_s"), std::string::npos) << msg;
}

// fuzz_campaign: a done.json that is not an object, or holds a number where the hash string
// belongs, made nlohmann::json throw type_error 306/302 out of unit_status (`campaign status`
// and `merge`), which documents no failure: such a unit is pending.
TEST(FuzzRegression, DamagedCompletionRecordLeavesTheUnitPending) {
  test::TempDir dir;
  Campaign c;
  c.dir = dir.path().string();
  c.config_hash = "0123456789abcdef";
  CampaignUnit u;
  u.id = "u1";
  std::filesystem::create_directories(unit_dir(c, u));
  std::ofstream(std::filesystem::path(unit_dir(c, u)) / "candidates.csv") << "rank,dm,freq_hz\n";
  for (const char* record : {"5", R"({"config_hash": 5})", R"(["a"])"}) {
    std::ofstream(unit_done_path(c, u), std::ios::trunc) << record;
    UnitStatus s;
    ASSERT_NO_THROW(s = unit_status(c, u)) << record;
    EXPECT_EQ(s.state, UnitState::Pending) << record;
  }
  // A current record with odd counts is done, and its detail still prints.
  std::ofstream(unit_done_path(c, u), std::ios::trunc)
      << R"({"config_hash": "0123456789abcdef", "inputs": [], "candidates": "x", "wall_s": 2})";
  const UnitStatus done = unit_status(c, u);
  EXPECT_EQ(done.state, UnitState::Done);
  EXPECT_EQ(done.detail, "0 candidates, 2.0 s");
}

// fuzz_fold_archive: an unquoted TTYPEn value of 70 characters overflowed CFITSIO 4.2's
// 70-byte column name (strcpy in ffgtbp; glibc's fortify aborted the process). It is now
// refused before CFITSIO opens the file. A 600 s run of fuzz_psrfits and fuzz_fold_archive
// then found the same overflow through "TTYPE1  =%%%..." ('=' not followed by a blank, which
// CFITSIO still reads as a value of 71 characters), which the first check had missed.
// A second fuzz run found it once more behind a primary header whose TELESCOP card had been
// renamed BITPIX (a string): the walk read the later BITPIX, could not size the data and
// stopped, while CFITSIO reads only the first and went on.
struct LongName {
  const char* name;
  std::string card;  // 80 characters
  int length;        // of the unquoted value
  bool duplicate_bitpix = false;
  // A third: NAXIS's comment introduced by '-' instead of '/' ("0 - number of axes"), which
  // the walk could not read as an integer, while CFITSIO reads the value's first word.
  bool dash_comment = false;
};

class FuzzRegressionLongName : public ::testing::TestWithParam<LongName> {};

TEST_P(FuzzRegressionLongName, UnquotedLongColumnNameIsRefusedBeforeCfitsio) {
  test::TempDir dir;
  ObservationInfo h;
  h.source = "J0000+0000";
  h.telescope = "FAST";
  h.start_mjd = 60000.0;
  h.tsamp_s = 1e-4;
  h.nbits = 8;
  h.npol = 1;
  for (int c = 0; c < 8; ++c) h.freqs_mhz.push_back(1000.0 + c);
  PsrfitsWriteOptions o;
  o.nsblk = 8;
  o.rows_per_file = 2;
  auto w = make_psrfits_writer(dir / "scan", h, o);
  const std::vector<float> zeros(16 * 8, 0.0f);
  w->write(zeros.data(), 16);
  w->finish();
  const std::string path = w->files().front();
  ASSERT_NO_THROW((void)open_beam(BeamFiles{"scan", 0, {path}}));

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const size_t card = bytes.find("TTYPE1  = ");
  ASSERT_NE(card, std::string::npos);
  ASSERT_EQ(card % 80, 0u);
  ASSERT_EQ(GetParam().card.size(), 80u);
  bytes.replace(card, 80, GetParam().card);
  if (GetParam().duplicate_bitpix) {
    const size_t telescop = bytes.find("TELESCOP= ");
    ASSERT_NE(telescop, std::string::npos);
    ASSERT_LT(telescop, card);
    std::string bitpix = "BITPIX  = 'FAST    '";
    bitpix.resize(80, ' ');
    bytes.replace(telescop, 80, bitpix);
  }
  if (GetParam().dash_comment) {
    const size_t naxis = bytes.find("NAXIS   = ");
    ASSERT_NE(naxis, std::string::npos);
    ASSERT_LT(naxis, card);
    const size_t slash = bytes.find('/', naxis);
    ASSERT_LT(slash, naxis + 80);
    bytes[slash] = '-';
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;

  const std::string msg = error_of([&] { (void)open_beam(BeamFiles{"scan", 0, {path}}); });
  EXPECT_NE(msg.find(path + ": HDU "), std::string::npos) << msg;
  EXPECT_NE(msg.find(fmt::format("TTYPE1 has an unquoted value of {} characters",
                                 GetParam().length)),
            std::string::npos)
      << msg;
}

INSTANTIATE_TEST_SUITE_P(
    FuzzRegression, FuzzRegressionLongName,
    ::testing::Values(LongName{"BlankAfterEquals", "TTYPE1  = " + std::string(70, 'A'), 70},
                      LongName{"NoBlankAfterEquals", "TTYPE1  =" + std::string(71, '%'), 71},
                      LongName{"BehindADuplicateBitpix", "TTYPE1  =" + std::string(71, '%'), 71,
                               true},
                      LongName{"BehindADashComment", "TTYPE1  =" + std::string(71, '%'), 71,
                               false, true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tianyan
