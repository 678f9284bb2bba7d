#pragma once
// The project's physical constants, in one place.
namespace tianyan {

// Dispersion constant in s MHz^2 cm^3 pc^-1. We use the pulsar-catalogue convention
// k_DM = 1/2.41e-4 (PRESTO, TEMPO, PSRCHIVE, ATNF) rather than the physical 4.148808e3
// (Lorimer & Kramer 2004, eq. 4.7), so that DMs compare directly with published values;
// the two differ by 1.4e-4 in DM.
inline constexpr double kDispersionConstant = 1.0 / 2.41e-4;

inline constexpr double kSpeedOfLight = 299792458.0;  // m/s
inline constexpr double kSecondsPerDay = 86400.0;

// FAST's noise diode (cal) period, s (FORMATS.md, "FAST specifics").
inline constexpr double kFastNoiseDiodePeriod = 0.201326592;

// SIGPROC telescope_id of FAST.
inline constexpr int kSigprocTelescopeFast = 21;

}  // namespace tianyan
