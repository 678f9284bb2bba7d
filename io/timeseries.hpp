#pragma once
// Dedispersed time series and the formats other tools exchange them in: SIGPROC .tim and
// PRESTO .dat + .inf.
#include <cstdint>
#include <string>
#include <vector>

namespace tianyan {

struct TimeSeries {
  std::vector<float> data;
  double tsamp_s = 0;
  double start_mjd = 0;
  double dm = 0;
  double freq_lo_mhz = 0;  // band the series was formed from (PRESTO .inf needs it)
  double bandwidth_mhz = 0;
  int nchan = 0;
  std::string source;
  std::string telescope;
  double ra_deg = 0;
  double dec_deg = 0;
  std::vector<std::string> origin_files;  // the search-mode files it came from
};

}  // namespace tianyan
