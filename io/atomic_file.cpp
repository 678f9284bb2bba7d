#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

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
  if (rc != 0) throw environment_error("{}: cannot flush to disk: {}", path, std::strerror(err));
}
}  // namespace

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
                            std::strerror(errno));
  }
  done_ = true;
}

void write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFile file(path);
  std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
  if (!f) throw environment_error("{}: cannot write: {}", path, std::strerror(errno));
  const size_t n = std::fwrite(content.data(), 1, content.size(), f);
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (n != content.size() || !closed) {
    throw environment_error("{}: write failed: {}", path, std::strerror(err ? err : EIO));
  }
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
}

}  // namespace tianyan
