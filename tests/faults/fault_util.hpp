#pragma once
// Fault injection around real runs of the `tianyan` executable: a child started by fork/exec
// (so that the test can limit its file sizes, stop, continue or kill it), a small simulated
// beam and its uninterrupted search, and the inspection of an output folder after a fault.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/common/test_util.hpp"

namespace tianyan::test {

struct SpawnOptions {
  long long max_file_bytes = -1;  // RLIMIT_FSIZE of the child; < 0: unlimited
  std::vector<std::string> env;   // extra "NAME=value" entries
  std::string stdout_path;        // empty: a pipe read by run_child()
  std::string stderr_path;
};

// Starts `tianyan ARGS...`. Output to the given files or, where none is given, to pipes that
// only run_child() reads (pipes are not subject to RLIMIT_FSIZE, files are).
pid_t spawn_tianyan(const std::vector<std::string>& args, const SpawnOptions& options,
                    int* stdout_pipe = nullptr, int* stderr_pipe = nullptr);
// waitpid until it ends: the exit code, or 128 + the signal that ended it.
int wait_exit(pid_t pid);
// Runs to the end with stdout and stderr captured through pipes.
CommandResult run_child(const std::vector<std::string>& args, const SpawnOptions& options);

// The simulated beam every fault test searches: 4 s, 256 channels, two pulsars, as PSRFITS
// (`dir`/obs-M01_0001.fits, returned) or SIGPROC filterbank (`dir`/obs.fil).
std::string simulate_beam(const TempDir& dir, bool filterbank = false);
// A pipeline configuration for it: DM 0-60, the best 2 candidates folded into small archives
// (16 x 16 x 128) smaller than their plots. `small_gulps` reads in gulps of 1024 samples
// (search, 16 of them) or 1 s (rfi, 4) instead of one, so that a run can be stopped between
// reads, and folds nothing.
std::string search_config(const TempDir& dir, bool small_gulps = false);
// `-q search INPUT -c CONFIG -j 2 -o OUT`.
std::vector<std::string> search_args(const std::string& input, const std::string& config,
                                     const std::string& out);

// Files in a folder, name -> contents (subfolders are not expected and fail the caller).
std::map<std::string, std::string> folder_files(const std::filesystem::path& dir);
bool is_temporary(const std::string& name);

// The candidate entries of a candidates.json (provenance such as timings left out).
std::string candidate_entries(const std::string& json_text);

// Checks, with gtest assertions, that every file in `got` is a temporary or a complete output
// consistent with the uninterrupted run's `ref`: candidate lists and masks byte-identical,
// JSON parseable with the same fold results, PNG and HTML whole, archives readable.
// `context` names the fault in failure messages.
void expect_nothing_partial(const std::filesystem::path& got, const std::filesystem::path& ref,
                            const std::string& context);

// True when stderr is one line "tianyan: error: ..." (log lines before it are allowed when
// not quiet: only the last line is checked) that mentions `needle`.
bool one_error_line(const std::string& err, const std::string& needle);

}  // namespace tianyan::test
