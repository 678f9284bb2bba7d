#include "pipeline/progress.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace tianyan {

namespace {
constexpr int kBarWidth = 40;
}

Progress::Progress(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (enabled_ && terminal_ && !finished_ && last_width_ >= 0) std::fputc('\n', stderr);
}

void Progress::update(double fraction) {
  if (!enabled_ || finished_) return;
  fraction = std::clamp(fraction, 0.0, 1.0);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (terminal_) {
    const int width = static_cast<int>(fraction * kBarWidth);
    const int permille = static_cast<int>(fraction * 1000);
    if (permille == last_width_) return;
    last_width_ = permille;
    const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
    std::fprintf(stderr, "\r%s [%s%s] %5.1f%%  %.0f s elapsed, %.0f s left ", label_.c_str(),
                 std::string(static_cast<size_t>(width), '#').c_str(),
                 std::string(static_cast<size_t>(kBarWidth - width), '.').c_str(),
                 100 * fraction, elapsed, eta);
    std::fflush(stderr);
  } else {
    const int decile = static_cast<int>(fraction * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    spdlog::info("{}: {:.0f}% done, {:.1f} s elapsed", label_, 100 * fraction, elapsed);
  }
}

void Progress::finish() {
  if (!enabled_ || finished_) return;
  update(1.0);
  finished_ = true;
  if (terminal_) std::fputc('\n', stderr);
}

}  // namespace tianyan
