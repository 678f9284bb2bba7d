#pragma once
// Shared by the libFuzzer targets (fuzz/fuzz_*.cpp). The contract every target checks: bytes,
// however malformed, end in a tianyan::Error of the kind the reader documents (BadInput), never
// in another exception, a crash, a sanitizer report, a hang or a huge allocation. Any other
// outcome aborts, which libFuzzer records as a crash with the input that caused it.
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/common/error.hpp"

// A huge allocation request inside CFITSIO (sizes read from a header) returns NULL there, as
// glibc's calloc does in production, and CFITSIO reports an error; ASan would otherwise abort
// on it. Our own code still cannot allocate without limit: operator new then throws bad_alloc,
// which escapes as a contract violation, and -malloc_limit_mb catches any allocation over 2 GB
// that succeeds.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

namespace tianyan::fuzz {

// Logging is off: warnings about odd headers are expected and would only slow the run.
inline void quiet() { spdlog::set_level(spdlog::level::off); }

[[noreturn]] inline void fail(const char* what, const char* detail) {
  std::fprintf(stderr, "\nFUZZ CONTRACT VIOLATION: %s: %s\n", what, detail);
  std::fflush(stderr);
  std::abort();
}

// Runs fn(); a tianyan::Error of kind `allowed` is the accepted answer to bad input.
// Returns true when fn() succeeded.
template <typename F>
bool expect_only(F&& fn, ErrorKind allowed = ErrorKind::BadInput) {
  try {
    fn();
    return true;
  } catch (const Error& e) {
    if (e.kind() != allowed) fail("tianyan::Error of an unexpected kind", e.what());
    // The CLI prints the message as one line: a newline in it would break that.
    if (std::string_view(e.what()).find('\n') != std::string_view::npos)
      fail("error message spans several lines", e.what());
    // TIANYAN_FUZZ_VERBOSE=1 shows why an input was refused (to check that seeds get deep).
    static const bool verbose = std::getenv("TIANYAN_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "refused: %s\n", e.what());
    return false;
  } catch (const std::exception& e) {
    fail("an exception other than tianyan::Error escaped", e.what());
  } catch (...) {
    fail("a non-standard exception escaped", "");
  }
}

// Runs fn(), which documents no failure for any content of its inputs: every exception is a bug.
template <typename F>
void expect_no_error(F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    fail("an exception escaped a function that handles bad input itself", e.what());
  } catch (...) {
    fail("a non-standard exception escaped", "");
  }
}

// A private scratch folder, on tmpfs where there is one (the file readers need a path: they
// stat, pread and reopen their input, so an in-memory image would bypass the code under test).
// Removed at exit (a crash leaves it: scripts/fuzz.sh points it into its work folder).
// TIANYAN_FUZZ_TMP overrides the parent folder.
class Scratch {
 public:
  static Scratch& get() {
    static Scratch s;
    return s;
  }
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // Writes `bytes` to NAME inside the folder (replacing it) and returns its path.
  std::string write(const std::string& name, const uint8_t* data, size_t size) const {
    const std::string p = path(name);
    FILE* f = std::fopen(p.c_str(), "wb");
    if (f == nullptr) fail("cannot create a scratch file", p.c_str());
    if (size > 0 && std::fwrite(data, 1, size, f) != size) fail("cannot write", p.c_str());
    if (std::fclose(f) != 0) fail("cannot close", p.c_str());
    return p;
  }
  std::string write(const std::string& name, std::string_view text) const {
    return write(name, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }

  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

 private:
  Scratch() {
    const char* env = std::getenv("TIANYAN_FUZZ_TMP");
    std::string parent = env != nullptr && *env != '\0' ? env : "";
    if (parent.empty()) parent = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string templ = parent + "/tianyan-fuzz-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) fail("cannot create a scratch folder in", parent.c_str());
    dir_ = buf.data();
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
};

// Splits the input at every occurrence of `sep` (for targets that read several files at once).
inline std::vector<std::string_view> split_parts(const uint8_t* data, size_t size,
                                                 std::string_view sep, size_t max_parts) {
  std::vector<std::string_view> parts;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (parts.size() + 1 < max_parts) {
    // memmem, not string_view::find: libFuzzer intercepts memmem and learns the separator.
    const void* hit = ::memmem(rest.data(), rest.size(), sep.data(), sep.size());
    if (hit == nullptr) break;
    const auto at = static_cast<size_t>(static_cast<const char*>(hit) - rest.data());
    parts.push_back(rest.substr(0, at));
    rest.remove_prefix(at + sep.size());
  }
  parts.push_back(rest);
  return parts;
}

}  // namespace tianyan::fuzz
