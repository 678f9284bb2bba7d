// PRESTO .dat (raw little-endian float32) + .inf time series.
//
// Size check: a .dat whose size is not the .inf's N * 4 bytes is read anyway, with a warning,
// using the smaller of the two counts (a .dat cut short by a full disk still holds usable
// data, and extra bytes beyond N are not part of the series). A .dat with no .inf is refused:
// without the bin width the series means nothing.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/atomic_file.hpp"
#include "io/presto/inf.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "io/timeseries_io.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

// The path without a .dat or .inf suffix.
std::string stem_of(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string ext = p.extension().string();
  if (ext == ".dat" || ext == ".inf") return (p.parent_path() / p.stem()).string();
  return path;
}

TimeSeries from_inf(const PrestoInf& inf) {
  TimeSeries ts;
  ts.tsamp_s = inf.dt_s;
  ts.start_mjd = inf.mjd;
  ts.dm = inf.dm;
  ts.freq_lo_mhz = inf.freq_lo_mhz;
  ts.bandwidth_mhz = inf.bandwidth_mhz;
  ts.nchan = inf.nchan;
  ts.source = inf.object;
  ts.telescope = inf.telescope;
  ts.ra_deg = inf.ra_deg;
  ts.dec_deg = inf.dec_deg;
  return ts;
}

PrestoInf to_inf(const TimeSeries& ts, const std::string& stem) {
  PrestoInf inf;
  inf.basename = std::filesystem::path(stem).filename().string();
  inf.telescope = ts.telescope;
  inf.instrument = "Unknown";
  inf.object = ts.source;
  inf.ra_deg = ts.ra_deg;
  inf.dec_deg = ts.dec_deg;
  inf.mjd = ts.start_mjd;
  inf.nbins = ts.data.size();
  inf.dt_s = ts.tsamp_s;
  inf.dm = ts.dm;
  inf.freq_lo_mhz = ts.freq_lo_mhz;
  inf.bandwidth_mhz = ts.bandwidth_mhz;
  inf.nchan = ts.nchan;
  inf.chan_bw_mhz = ts.nchan > 0 ? ts.bandwidth_mhz / ts.nchan : 0.0;
  inf.analyzer = "tianyan";
  for (const auto& f : ts.origin_files) {
    inf.notes += (inf.notes.empty() ? "Formed from " : ", ") + f;
  }
  return inf;
}

}  // namespace

TimeSeries read_presto_timeseries(const std::string& path) {
  const std::string stem = stem_of(path);
  const std::string inf_path = stem + ".inf";
  const std::string dat_path = stem + ".dat";
  const PrestoInf inf = read_presto_inf(inf_path);
  const RawInputFile dat(dat_path);
  uint64_t n = dat.size() / sizeof(float);
  if (dat.size() != inf.nbins * sizeof(float)) {
    spdlog::warn("{}: {} bytes, but {} says {} bins ({} bytes); reading {} bins", dat_path,
                 dat.size(), inf_path, inf.nbins, inf.nbins * sizeof(float),
                 std::min<uint64_t>(n, inf.nbins));
  }
  n = std::min<uint64_t>(n, inf.nbins);
  if (inf.breaks) {
    spdlog::warn("{}: the .inf reports breaks in the data (padded by PRESTO)", inf_path);
  }
  TimeSeries ts = from_inf(inf);
  ts.data.resize(static_cast<size_t>(n));
  dat.read_exact(0, ts.data.size() * sizeof(float), ts.data.data());
  return ts;
}

std::string presto_inf_text(const TimeSeries& series, const std::string& stem, uint64_t nbins) {
  PrestoInf inf = to_inf(series, stem);
  inf.nbins = nbins;
  return format_presto_inf(inf);
}

void write_presto_timeseries(const std::string& path, const TimeSeries& series) {
  if (!(series.tsamp_s > 0)) {
    throw bad_input(path, "tsamp {} must be a positive number of seconds", series.tsamp_s);
  }
  const std::string stem = stem_of(path);
  AtomicFile dat(stem + ".dat");
  std::FILE* f = std::fopen(dat.temp_path().c_str(), "wb");
  if (f == nullptr)
    throw environment_error("{}: cannot write: {}", stem + ".dat", std::strerror(errno));
  const bool ok =
      series.data.empty() ||  // fwrite must not see the null data() of an empty vector
      std::fwrite(series.data.data(), sizeof(float), series.data.size(), f) == series.data.size();
  close_written(f, ok, errno, dat.final_path());
  // The .dat first: a reader finding the .inf can then count on its .dat being complete.
  dat.commit();
  write_presto_inf(stem + ".inf", to_inf(series, stem));
}

}  // namespace tianyan
