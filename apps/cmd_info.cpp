// `tianyan info`: what an input holds (beams, files, duration, gaps, channels, bits, pols), and
// which CUDA devices this build can use.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "io/observation_json.hpp"
#include "io/reader.hpp"
#include "io/timeseries_io.hpp"
#include "kernels/common/device_query.hpp"
#include "kernels/common/error.hpp"
#include "tianyan/version.hpp"

namespace tianyan::cli {
namespace {

struct InfoOptions {
  std::vector<std::string> inputs;
  bool json = false;
  bool strict = false;
  bool devices = false;
};

nlohmann::json devices_json(const CudaStatus& s) {
  nlohmann::json devs = nlohmann::json::array();
  for (const auto& d : s.devices) {
    devs.push_back({{"index", d.index},
                    {"name", d.name},
                    {"compute_capability", fmt::format("{}.{}", d.cc_major, d.cc_minor)},
                    {"memory_bytes", d.memory_bytes},
                    {"multiprocessors", d.multiprocessors}});
  }
  return {{"cuda_compiled", s.compiled},
          {"cuda_runtime_version", s.runtime_version},
          {"cuda_driver_version", s.driver_version},
          {"devices", devs},
          {"problem", s.problem}};
}

void print_devices(const CudaStatus& s) {
  std::printf("tianyan %s, CUDA backend %s\n", kVersionFull, s.compiled ? "compiled" : "not compiled");
  if (s.devices.empty()) {
    std::printf("%s\n", s.problem.c_str());
    return;
  }
  for (const auto& d : s.devices) {
    std::printf("CUDA device %d: %s, compute capability %d.%d, %.1f GiB, %d SMs\n", d.index,
                d.name.c_str(), d.cc_major, d.cc_minor,
                static_cast<double>(d.memory_bytes) / (1024.0 * 1024 * 1024), d.multiprocessors);
  }
}

std::string file_list(const std::vector<std::string>& files) {
  if (files.size() <= 3) return fmt::format("{}", fmt::join(files, " "));
  return fmt::format("{} ... {} ({} files)", files.front(), files.back(), files.size());
}

void print_observation(const ObservationInfo& o) {
  const std::string title = o.beam == 0 ? fmt::format("input {}", o.scan)
                                          : fmt::format("scan {} beam {:02d}", o.scan, o.beam);
  std::printf("%s (%s, %zu file%s)\n", title.c_str(), o.format.c_str(), o.files.size(),
              o.files.size() == 1 ? "" : "s");
  std::printf("  files      %s\n", file_list(o.files).c_str());
  std::printf("  source     %s   telescope %s\n", o.source.empty() ? "(unnamed)" : o.source.c_str(),
              o.telescope.empty() ? "(unknown)" : o.telescope.c_str());
  std::printf("  start      MJD %.9f\n", o.start_mjd);
  if (o.nsamples == 0) {
    std::printf("  samples    none: the observation holds no data (%llu stored)\n",
                static_cast<unsigned long long>(o.nsamples_stored));
  } else {
    std::printf("  samples    %llu valid, %llu stored; tsamp %.3f us; duration %.3f s\n",
                static_cast<unsigned long long>(o.nsamples),
                static_cast<unsigned long long>(o.nsamples_stored), o.tsamp_s * 1e6,
                o.duration_s());
  }
  std::printf("  channels   %zu, %.4f to %.4f MHz, %.6f MHz wide, stored %s\n", o.nchan(),
              o.freq_lo_mhz(), o.freq_hi_mhz(), o.chan_bw_mhz(),
              o.file_descending ? "highest frequency first" : "lowest frequency first");
  std::printf("  format     %d-bit, %d polarisation product%s%s%s\n", o.nbits, o.npol,
              o.npol == 1 ? "" : "s", o.pol_type.empty() ? "" : " ", o.pol_type.c_str());
  if (o.chan_dm != 0) std::printf("  coherent   dedispersed within channels at DM %.3f\n", o.chan_dm);
  const std::string flagged = channel_ranges(o.flagged);
  std::printf("  flagged    %s\n", flagged.empty() ? "none" : ("channels " + flagged).c_str());
  if (o.gaps.empty()) {
    std::printf("  gaps       none\n");
  } else {
    for (const auto& g : o.gaps) {
      std::printf("  gap        %llu samples (%.3f s) at sample %llu, after %s\n",
                  static_cast<unsigned long long>(g.nsamp), static_cast<double>(g.nsamp) * o.tsamp_s,
                  static_cast<unsigned long long>(g.start_sample), g.before_file.c_str());
    }
  }
}

ObservationInfo timeseries_info(const std::string& path) {
  const TimeSeries ts = read_timeseries(path);
  ObservationInfo o;
  o.format = "timeseries";
  o.files = {path};
  o.source = ts.source;
  o.telescope = ts.telescope;
  o.start_mjd = ts.start_mjd;
  o.tsamp_s = ts.tsamp_s;
  o.nsamples = o.nsamples_stored = ts.data.size();
  o.freqs_mhz = {ts.freq_lo_mhz};
  o.nbits = 32;
  o.npol = 1;
  o.chan_dm = 0;
  return o;
}

std::vector<ObservationInfo> describe(const InfoOptions& opt) {
  std::vector<ObservationInfo> out;
  std::vector<std::string> search_mode;
  for (const auto& in : opt.inputs) {
    if (looks_like_timeseries(in)) {
      out.push_back(timeseries_info(in));
    } else {
      search_mode.push_back(in);
    }
  }
  if (search_mode.empty()) return out;
  for (const auto& beam : discover_beams(search_mode)) {
    auto reader = open_beam(beam, OpenOptions{opt.strict});
    out.push_back(reader->info());
  }
  return out;
}

void run_info(const InfoOptions& opt) {
  if (opt.devices) {
    const CudaStatus s = query_cuda_devices();
    if (opt.json) {
      std::printf("%s\n", devices_json(s).dump(2).c_str());
    } else {
      print_devices(s);
    }
    if (opt.inputs.empty()) return;
  }
  if (opt.inputs.empty()) throw usage_error("info: give input files, or --devices");
  const auto beams = describe(opt);
  if (opt.json) {
    nlohmann::json j = observation_to_json(beams.front());
    nlohmann::json beam_list = nlohmann::json::array();
    std::vector<std::string> all_files;
    for (const auto& b : beams) {
      beam_list.push_back(observation_to_json(b));
      all_files.insert(all_files.end(), b.files.begin(), b.files.end());
    }
    j["beams"] = beam_list;
    j["files"] = all_files;
    j["tianyan_version"] = kVersionFull;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  for (size_t i = 0; i < beams.size(); ++i) {
    if (i) std::printf("\n");
    print_observation(beams[i]);
  }
}

}  // namespace

void add_info_command(CLI::App& app, const GlobalOptions&) {
  auto opt = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "info", "Summarise inputs: FAST scans (files, a directory or a glob), PSRFITS, SIGPROC "
              "filterbank and time series (.tim, .dat/.inf)");
  cmd->add_option("inputs", opt->inputs, "Input files, directories or quoted globs");
  cmd->add_flag("--json", opt->json, "Print a JSON object instead of text");
  cmd->add_flag("--strict", opt->strict, "Refuse scans with gaps (missing files or rows)");
  cmd->add_flag("--devices", opt->devices, "List the CUDA devices this build can use");
  cmd->callback([opt] { run_info(*opt); });
}

}  // namespace tianyan::cli
