#pragma once
// Integers read from JSON files that tianyan wrote but a person (or a broken disk) may have
// changed. nlohmann's get<int>() converts a floating-point member with static_cast, which is
// undefined behaviour for 1e300 or NaN; this accepts only an integer in T's range.

#include <cstdint>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tianyan {

// Throws nlohmann::json::type_error (what the callers already turn into BadInput, naming the
// file) for anything but an integer that fits T.
template <typename T>
T json_integer(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (std::in_range<T>(u)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const auto s = v.get<std::int64_t>();
    if (std::in_range<T>(s)) return static_cast<T>(s);
  }
  throw nlohmann::json::type_error::create(
      302,
      fmt::format("{} is not an integer from {} to {}", v.dump(), std::numeric_limits<T>::min(),
                  std::numeric_limits<T>::max()),
      static_cast<const nlohmann::json*>(nullptr));
}

}  // namespace tianyan
