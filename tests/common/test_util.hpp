#pragma once
// Helpers shared by the tests: paths, temporary directories, running the CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tianyan::test {

// ../shared/data/real, or an empty path when that folder is absent.
std::filesystem::path real_data_dir();

// Skips the calling test, saying why, when the real-data folder is absent.
#define TIANYAN_REQUIRE_REAL_DATA()                                                        \
  do {                                                                                    \
    if (::tianyan::test::real_data_dir().empty())                                         \
      GTEST_SKIP() << "../shared/data/real is absent here; real-file tests need it";      \
  } while (0)

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `tianyan ARGS...` (the built executable) with arguments passed verbatim.
CommandResult run_tianyan(const std::vector<std::string>& args);
// Runs a shell command line; stdout and stderr captured separately.
CommandResult run_shell(const std::string& command_line);

// Points TIANYAN_FFTW_WISDOM (inherited by the children run_tianyan starts) at a file in `dir`
// for the object's lifetime. Tests that compare separate runs bit for bit need it: with the
// shared wisdom file, a concurrent test can replace the plan the first run measured with
// another FFTW_MEASURE chose for the same size, and the second run's powers then differ in the
// last bits (a different plan rounds differently; both are correct).
class PrivateFftWisdom {
 public:
  explicit PrivateFftWisdom(const TempDir& dir);
  ~PrivateFftWisdom();
  PrivateFftWisdom(const PrivateFftWisdom&) = delete;
  PrivateFftWisdom& operator=(const PrivateFftWisdom&) = delete;

 private:
  bool had_ = false;
  std::string old_;
};

std::string read_text(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::string& bytes);

}  // namespace tianyan::test
