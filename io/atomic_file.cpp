#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace fs = std::filesystem;

namespace {
std::string temp_name_for(const std::string& final_path) {
  const fs::path p(final_path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  return (dir / fmt::format(".{}.tmp.{}", p.filename().string(), ::getpid())).string();
}

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw environment_error("{}: cannot reopen to flush: {}", path, std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw environment_error("{}: cannot flush to disk: {}", path, write_failure(err));
}

// The pid of a temporary name ".NAME.tmp.PID", or 0 when `name` is not one.
pid_t temporary_pid(const std::string& name) {
  const size_t at = name.rfind(".tmp.");
  if (name.size() < 2 || name[0] != '.' || at == std::string::npos || at < 2) return 0;
  const std::string digits = name.substr(at + 5);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  return static_cast<pid_t>(std::stol(digits));
}

// A killed run's temporaries would otherwise pile up beside its rerun's results. Only those
// whose process is gone go: kill(pid, 0) fails with ESRCH. A pid reused by another process
// keeps its file, which is harmless. (Two runs on different hosts writing into one folder
// would clobber each other's results anyway; that is not supported.)
void remove_stale_temporaries(const std::string& dir) {
  std::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const pid_t pid = temporary_pid(it->path().filename().string());
    if (pid <= 0 || pid == ::getpid() || !it->is_regular_file(ec)) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (fs::remove(it->path(), ec)) ++removed;
  }
  if (removed > 0) {
    spdlog::info("{}: removed {} temporary file(s) left by an interrupted run", dir, removed);
  }
}
}  // namespace

std::string write_failure(int err) {
  if (err == 0) err = EIO;  // a failure that set no errno: say something true
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
    return fmt::format("disk full or file too large ({})", std::strerror(err));
  }
  return std::strerror(err);
}

void close_written(std::FILE* f, bool wrote_ok, int write_errno, const std::string& path) {
  // fflush first: its errno is the one of the buffered write, which fclose would not keep.
  int err = wrote_ok ? 0 : write_errno;
  if (std::fflush(f) != 0 && err == 0) err = errno ? errno : EIO;
  if (std::fclose(f) != 0 && err == 0) err = errno ? errno : EIO;
  if (!wrote_ok || err != 0) {
    throw environment_error("{}: write failed: {}", path, write_failure(err));
  }
}

bool is_temporary_name(const std::string& name) { return temporary_pid(name) > 0; }

AtomicFile::AtomicFile(std::string final_path)
    : final_(std::move(final_path)), temp_(temp_name_for(final_)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : final_(std::move(other.final_)), temp_(std::move(other.temp_)), done_(other.done_) {
  other.done_ = true;
}

AtomicFile::~AtomicFile() {
  if (!done_) std::remove(temp_.c_str());
}

void AtomicFile::commit() {
  if (done_) return;
  fsync_path(temp_);
  if (std::rename(temp_.c_str(), final_.c_str()) != 0) {
    throw environment_error("{}: cannot rename {} into place: {}", final_, temp_,
                            write_failure(errno));
  }
  done_ = true;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFile file(path);
  std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
  if (!f) throw environment_error("{}: cannot write: {}", path, write_failure(errno));
  const bool ok =
      content.empty() || std::fwrite(content.data(), 1, content.size(), f) == content.size();
  close_written(f, ok, errno, path);
  file.commit();
}

void ensure_output_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    throw environment_error("{}: cannot create output directory: {}", dir,
                            ec ? ec.message() : "not a directory");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw environment_error("{}: output directory is not writable: {}", dir, std::strerror(errno));
  }
  remove_stale_temporaries(dir);
}

}  // namespace tianyan
