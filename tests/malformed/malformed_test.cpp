// Runs the malformed-input catalogue (malformed_cases.hpp): every case must end with exit code
// 3 and exactly one line on stderr, "tianyan: error: ...", naming the file and the problem.
// No crash, no internal error (exit 1), no hang (each command runs under a time limit), and no
// log lines before the error: a batch job's log must say in one line what was wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "tests/malformed/malformed_cases.hpp"

namespace tianyan::test::malformed {
namespace {
namespace fs = std::filesystem;

// Generous for a sanitizer build on a loaded machine; a healthy case takes well under 1 s.
constexpr int kTimeLimitS = 60;

std::vector<Case> all_cases() {
  std::vector<Case> all;
  for (auto part : {sigproc_cases, psrfits_cases, text_cases, product_cases}) {
    auto cases = part();
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

CommandResult run_limited(const std::vector<std::string>& args) {
  std::string line =
      "timeout -s KILL " + std::to_string(kTimeLimitS) + " " + shell_quote(TIANYAN_EXE);
  for (const auto& a : args) line += " " + shell_quote(a);
  return run_shell(line);
}

std::string command_text(const std::vector<std::string>& args) {
  std::string s = "tianyan";
  for (const auto& a : args) s += " " + a;
  return s;
}

}  // namespace

// gtest prints a failing parameter with this rather than as raw bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

namespace {

class Malformed : public ::testing::TestWithParam<Case> {};

TEST_P(Malformed, OneLineExitThree) {
  const Case& c = GetParam();
  TempDir dir;
  Invocation inv;
  try {
    inv = c.make(dir);
  } catch (const std::exception& e) {
    FAIL() << "preparing the input failed: " << e.what();
  }
  const CommandResult r = run_limited(inv.args);
  const std::string cmd = command_text(inv.args);
  ASSERT_NE(r.exit_code, 137) << cmd << ": killed after " << kTimeLimitS << " s (a hang?)";
  EXPECT_EQ(r.exit_code, 3) << cmd << "\nstdout: " << r.out << "\nstderr: " << r.err;
  std::string err = r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  EXPECT_EQ(err.find('\n'), std::string::npos) << cmd << ": more than one line:\n" << r.err;
  EXPECT_EQ(err.rfind("tianyan: error: ", 0), 0u) << cmd << ": not an error line: " << r.err;
  const std::string name = fs::path(inv.file).filename().string();
  EXPECT_NE(err.find(name), std::string::npos)
      << cmd << ": the message does not name " << name << ": " << r.err;
  // The keyword must be in what the message says, not in the file name it quotes.
  std::string said = err;
  for (size_t at; (at = said.find(name)) != std::string::npos;) said.erase(at, name.size());
  EXPECT_NE(lower(said).find(c.keyword), std::string::npos)
      << cmd << ": expected '" << c.keyword << "' in: " << r.err;
  // The catalogue in the log: what each input gets, for review and for docs/hardening.md.
  std::printf("%s: %s\n", c.name.c_str(), err.c_str());
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Malformed, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// The catalogue's size is a figure in docs/hardening.md; names must be unique to be counted.
TEST(MalformedCatalogue, AtLeastFortyDistinctCases) {
  const auto cases = all_cases();
  std::set<std::string> names;
  for (const auto& c : cases) {
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate case name " << c.name;
    EXPECT_EQ(c.keyword, lower(c.keyword)) << c.name << ": keywords are matched in lower case";
    EXPECT_FALSE(c.keyword.empty()) << c.name;
  }
  std::printf(
      "malformed-input catalogue: %zu cases (SIGPROC %zu, PSRFITS %zu, text %zu, "
      "products %zu)\n",
      cases.size(), sigproc_cases().size(), psrfits_cases().size(), text_cases().size(),
      product_cases().size());
  EXPECT_GE(cases.size(), 40u);
}

}  // namespace
}  // namespace tianyan::test::malformed
