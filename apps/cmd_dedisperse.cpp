// `tianyan dedisperse FILE... [-c CONFIG] --dm LO:HI[:STEP] -o DIR [--format sigproc|presto]`:
// RFI excision and dedispersion of each beam, one time series per DM trial:
// DIR/<stem>_DM<dm>.tim, or .dat + .inf with --format presto (naming and atomicity:
// pipeline/series_writer.hpp; gulps and the end of the stream: pipeline/clean_dedisperse.hpp).
// Values are sums over channels and downsampled samples, not means.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "io/atomic_file.hpp"
#include "kernels/dedisp/dm_plan.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "pipeline/progress.hpp"
#include "pipeline/series_writer.hpp"

namespace tianyan::cli {
namespace {

struct DedisperseArgs {
  std::vector<std::string> inputs;
  std::string config;
  std::optional<std::string> dm;
  std::string out_dir;
  std::string format = "sigproc";
  int threads = -1;  // -1: resources.threads
  std::string backend = "cpu";
  std::string device = "0";  // --device: an index, a list or all
};

TimeSeries series_meta(const ObservationInfo& info) {
  TimeSeries meta;
  meta.tsamp_s = info.tsamp_s;
  meta.start_mjd = info.start_mjd;
  meta.freq_lo_mhz = info.freq_lo_mhz();
  meta.bandwidth_mhz = info.chan_bw_mhz() * static_cast<double>(info.nchan());
  meta.nchan = static_cast<int>(info.nchan());
  meta.source = info.source;
  meta.telescope = info.telescope;
  meta.ra_deg = std::isfinite(info.ra_deg) ? info.ra_deg : 0.0;
  meta.dec_deg = std::isfinite(info.dec_deg) ? info.dec_deg : 0.0;
  meta.origin_files = info.files;
  return meta;
}

void dedisperse_beam(const BeamFiles& beam, const DedisperseArgs& args,
                     const PipelineConfig& config, const std::string& source,
                     const ComputeTarget& target, const GlobalOptions& global) {
  const int threads = resolve_threads(args.threads >= 0 ? args.threads : config.resources.threads);
  const auto reader = open_beam(beam, OpenOptions{config.input.strict, threads});
  const ObservationInfo& info = reader->info();
  validate_rfi_for_input(config, source, info.nchan());
  const std::string stem = beam_stem(beam);

  Progress progress("dedisperse " + stem, !global.quiet);
  StreamOptions options;
  options.threads = threads;
  options.dedisp = target;
  options.rfi = target;
  options.progress = [&progress](double f) { progress.update(f); };
  CleanDedisperse pipe(*reader, config, options);
  std::string plan_text = format_dm_plan(pipe.plan());
  while (!plan_text.empty() && plan_text.back() == '\n') plan_text.pop_back();
  spdlog::info("{}: {} DM trials {:.3f}..{:.3f}, downsampling up to {}, {} threads\n{}", stem,
               pipe.trials().size(), pipe.trials().front().dm, pipe.trials().back().dm,
               pipe.plan().max_downsample(), threads, plan_text);

  SeriesSetWriter writer(args.out_dir, stem, series_meta(info), pipe.trials(),
                         args.format == "presto" ? SeriesFormat::Presto : SeriesFormat::Sigproc);
  StageTimes times;
  const RfiMask mask = pipe.run(
      [&writer](const DedispGulp& g) {
        for (size_t t = 0; t < g.trials->size(); ++t) writer.append(t, g.row(t), g.count(t));
      },
      times);
  progress.finish();
  writer.commit();
  spdlog::info("{}: {} series written; read {:.2f} s, rfi {:.2f} s ({:.2f}% masked), dedisp "
               "{:.2f} s, write {:.2f} s; {:.2f} s total for {:.2f} s of data ({:.2f}x real time)",
               stem, writer.final_paths().size(), times.read_s, times.rfi_s,
               100.0 * mask.summary().total_fraction, times.dedisp_s, times.sink_s,
               times.total_s, info.duration_s(), info.duration_s() / std::max(times.total_s, 1e-9));
  for (const std::string& p : writer.final_paths()) std::printf("%s\n", p.c_str());
}

void run_dedisperse(const DedisperseArgs& args, const GlobalOptions& global) {
  std::string source;
  const PipelineConfig config = load_effective_config(args.config, args.dm, source);
  const ComputeTarget target = resolve_backend(args.backend, args.device);
  const std::vector<BeamFiles> beams = discover_beams(args.inputs);
  ensure_output_dir(args.out_dir);
  for (const BeamFiles& beam : beams) dedisperse_beam(beam, args, config, source, target, global);
}

}  // namespace

void add_dedisperse_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<DedisperseArgs>();
  CLI::App* cmd = app.add_subcommand(
      "dedisperse", "Clean RFI and dedisperse each beam: one time series per DM trial, named "
                    "<stem>_DM<dm>.tim (or PRESTO .dat/.inf)");
  cmd->add_option("inputs", args->inputs, "Search-mode files, directories or globs")->required();
  cmd->add_option("-c,--config", args->config, "Pipeline configuration (TOML; default: built-in)");
  cmd->add_option("--dm", args->dm,
                  "DM range: LO:HI (planned), LO:HI:STEP or D1,D2,... (pc cm^-3); default: "
                  "the configuration's");
  cmd->add_option("-o,--output", args->out_dir, "Output directory")->required();
  cmd->add_option("--format", args->format, "Time-series format")
      ->check(CLI::IsMember({"sigproc", "presto"}));
  cmd->add_option("-j,--threads", args->threads, "Threads (0 = all cores; default: config)");
  add_backend_options(cmd, args->backend, args->device);
  cmd->callback([args, &global] { run_dedisperse(*args, global); });
}

}  // namespace tianyan::cli
