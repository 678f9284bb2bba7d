#pragma once
// The PSRFITS start-time keywords of a scan or an archive (STT_IMJD, STT_SMJD, STT_OFFS,
// DATE-OBS), shared by the search-mode and fold-mode writers.
#include <string>

namespace tianyan::psrfits {

// The start MJD split as PSRFITS wants it: integer MJD, integer seconds of that day and the
// fraction of a second (STT_OFFS), with the carries that rounding can cause resolved.
struct StartTime {
  long imjd = 0;
  long smjd = 0;
  double offs = 0;
};

StartTime split_mjd(double mjd);

// "YYYY-MM-DDThh:mm:ss.sss" (UTC); milliseconds truncated so that the string never rounds past
// STT_IMJD/STT_SMJD.
std::string date_obs(const StartTime& t);

// The current UTC time as "YYYY-MM-DDThh:mm:ss" (DATE, the file's creation).
std::string utc_now();

}  // namespace tianyan::psrfits
