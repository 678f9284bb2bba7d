#pragma once
// Progress of long work: a bar redrawn in place on a terminal, log lines in batch jobs (every
// 10%, so a Slurm log stays readable).
#include <chrono>
#include <string>

namespace tianyan {

class Progress {
 public:
  // `enabled = false` silences it (-q); the terminal is detected from stderr.
  Progress(std::string label, bool enabled = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(double fraction);  // 0..1; cheap to call often
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool terminal_;
  bool finished_ = false;
  int last_decile_ = -1;
  int last_width_ = -1;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tianyan
