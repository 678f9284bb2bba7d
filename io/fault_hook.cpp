#include "io/fault_hook.hpp"

#include <signal.h>

#include <atomic>
#include <cstdlib>

namespace tianyan {

void fault_hook_after_gulp() {
  // Read once: the environment does not change during a run.
  static const long stop_after = [] {
    const char* v = std::getenv("TIANYAN_TEST_STOP_AFTER_GULPS");
    return v != nullptr ? std::strtol(v, nullptr, 10) : 0L;
  }();
  if (stop_after <= 0) return;
  static std::atomic<long> gulps{0};
  if (gulps.fetch_add(1) + 1 == stop_after) ::raise(SIGSTOP);
}

}  // namespace tianyan
