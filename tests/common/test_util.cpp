#include "tests/common/test_util.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tianyan::test {
namespace fs = std::filesystem;

fs::path real_data_dir() {
  const fs::path p(TIANYAN_SHARED_REAL);
  return fs::is_directory(p) ? p : fs::path();
}

TempDir::TempDir() {
  // Unique per process and object; the name never feeds any test result.
  static int counter = 0;
  path_ = fs::temp_directory_path() /
          ("tianyan-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}
}  // namespace

CommandResult run_shell(const std::string& command_line) {
  TempDir tmp;
  const std::string out = tmp / "stdout", err = tmp / "stderr";
  const std::string full = "(" + command_line + ") >" + shell_quote(out) + " 2>" + shell_quote(err) + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

CommandResult run_tianyan(const std::vector<std::string>& args) {
  std::string line = shell_quote(TIANYAN_EXE);
  for (const auto& a : args) line += " " + shell_quote(a);
  return run_shell(line);
}

PrivateFftWisdom::PrivateFftWisdom(const TempDir& dir) {
  if (const char* v = std::getenv("TIANYAN_FFTW_WISDOM")) {
    had_ = true;
    old_ = v;
  }
  ::setenv("TIANYAN_FFTW_WISDOM", (dir / "fftwf-wisdom").c_str(), 1);
}

PrivateFftWisdom::~PrivateFftWisdom() {
  if (had_) {
    ::setenv("TIANYAN_FFTW_WISDOM", old_.c_str(), 1);
  } else {
    ::unsetenv("TIANYAN_FFTW_WISDOM");
  }
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace tianyan::test
