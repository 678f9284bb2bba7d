#pragma once
// Outputs appear whole or not at all: they are written under a temporary name in the target
// directory and renamed over the final name on commit(). A file never committed (an exception,
// a crash, a kill) leaves only the temporary name, which nothing mistakes for a result.
// Temporaries left by a killed run are removed by the next ensure_output_dir() of that folder.
#include <cstdio>
#include <string>
#include <string_view>

namespace tianyan {

class AtomicFile {
 public:
  explicit AtomicFile(std::string final_path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;

  // Where to write: "<dir>/.<name>.tmp.<pid>" beside the final file.
  const std::string& temp_path() const { return temp_; }
  const std::string& final_path() const { return final_; }
  // Flushes the temporary file to disk and renames it over the final name. Throws
  // Environment when that fails (disk full, not writable).
  void commit();

 private:
  std::string final_;
  std::string temp_;
  bool done_ = false;
};

// Writes `content` to `path` atomically. Throws Environment on failure.
void write_file_atomically(const std::string& path, std::string_view content);

// Why a write failed, for a one-line message: a full disk, a quota or a file-size limit
// (ENOSPC, EDQUOT, EFBIG) reads "disk full or file too large (<strerror>)".
std::string write_failure(int err);

// Closes a stdio stream that was written to; `wrote_ok` is false when a write already failed
// (with `write_errno`). Throws Environment naming `path` when anything failed, with the errno
// of the failing call (a buffered write often fails only when fclose flushes it).
void close_written(std::FILE* f, bool wrote_ok, int write_errno, const std::string& path);

// Throws Environment unless `dir` exists (it is created) and is writable. Removes the
// temporaries (".NAME.tmp.PID") that dead processes left there (logged).
void ensure_output_dir(const std::string& dir);

// Whether `name` (a file name, no directory) is an AtomicFile temporary name.
bool is_temporary_name(const std::string& name);

}  // namespace tianyan
