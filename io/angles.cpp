#include "io/angles.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace tianyan {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// |value| in units of 10^-decimals of the last field, rounded once, as whole, minutes, seconds
// and the fraction, so that rounding carries through every field.
std::string format_fields(double value, int decimals, const char* sign) {
  const auto scale = static_cast<int64_t>(std::llround(std::pow(10.0, decimals)));
  const auto units = static_cast<int64_t>(std::llround(std::abs(value) * 3600.0 * static_cast<double>(scale)));
  const int64_t whole = units / (3600 * scale);
  const int64_t minutes = units / (60 * scale) % 60;
  const int64_t seconds = units / scale % 60;
  if (decimals <= 0) return fmt::format("{}{:02d}:{:02d}:{:02d}", sign, whole, minutes, seconds);
  return fmt::format("{}{:02d}:{:02d}:{:02d}.{:0{}d}", sign, whole, minutes, seconds,
                     units % scale, decimals);
}

}  // namespace

std::optional<double> parse_sexagesimal(std::string_view text) {
  text = trim(text);
  const bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  double parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const size_t colon = i < 2 ? text.find(':') : text.size();
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view p = text.substr(0, colon);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), parts[i]);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || !(parts[i] >= 0)) {
      return std::nullopt;
    }
    text = i < 2 ? text.substr(colon + 1) : std::string_view();
  }
  if (parts[1] >= 60 || parts[2] >= 60) return std::nullopt;
  const double v = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0;
  return negative ? -v : v;
}

std::string format_ra_hms(double ra_deg, int decimals) {
  double hours = std::fmod(ra_deg / 15.0, 24.0);
  if (hours < 0) hours += 24.0;
  // Rounding may reach 24 h exactly: that is 00:00:00.
  const double step = 1.0 / (3600.0 * std::pow(10.0, decimals));
  if (hours >= 24.0 - step / 2) hours = 0.0;
  return format_fields(hours, decimals, "");
}

std::string format_dec_dms(double dec_deg, int decimals, bool plus_sign) {
  return format_fields(dec_deg, decimals, dec_deg < 0 ? "-" : (plus_sign ? "+" : ""));
}

}  // namespace tianyan
