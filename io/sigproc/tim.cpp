// SIGPROC .tim time series: a SIGPROC header with data_type 2, nchans 1, nbits 32, then float32.
//
// Frequency convention. SIGPROC's dedisperse refers delays to fch1, the top channel of the
// usual descending filterbank, and writes that as the series' fch1. We do the same: fch1 is the
// centre of the band's highest channel and foff = -(channel width). A .tim records neither
// the original channel count nor the low edge, so on reading the series is described as one
// channel: freq_lo_mhz = fch1, bandwidth_mhz = |foff|, nchan = 1.
// origin_files: the first one goes into rawdatafile (SIGPROC's one slot for it), and comes
// back from it.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/atomic_file.hpp"
#include "io/sigproc/sigproc_header.hpp"
#include "io/timeseries_io.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

SigprocHeader tim_header(const TimeSeries& ts) {
  SigprocHeader h;
  const int id = sigproc_telescope_id(ts.telescope);
  h.telescope_id = id >= 0 ? id : 0;
  h.machine_id = 0;
  h.data_type = 2;
  if (!ts.origin_files.empty()) {
    h.rawdatafile = std::filesystem::path(ts.origin_files.front()).filename().string();
  }
  h.source_name = ts.source;
  h.src_raj = deg_to_sigproc_ra(ts.ra_deg);
  h.src_dej = deg_to_sigproc_dec(ts.dec_deg);
  h.tstart = ts.start_mjd;
  h.tsamp = ts.tsamp_s;
  const double chan_bw = ts.nchan > 0 ? ts.bandwidth_mhz / ts.nchan : ts.bandwidth_mhz;
  h.fch1 = ts.freq_lo_mhz + ts.bandwidth_mhz - chan_bw;
  h.foff = -chan_bw;
  h.nchans = 1;
  h.nbits = 32;
  h.nifs = 1;
  h.refdm = ts.dm;
  return h;
}

void check_tim_header(const SigprocHeader& h, const std::string& path) {
  if (h.data_type.value_or(-1) != 2) {
    throw bad_input(path, "data_type {} is not a time series (2)",
                    h.data_type ? std::to_string(*h.data_type) : "missing");
  }
  if (h.nbits.value_or(32) != 32) {
    throw bad_input(path, "time series nbits {} is not supported (32-bit float only)", *h.nbits);
  }
  if (h.nchans.value_or(1) != 1 || h.nifs.value_or(1) != 1) {
    throw bad_input(path, "a time series must have nchans 1 and nifs 1 (found {} and {})",
                    h.nchans.value_or(1), h.nifs.value_or(1));
  }
  if (!h.tsamp || !std::isfinite(*h.tsamp) || *h.tsamp <= 0) {
    throw bad_input(path, "tsamp must be a positive number of seconds");
  }
}

}  // namespace

TimeSeries read_sigproc_tim(const std::string& path) {
  const RawInputFile file(path);
  const SigprocHeader h = read_sigproc_header(file);
  check_tim_header(h, path);
  const uint64_t data_bytes = file.size() - h.header_bytes;
  if (data_bytes % sizeof(float) != 0) {
    spdlog::warn("{}: ignoring {} trailing bytes (not a whole float32)", path,
                 data_bytes % sizeof(float));
  }
  TimeSeries ts;
  ts.data.resize(static_cast<size_t>(data_bytes / sizeof(float)));
  file.read_exact(h.header_bytes, ts.data.size() * sizeof(float), ts.data.data());
  ts.tsamp_s = *h.tsamp;
  ts.start_mjd = h.tstart.value_or(0.0);
  ts.dm = h.refdm.value_or(0.0);
  ts.freq_lo_mhz = h.fch1.value_or(0.0);
  ts.bandwidth_mhz = std::abs(h.foff.value_or(0.0));
  ts.nchan = 1;
  ts.source = h.source_name.value_or("");
  ts.telescope = sigproc_telescope_name(h.telescope_id.value_or(0));
  ts.ra_deg = h.src_raj ? sigproc_ra_to_deg(*h.src_raj) : 0.0;
  ts.dec_deg = h.src_dej ? sigproc_dec_to_deg(*h.src_dej) : 0.0;
  if (h.rawdatafile && !h.rawdatafile->empty()) ts.origin_files.push_back(*h.rawdatafile);
  return ts;
}

std::string sigproc_tim_header(const TimeSeries& series) {
  return serialise_sigproc_header(tim_header(series));
}

void write_sigproc_tim(const std::string& path, const TimeSeries& series) {
  if (!(series.tsamp_s > 0) || !std::isfinite(series.tsamp_s)) {
    throw bad_input(path, "tsamp {} must be a positive number of seconds", series.tsamp_s);
  }
  AtomicFile file(path);
  std::FILE* f = std::fopen(file.temp_path().c_str(), "wb");
  if (f == nullptr) throw environment_error("{}: cannot write: {}", path, std::strerror(errno));
  const std::string header = serialise_sigproc_header(tim_header(series));
  const bool ok =
      std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
      (series.data.empty() ||  // fwrite must not see the null data() of an empty vector
       std::fwrite(series.data.data(), sizeof(float), series.data.size(), f) == series.data.size());
  close_written(f, ok, errno, path);
  file.commit();
}

}  // namespace tianyan
