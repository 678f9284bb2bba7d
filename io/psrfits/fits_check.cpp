#include "io/psrfits/fits_check.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "io/atomic_file.hpp"
#include "io/psrfits/fits_precheck.hpp"
#include "kernels/common/error.hpp"

namespace tianyan::fits {

void check(int status, std::string_view file, std::string_view what) {
  if (status == 0) return;
  char text[FLEN_STATUS] = {0};
  fits_get_errstatus(status, text);
  // The first queued message usually carries the detail (which keyword, which row).
  char detail[FLEN_ERRMSG] = {0};
  std::string extra;
  if (fits_read_errmsg(detail) && detail[0] != '\0') extra = std::string("; ") + detail;
  fits_clear_errmsg();
  throw bad_input(file, "{}: {}{} (CFITSIO status {})", what, text, extra, status);
}

std::string write_error_detail(int status, int write_errno) {
  char text[FLEN_STATUS] = {0};
  fits_get_errstatus(status, text);
  std::string detail = text;
  std::set<std::string> seen;
  char msg[FLEN_ERRMSG] = {0};
  while (fits_read_errmsg(msg)) {
    if (seen.insert(msg).second) detail += std::string("; ") + msg;
  }
  fits_clear_errmsg();
  if (write_errno == ENOSPC || write_errno == EDQUOT || write_errno == EFBIG) {
    detail = write_failure(write_errno) + ": " + detail;
  }
  return detail;
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    f_ = o.f_;
    name_ = std::move(o.name_);
    o.f_ = nullptr;
  }
  return *this;
}

void Handle::reset() {
  if (f_ == nullptr) return;
  // Closing a read-only file can only fail on a broken stream; nothing useful to report then.
  int status = 0;
  fits_close_file(f_, &status);
  fits_clear_errmsg();
  f_ = nullptr;
}

Handle open_readonly(const std::string& path) {
  // CFITSIO's own messages for these cases ("error reading data buffer") do not say what is
  // wrong, so the common ones are told apart first.
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) throw bad_input(path, "no such file");
  if (std::filesystem::is_directory(st)) throw bad_input(path, "is a directory, not a FITS file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_input(path, "cannot be read: {}", std::strerror(errno));
  char magic[9] = {0};
  in.read(magic, sizeof magic);
  if (in.gcount() < 9 || std::memcmp(magic, "SIMPLE  =", 9) != 0)
    throw bad_input(path, "not a FITS file (it does not start with 'SIMPLE  =')");
  precheck_headers(path);  // what would crash CFITSIO itself
  fitsfile* f = nullptr;
  int status = 0;
  fits_open_diskfile(&f, path.c_str(), READONLY, &status);
  if (status != 0) {
    if (f != nullptr) {
      int ignore = 0;
      fits_close_file(f, &ignore);
    }
    check(status, path, "cannot open as FITS");
  }
  return Handle(f, path);
}

namespace {

std::string trim(std::string s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::optional<std::string> key_string(const Handle& h, const char* key) {
  char value[FLEN_VALUE] = {0};
  int status = 0;
  fits_read_keyword(h.get(), key, value, nullptr, &status);
  if (status == KEY_NO_EXIST) {
    fits_clear_errmsg();
    return std::nullopt;
  }
  check(status, h.name(), std::string("reading keyword ") + key);
  std::string v = trim(value);
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = trim(v.substr(1, v.size() - 2));
  return v;
}

std::optional<double> key_double(const Handle& h, const char* key) {
  auto v = key_string(h, key);
  if (!v || v->empty()) return std::nullopt;
  std::string s = *v;
  for (char& c : s) {
    if (c == 'D' || c == 'd') c = 'E';
  }
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') return std::nullopt;
  return d;
}

std::optional<bool> key_bool(const Handle& h, const char* key) {
  auto v = key_string(h, key);
  if (!v || v->empty()) return std::nullopt;
  return (*v)[0] == 'T' || (*v)[0] == 't';
}

int find_column(const Handle& h, const char* name) {
  int col = 0;
  int status = 0;
  fits_get_colnum(h.get(), CASEINSEN, const_cast<char*>(name), &col, &status);
  if (status == COL_NOT_FOUND || status == COL_NOT_UNIQUE) {
    fits_clear_errmsg();
    return 0;
  }
  check(status, h.name(), std::string("looking up column ") + name);
  return col;
}

}  // namespace tianyan::fits
