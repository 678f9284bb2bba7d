#pragma once
// Reading and writing dedispersed time series: SIGPROC .tim and PRESTO .dat + .inf.
#include <cstdint>
#include <string>

#include "io/timeseries.hpp"

namespace tianyan {

// Reads a .tim (SIGPROC, data_type 2, nbits 32) or a PRESTO .dat/.inf pair (either name may be
// given). Throws BadInput naming the file.
TimeSeries read_timeseries(const std::string& path);

TimeSeries read_sigproc_tim(const std::string& path);
void write_sigproc_tim(const std::string& path, const TimeSeries& series);

// `path` may name the .dat or the .inf; both are written atomically.
TimeSeries read_presto_timeseries(const std::string& path);
void write_presto_timeseries(const std::string& path, const TimeSeries& series);

// Pieces for writers that stream a series in parts (pipeline/series_writer.hpp): the .tim
// header bytes that precede the float32 samples, and the .inf text for `nbins` samples.
std::string sigproc_tim_header(const TimeSeries& series);
std::string presto_inf_text(const TimeSeries& series, const std::string& stem, uint64_t nbins);

// True when the file name says it is a time series (.tim, .dat, .inf).
bool looks_like_timeseries(const std::string& path);

}  // namespace tianyan
