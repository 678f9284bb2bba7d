#pragma once
// Writes one dedispersed series per DM trial, streamed a gulp at a time, atomically as a set.
//
// Each series grows in a temporary file beside its final name (io/atomic_file.hpp), opened,
// appended and closed once per gulp so that thousands of trials never hold thousands of open
// files. commit() renames them all at the end (PRESTO: every .dat, then every .inf, so an .inf
// always finds its .dat complete); until then no final name exists, and a failed run (an
// exception destroys the writer) removes the temporary files.
//
// Names: "<stem>_DM<dm>.tim" (SIGPROC) or "<stem>_DM<dm>.dat" + ".inf" (PRESTO), the DM with as
// many decimals as the plan's finest DM step needs, at least 2, and more while two trials would
// still share a name.
#include <cstdint>
#include <string>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/timeseries.hpp"
#include "kernels/dedisp/dm_plan.hpp"

namespace tianyan {

enum class SeriesFormat { Sigproc, Presto };

// The DM labels of `trials` ("60.25"), distinct, with the decimals described above.
std::vector<std::string> dm_labels(const std::vector<DmTrial>& trials);

class SeriesSetWriter {
 public:
  // `meta` describes the series (source, band, start, origin files); its tsamp is the input's,
  // multiplied by each trial's downsample; its data is ignored.
  SeriesSetWriter(const std::string& dir, const std::string& stem, const TimeSeries& meta,
                  const std::vector<DmTrial>& trials, SeriesFormat format);
  // Appends n samples to trial t's series. Throws Environment when the write fails.
  void append(size_t trial, const float* data, uint64_t n);
  // Publishes every series under its final name.
  void commit();
  const std::vector<std::string>& final_paths() const { return paths_; }

 private:
  TimeSeries series_meta(size_t trial) const;

  TimeSeries meta_;
  std::vector<DmTrial> trials_;
  SeriesFormat format_;
  std::vector<std::string> paths_;  // .tim or .dat
  std::vector<AtomicFile> files_;
  std::vector<uint64_t> counts_;
};

}  // namespace tianyan
