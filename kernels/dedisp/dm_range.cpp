#include "kernels/dedisp/dm_range.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

constexpr std::string_view kGrammar = "expected LO:HI, LO:HI:STEP or D1[,D2,...] (pc cm^-3)";

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = text.find(sep, start);
    parts.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

// A whole field must be one finite, non-negative decimal number.
double parse_number(std::string_view field, std::string_view text) {
  double value = 0;
  const char* first = field.data();
  const char* last = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (field.empty() || ec != std::errc() || ptr != last || !std::isfinite(value)) {
    throw usage_error("--dm '{}': '{}' is not a number; {}", text, field, kGrammar);
  }
  if (value < 0) throw usage_error("--dm '{}': DM {} is negative; {}", text, value, kGrammar);
  return value;
}

}  // namespace

DmRange parse_dm_range(std::string_view text) {
  DmRange r;
  if (text.find(':') == std::string_view::npos) {
    for (std::string_view f : split(text, ',')) r.list.push_back(parse_number(f, text));
    return r;
  }
  if (text.find(',') != std::string_view::npos) {
    throw usage_error("--dm '{}': mixes ':' and ','; {}", text, kGrammar);
  }
  const std::vector<std::string_view> f = split(text, ':');
  if (f.size() < 2 || f.size() > 3) throw usage_error("--dm '{}': {}", text, kGrammar);
  r.lo = parse_number(f[0], text);
  r.hi = parse_number(f[1], text);
  if (r.hi < r.lo) throw usage_error("--dm '{}': HI {} is below LO {}", text, r.hi, r.lo);
  if (f.size() == 3) {
    r.step = parse_number(f[2], text);
    if (r.step <= 0) throw usage_error("--dm '{}': STEP must be positive", text);
  }
  return r;
}

void apply_dm_range(const DmRange& range, DmPlanConfig& config) {
  config.dm_lo = range.lo;
  config.dm_hi = range.hi;
  config.fixed_step = range.step;
  config.dm_list = range.list;
}

}  // namespace tianyan
