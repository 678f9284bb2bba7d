#pragma once
// CFITSIO glue shared by the PSRFITS code: every CFITSIO status becomes a tianyan::Error
// (BadInput) naming the file, and keyword reads are lenient about value types because real
// writers disagree (NSUBOFFS written as 0.0, NCHNOFFS as the string '*').
#include <fitsio.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tianyan::fits {

// Throws BadInput "FILE: WHAT: <CFITSIO text> (status N)" when status is non-zero, after
// clearing CFITSIO's message stack so that one failure never leaks into the next message.
void check(int status, std::string_view file, std::string_view what);

// For a failed write: CFITSIO's text for `status` and its queued messages, each once (a failed
// buffer flush repeats the same two lines per buffer), led by "disk full or file too large"
// when `write_errno` (errno as the failing call left it) says so. Clears the message stack.
std::string write_error_detail(int status, int write_errno);

// Owns one open fitsfile and the name used in messages; closes it on destruction.
class Handle {
 public:
  Handle() = default;
  Handle(fitsfile* f, std::string name) : f_(f), name_(std::move(name)) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : f_(o.f_), name_(std::move(o.name_)) { o.f_ = nullptr; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  fitsfile* get() const { return f_; }
  const std::string& name() const { return name_; }
  explicit operator bool() const { return f_ != nullptr; }
  void reset();

 private:
  fitsfile* f_ = nullptr;
  std::string name_;
};

// Opens an existing file read-only. The path is taken literally (fits_open_diskfile), so names
// holding '[' or '(' are not parsed as CFITSIO's extended file syntax.
Handle open_readonly(const std::string& path);

// Raw keyword value with quotes and blanks removed; nullopt when the key is absent.
std::optional<std::string> key_string(const Handle& h, const char* key);
// Numeric value of a keyword written as integer, float, Fortran 'D' exponent or quoted number;
// nullopt when absent or not a number (e.g. '*').
std::optional<double> key_double(const Handle& h, const char* key);
// Logical keyword (T/F); nullopt when absent.
std::optional<bool> key_bool(const Handle& h, const char* key);

// Column number of NAME (case-insensitive, exact); 0 when the table has no such column.
int find_column(const Handle& h, const char* name);

}  // namespace tianyan::fits
