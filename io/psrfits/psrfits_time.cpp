#include "io/psrfits/psrfits_time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

#include "kernels/common/constants.hpp"

namespace tianyan::psrfits {

namespace {
constexpr int kMjdUnixEpoch = 40587;  // MJD of 1970-01-01
}  // namespace

StartTime split_mjd(double mjd) {
  StartTime t;
  t.imjd = static_cast<long>(std::floor(mjd));
  const double secs = (mjd - static_cast<double>(t.imjd)) * kSecondsPerDay;
  t.smjd = static_cast<long>(std::floor(secs));
  t.offs = secs - static_cast<double>(t.smjd);
  if (t.smjd >= static_cast<long>(kSecondsPerDay)) {
    t.smjd -= static_cast<long>(kSecondsPerDay);
    t.imjd += 1;
  }
  return t;
}

std::string date_obs(const StartTime& t) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{t.imjd - kMjdUnixEpoch}}};
  const long ms = std::min(999L, static_cast<long>(std::floor(t.offs * 1000.0)));
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}", int(ymd.year()),
                     unsigned(ymd.month()), unsigned(ymd.day()), t.smjd / 3600,
                     (t.smjd / 60) % 60, t.smjd % 60, ms);
}


std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace tianyan::psrfits
