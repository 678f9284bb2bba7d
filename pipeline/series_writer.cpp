#include "pipeline/series_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "io/timeseries_io.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {
namespace {

// The finest spacing between distinct DMs of the trials (0 for a single DM).
double finest_step(const std::vector<DmTrial>& trials) {
  std::vector<double> dms;
  for (const DmTrial& t : trials) dms.push_back(t.dm);
  std::sort(dms.begin(), dms.end());
  double step = 0;
  for (size_t i = 1; i < dms.size(); ++i) {
    const double d = dms[i] - dms[i - 1];
    if (d > 0 && (step == 0 || d < step)) step = d;
  }
  return step;
}

// Messages name the final path: the temporary one means nothing to a user.
void write_or_throw(const AtomicFile& file, const char* mode, const void* data, size_t bytes) {
  std::FILE* f = std::fopen(file.temp_path().c_str(), mode);
  if (f == nullptr) {
    throw environment_error("{}: cannot write: {}", file.final_path(), write_failure(errno));
  }
  const bool ok = bytes == 0 || std::fwrite(data, 1, bytes, f) == bytes;
  close_written(f, ok, errno, file.final_path());
}

}  // namespace

std::vector<std::string> dm_labels(const std::vector<DmTrial>& trials) {
  const double step = finest_step(trials);
  // A step of 0.05 needs 2 decimals, 0.001 needs 3: enough to tell neighbours apart.
  int decimals = step > 0 ? static_cast<int>(std::ceil(-std::log10(step) - 1e-9)) : 2;
  decimals = std::max(decimals, 2);
  std::vector<std::string> labels;
  for (; decimals <= 12; ++decimals) {
    labels.clear();
    std::set<std::string> seen;
    for (const DmTrial& t : trials) {
      labels.push_back(fmt::format("{:.{}f}", t.dm, decimals));
      seen.insert(labels.back());
    }
    if (seen.size() == labels.size()) return labels;
  }
  throw bad_input("--dm", "DM trials repeat: their series would share a name");
}

SeriesSetWriter::SeriesSetWriter(const std::string& dir, const std::string& stem,
                                 const TimeSeries& meta, const std::vector<DmTrial>& trials,
                                 SeriesFormat format)
    : meta_(meta), trials_(trials), format_(format), counts_(trials.size(), 0) {
  meta_.data.clear();
  const std::vector<std::string> labels = dm_labels(trials);
  const char* ext = format == SeriesFormat::Sigproc ? ".tim" : ".dat";
  files_.reserve(trials.size());
  for (size_t t = 0; t < trials.size(); ++t) {
    paths_.push_back((std::filesystem::path(dir) / (stem + "_DM" + labels[t] + ext)).string());
    files_.emplace_back(paths_.back());
    // A .tim starts with its header (no sample count in it); a .dat is bare samples.
    const std::string head =
        format == SeriesFormat::Sigproc ? sigproc_tim_header(series_meta(t)) : std::string();
    write_or_throw(files_.back(), "wb", head.data(), head.size());
  }
}

TimeSeries SeriesSetWriter::series_meta(size_t trial) const {
  TimeSeries s = meta_;
  s.tsamp_s = meta_.tsamp_s * trials_[trial].downsample;
  s.dm = trials_[trial].dm;
  return s;
}

void SeriesSetWriter::append(size_t trial, const float* data, uint64_t n) {
  write_or_throw(files_[trial], "ab", data, n * sizeof(float));
  counts_[trial] += n;
}

void SeriesSetWriter::commit() {
  std::vector<AtomicFile> infs;
  if (format_ == SeriesFormat::Presto) {
    // Written under temporary names first, so that nothing is published before every file
    // is complete.
    for (size_t t = 0; t < paths_.size(); ++t) {
      const std::string stem = paths_[t].substr(0, paths_[t].size() - 4);
      infs.emplace_back(stem + ".inf");
      const std::string text = presto_inf_text(series_meta(t), stem, counts_[t]);
      write_or_throw(infs.back(), "wb", text.data(), text.size());
    }
  }
  for (AtomicFile& f : files_) f.commit();
  for (AtomicFile& f : infs) f.commit();
}

}  // namespace tianyan
