// Time-series input: the file name's extension picks the format.
#include "io/timeseries_io.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace

bool looks_like_timeseries(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".tim" || ext == ".dat" || ext == ".inf";
}

TimeSeries read_timeseries(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".tim") return read_sigproc_tim(path);
  // PRESTO names are lower case; the pair is found from the exact stem given.
  if (ext == ".dat" || ext == ".inf") return read_presto_timeseries(path);
  throw bad_input(path, "not a time series: expected a .tim, .dat or .inf file");
}

}  // namespace tianyan
