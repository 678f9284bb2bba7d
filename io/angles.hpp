#pragma once
// Sexagesimal angles as PSRFITS headers and PRESTO .inf files write them: "hh:mm:ss.ssss" for
// right ascension and "[+-]dd:mm:ss.sss" for declination. (SIGPROC packs them into one double:
// see io/sigproc/sigproc_header.hpp.)
#include <optional>
#include <string>
#include <string_view>

namespace tianyan {

// "[+-]a:b:c" -> a + b/60 + c/3600 with the sign (hours or degrees, whatever `a` counts).
// Exactly three fields, minutes and seconds below 60; surrounding blanks allowed. nullopt when
// malformed.
std::optional<double> parse_sexagesimal(std::string_view text);

// Right ascension (degrees) as "hh:mm:ss" with `decimals` decimals of seconds, wrapped into
// [0, 24 h) and rounded once so that 59.99995 s carries into the minutes.
std::string format_ra_hms(double ra_deg, int decimals = 4);

// Declination (degrees) as "+dd:mm:ss" / "-dd:mm:ss" (`plus_sign` false: no '+').
std::string format_dec_dms(double dec_deg, int decimals = 3, bool plus_sign = true);

}  // namespace tianyan
