// The header walk that runs before CFITSIO opens a file (io/psrfits/fits_precheck.cpp): on
// headers built card by card, that it reads names, values and HDU boundaries the way CFITSIO
// does, refuses what would overflow CFITSIO's buffers wherever it sits, and accepts a plain file.
#include "io/psrfits/fits_precheck.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "kernels/common/error.hpp"
#include "tests/common/test_util.hpp"

namespace tianyan {
namespace {

std::string card(std::string text) {
  text.resize(80, ' ');
  return text;
}

// A header: the cards, END, blank padding to whole 2880-byte blocks.
std::string header(const std::vector<std::string>& cards) {
  std::string h;
  for (const std::string& c : cards) h += card(c);
  h += card("END");
  h.resize((h.size() + 2879) / 2880 * 2880, ' ');
  return h;
}

std::vector<std::string> primary() {
  return {"SIMPLE  =                    T", "BITPIX  =                    8",
          "NAXIS   =                    0", "EXTEND  =                    T"};
}

// A binary table of 2 rows x 16 bytes; `extra` cards follow TFIELDS.
std::string table(const std::vector<std::string>& extra) {
  std::vector<std::string> cards = {
      "XTENSION= 'BINTABLE'",           "BITPIX  =                    8",
      "NAXIS   =                    2", "NAXIS1  =                   16",
      "NAXIS2  =                    2", "PCOUNT  =                    0",
      "GCOUNT  =                    1", "TFIELDS =                    1"};
  cards.insert(cards.end(), extra.begin(), extra.end());
  std::string t = header(cards);
  t.append(2880, '\0');  // 32 bytes of data, padded
  return t;
}

const std::string kGoodColumn = "TTYPE1  = 'DATA    '";
const std::string kLongColumn = "TTYPE1  =" + std::string(71, '%');  // CFITSIO reads 71 chars

class FitsPrecheck : public ::testing::Test {
 protected:
  // The error precheck_headers gives for `bytes`, or "" when it accepts them.
  std::string check(const std::string& bytes) {
    const std::string path = dir_ / "f.fits";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    try {
      fits::precheck_headers(path);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::BadInput) << e.what();
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
      return msg;
    }
    return "";
  }
  test::TempDir dir_;
};

TEST_F(FitsPrecheck, AcceptsAPlainFile) {
  EXPECT_EQ(check(header(primary()) + table({kGoodColumn})), "");
  // With a primary array, a two-block header, an image extension and padding blocks after it.
  std::vector<std::string> p = {"SIMPLE  =                    T", "BITPIX  =                  -32",
                                "NAXIS   =                    2", "NAXIS1  =                 1000",
                                "NAXIS2  =                    1"};
  for (int i = 0; i < 40; ++i) p.push_back("HISTORY line " + std::to_string(i));
  std::string f = header(p) + std::string(2880 * 2, '\0');
  f += header({"XTENSION= 'IMAGE   '", "BITPIX  =                   16",
               "NAXIS   =                    1", "NAXIS1  =                   10",
               "PCOUNT  =                    0", "GCOUNT  =                    1"}) +
       std::string(2880, '\0');
  f += table({kGoodColumn, "TUNIT1  = '" + std::string(68, 'u') + "'"});
  f += std::string(2880, ' ');  // trailing padding: no XTENSION, not an HDU for CFITSIO either
  EXPECT_EQ(check(f), "");
}

TEST_F(FitsPrecheck, RefusesALongUnquotedValueWhereverItIs) {
  // Written in all the ways CFITSIO still reads as a value of 69 or more characters.
  for (const std::string& c :
       {"TTYPE1  = " + std::string(70, 'A'), kLongColumn, "TTYPE1=" + std::string(73, 'B'),
        "HIERARCH T=" + std::string(69, 'C'), "TUNIT1  =(" + std::string(69, 'D') + ")"}) {
    const std::string msg = check(header(primary()) + table({c}));
    EXPECT_NE(msg.find("HDU 2: "), std::string::npos) << c << "\n" << msg;
    EXPECT_NE(msg.find("unquoted value of"), std::string::npos) << c << "\n" << msg;
  }
  EXPECT_EQ(check(header(primary()) + table({"HIERARCH T=" + std::string(68, 'C')})), "");
  // A quoted string longer than a standard card allows (the '=' moved left) or never closed.
  for (const std::string& c :
       {"TTYPE1='" + std::string(71, 'q') + "'", "TUNIT1 = '" + std::string(70, 'q')}) {
    const std::string msg = check(header(primary()) + table({c}));
    EXPECT_NE(msg.find("a quoted value of"), std::string::npos) << c << "\n" << msg;
  }
}

// The walk must reach the table however the primary header is written, as CFITSIO does.
TEST_F(FitsPrecheck, FindsTheTableBehindUnusualPrimaryCards) {
  const std::vector<std::vector<std::string>> primaries = {
      // The fourth fuzzer finding: '=' in column 14 (CFITSIO takes the name up to the blank
      // and the value after the first '=').
      {"SIMPLE  =                    T", "BITPIX       =               8",
       "NAXIS   =                    0"},
      // '-' where the comment's '/' belongs: CFITSIO reads the value's first word.
      {"SIMPLE  =                    T", "BITPIX  =                    8",
       "NAXIS   =                    0 - no axes"},
      // A later BITPIX and PCOUNT, which CFITSIO does not read in a primary header.
      {"SIMPLE  =                    T", "BITPIX  =                    8",
       "NAXIS   =                    0", "BITPIX  = 'FAST    '", "PCOUNT  =               100000"},
  };
  for (const auto& p : primaries) {
    const std::string msg = check(header(p) + table({kLongColumn}));
    EXPECT_NE(msg.find("HDU 2: TTYPE1 has an unquoted value of 71 characters"),
              std::string::npos)
        << p[1] << " | " << p[2] << "\n"
        << msg;
  }
}

TEST_F(FitsPrecheck, RefusesWhatCfitsioCouldSizeDifferently) {
  struct Case {
    std::vector<std::string> primary;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {{"SIMPLE  =                    T", "NAXIS   =                    0",
        "BITPIX  =                    8"},
       "card 2 is NAXIS, where FITS requires BITPIX"},
      {{"SIMPLE  =                    T", "BITPIX  =                    7",
        "NAXIS   =                    0"},
       "BITPIX = 7 (it must be one of"},
      {{"SIMPLE  =                    T", "BITPIX  =                    8",
        "NAXIS   =                  8.0"},
       "NAXIS = 8.0 (it must be an integer)"},
      {{"SIMPLE  =                    T", "BITPIX  =                    8",
        "NAXIS   =                    2", "NAXIS1  =                    0",
        "NAXIS2  =                   10", "GROUPS  =                    T"},
       "random groups"},
      {{"SIMPLE  =                    T", "BITPIX  =                    8"},
       "before its 3 required keywords"},
      {{"SIMPLE  =                    T", "BITPIX  =                    8",
        "NAXIS   =                    0", "END = 'not quite'"},
       "named END but is not an END card"},
      {{"SIMPLE  =                    T", "BITPIX  =                    8",
        "NAXIS   =                    2", "NAXIS1  =        1000000000000",
        "NAXIS2  =        1000000000000"},
       "size overflows"},
  };
  for (const Case& c : cases) {
    const std::string msg = check(header(c.primary) + table({kGoodColumn}));
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.expect << "\n" << msg;
  }
}

TEST_F(FitsPrecheck, ExtensionShapeKeywordsCountOnlyInTheirPlaces) {
  // GCOUNT after TFIELDS is an ordinary card; the one in its place says 1.
  EXPECT_EQ(check(header(primary()) + table({kGoodColumn, "GCOUNT  =                    2"})),
            "");
  std::string bad = header(primary()) + table({kGoodColumn});
  const size_t g = bad.find("GCOUNT  =                    1");
  ASSERT_NE(g, std::string::npos);
  bad.replace(g, 30, "GCOUNT  =                    2");
  EXPECT_NE(check(bad).find("HDU 2: GCOUNT = 2 (it must be 1)"), std::string::npos);
}

TEST_F(FitsPrecheck, LeavesATruncatedFileToCfitsio) {
  const std::string f = header(primary()) + table({kGoodColumn});
  EXPECT_EQ(check(f.substr(0, 2880 + 800)), "");  // inside the table header, no END yet
  EXPECT_EQ(check(f.substr(0, 2880 * 2 + 100)), "");  // inside the data
  // Whole cards of a short block are still checked.
  const std::string t = header(primary()) + table({kLongColumn});
  EXPECT_NE(check(t.substr(0, 2880 + 80 * 10)).find("TTYPE1"), std::string::npos);
}

}  // namespace
}  // namespace tianyan
