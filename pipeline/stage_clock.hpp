#pragma once
// Wall-clock timing of pipeline stages (StageTimes, SearchTimings): one clock, one helper.
#include <chrono>

namespace tianyan {

using StageClock = std::chrono::steady_clock;

inline double seconds_since(StageClock::time_point t0) {
  return std::chrono::duration<double>(StageClock::now() - t0).count();
}

}  // namespace tianyan
