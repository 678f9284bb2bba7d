#pragma once
// The project's one error model: every failure is a tianyan::Error carrying its kind, which
// main() alone maps to an exit code. Library code never calls exit().
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace tianyan {

// Exit codes are the same for every command (README, "Exit codes").
enum class ErrorKind : int {
  Internal = 1,     // a bug or an unexpected library failure
  Usage = 2,        // bad command line
  BadInput = 3,     // the input file or the configuration is wrong
  Environment = 4,  // no usable GPU, output not writable, disk full, scheduler unavailable
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message) : std::runtime_error(std::move(message)), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }
  int exit_code() const noexcept { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
};

// Line breaks become blanks: a message quotes values from the file, which may hold them, and
// the CLI prints it as ONE line (found by fuzzing the candidates.csv and archive readers).
inline std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

// "FILE: problem", the one-line form every bad-input message takes.
template <typename... Args>
[[nodiscard]] Error bad_input(std::string_view file, fmt::format_string<Args...> problem,
                              Args&&... args) {
  const std::string what = fmt::format(problem, std::forward<Args>(args)...);
  return Error(ErrorKind::BadInput, one_line(fmt::format("{}: {}", file, what)));
}

template <typename... Args>
[[nodiscard]] Error environment_error(fmt::format_string<Args...> what, Args&&... args) {
  return Error(ErrorKind::Environment, fmt::format(what, std::forward<Args>(args)...));
}

template <typename... Args>
[[nodiscard]] Error usage_error(fmt::format_string<Args...> what, Args&&... args) {
  return Error(ErrorKind::Usage, fmt::format(what, std::forward<Args>(args)...));
}

template <typename... Args>
[[nodiscard]] Error internal_error(fmt::format_string<Args...> what, Args&&... args) {
  return Error(ErrorKind::Internal, fmt::format(what, std::forward<Args>(args)...));
}

}  // namespace tianyan
