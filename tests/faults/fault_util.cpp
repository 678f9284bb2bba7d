#include "tests/faults/fault_util.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/atomic_file.hpp"
#include "io/psrfits/psrfits_fold_reader.hpp"

extern char** environ;

namespace tianyan::test {
namespace fs = std::filesystem;

namespace {

// Everything the child needs is built before fork(): after it only async-signal-safe calls.
struct ExecImage {
  std::vector<std::string> strings;
  std::vector<char*> argv, envp;
};

ExecImage exec_image(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  ExecImage im;
  im.strings.push_back(TIANYAN_EXE);
  im.strings.insert(im.strings.end(), args.begin(), args.end());
  const size_t nargs = im.strings.size();
  for (char** e = environ; *e != nullptr; ++e) im.strings.emplace_back(*e);
  im.strings.insert(im.strings.end(), env.begin(), env.end());
  for (size_t i = 0; i < im.strings.size(); ++i) {
    (i < nargs ? im.argv : im.envp).push_back(im.strings[i].data());
  }
  im.argv.push_back(nullptr);
  im.envp.push_back(nullptr);
  return im;
}

// Child side of spawn_tianyan: redirect, limit, exec. Exits 127 if any of that fails.
[[noreturn]] void exec_child(const ExecImage& im, const SpawnOptions& o, const int out_pipe[2],
                             const int err_pipe[2]) {
  const auto redirect = [](const std::string& path, const int pipe_fds[2], int target) {
    int fd = pipe_fds[1];
    if (!path.empty()) fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::dup2(fd, target) < 0) ::_exit(127);
  };
  redirect(o.stdout_path, out_pipe, STDOUT_FILENO);
  redirect(o.stderr_path, err_pipe, STDERR_FILENO);
  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull < 0 || ::dup2(devnull, STDIN_FILENO) < 0) ::_exit(127);
  if (o.max_file_bytes >= 0) {
    const rlimit lim{static_cast<rlim_t>(o.max_file_bytes), static_cast<rlim_t>(o.max_file_bytes)};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(127);
  }
  ::execve(im.argv[0], im.argv.data(), im.envp.data());
  ::_exit(127);
}

void drain(int out_fd, int err_fd, std::string& out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&out, &err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
}

}  // namespace

pid_t spawn_tianyan(const std::vector<std::string>& args, const SpawnOptions& options,
                    int* stdout_pipe, int* stderr_pipe) {
  const ExecImage im = exec_image(args, options.env);
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (options.stdout_path.empty() && ::pipe2(out_pipe, O_CLOEXEC) != 0) return -1;
  if (options.stderr_path.empty() && ::pipe2(err_pipe, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(im, options, out_pipe, err_pipe);
  for (int* p : {out_pipe, err_pipe}) {
    if (p[1] >= 0) ::close(p[1]);
  }
  const auto hand_over = [](int fd, int* to) {
    if (to != nullptr) {
      *to = fd;
    } else if (fd >= 0) {
      ::close(fd);
    }
  };
  hand_over(out_pipe[0], stdout_pipe);
  hand_over(err_pipe[0], stderr_pipe);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CommandResult run_child(const std::vector<std::string>& args, const SpawnOptions& options) {
  SpawnOptions o = options;
  o.stdout_path.clear();
  o.stderr_path.clear();
  int out_fd = -1, err_fd = -1;
  CommandResult r;
  const pid_t pid = spawn_tianyan(args, o, &out_fd, &err_fd);
  if (pid < 0) return r;
  drain(out_fd, err_fd, r.out, r.err);
  r.exit_code = wait_exit(pid);
  return r;
}

std::string simulate_beam(const TempDir& dir, bool filterbank) {
  const std::string config = dir / "sim.toml";
  std::ofstream(config) << "[observation]\nsource = \"FAULT\"\nduration_s = 4.0\n"
                           "tsamp_s = 2.56e-4\nnchan = 256\nnpol = 1\nnbits = 8\nseed = 4242\n\n"
                           "[output]\nformat = \""
                        << (filterbank ? "filterbank" : "psrfits")
                        << "\"\nnsblk = 512\n\n[[pulsar]]\nperiod_s = 0.1234\ndm = 30.0\n"
                           "snr = 30.0\nduty_cycle = 0.04\n\n[[pulsar]]\nperiod_s = 0.0517\n"
                           "dm = 45.0\nsnr = 25.0\nduty_cycle = 0.05\n";
  const CommandResult r = run_tianyan({"-q", "simulate", config, "-o", dir / "obs"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return filterbank ? dir / "obs.fil" : dir / "obs-M01_0001.fits";
}

std::string search_config(const TempDir& dir, bool small_gulps) {
  const std::string path = dir / (small_gulps ? "small_gulps.toml" : "search.toml");
  std::ofstream out(path);
  if (small_gulps) out << "[input]\ngulp_s = 1.0\n\n[rfi]\nblock_nsamp = 1024\n\n";
  out << "[dedisp]\ndm_lo = 0.0\ndm_hi = 60.0\n\n[fold]\ntop_n = " << (small_gulps ? 0 : 2)
      << "\nnsubint = 16\nnsubband = 16\n";
  return path;
}

std::vector<std::string> search_args(const std::string& input, const std::string& config,
                                     const std::string& out) {
  return {"-q", "search", input, "-c", config, "-j", "2", "-o", out};
}

std::map<std::string, std::string> folder_files(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_TRUE(e.is_regular_file()) << e.path() << " is not a regular file";
    files[e.path().filename().string()] = read_text(e.path());
  }
  return files;
}

bool is_temporary(const std::string& name) { return tianyan::is_temporary_name(name); }

std::string candidate_entries(const std::string& json_text) {
  const auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("candidates")) return "(not a candidate list)";
  return doc["candidates"].dump();
}

bool one_error_line(const std::string& err, const std::string& needle) {
  std::istringstream in(err);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) lines.push_back(l);
  }
  return lines.size() == 1 && lines[0].rfind("tianyan: error: ", 0) == 0 &&
         lines[0].find(needle) != std::string::npos;
}

}  // namespace tianyan::test
