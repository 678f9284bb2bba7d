// `tianyan search FILE... [-c CONFIG] [--dm LO:HI] [--accel-max A] -o DIR`: the main job.
// Each beam (or time series) is read, cleaned, dedispersed and searched in one process with
// bounded memory (pipeline/search_run.hpp); the candidates of all of them, ranked by sigma,
// go to DIR/candidates.csv and DIR/candidates.json with the provenance; then the best
// fold.top_n are folded and plotted and DIR/report.html written (apps/search_products.cpp).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "io/atomic_file.hpp"
#include "io/candidates_writer.hpp"
#include "io/timeseries_io.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/campaign_merge.hpp"
#include "pipeline/progress.hpp"
#include "pipeline/search_run.hpp"
#include "pipeline/stage_clock.hpp"
#include "tianyan/version.hpp"

namespace tianyan::cli {
namespace {

struct SearchArgs {
  std::vector<std::string> inputs;
  std::string config;
  std::optional<std::string> dm;
  std::optional<double> accel_max;
  std::optional<int> fold_top;
  std::string out_dir;
  std::string backend = "cpu";
  std::string device = "0";  // --device: an index, a list or all
  int threads = -1;  // -1: resources.threads
  int show = 10;     // candidates printed at the end
};

nlohmann::json beam_record(const std::string& name, const std::vector<std::string>& files,
                           const BeamSearch& r) {
  nlohmann::json birdies = nlohmann::json::array();
  for (const BirdieConfig& b : r.auto_birdies) {
    birdies.push_back({{"freq_hz", b.freq_hz}, {"width_hz", b.width_hz}});
  }
  return {{"name", name},
          {"files", files},
          {"duration_s", r.duration_s},
          {"dm_trials", r.ntrials},
          {"dm_lo", r.dm_lo},
          {"dm_hi", r.dm_hi},
          {"accel_trials", r.accel_trials},
          {"plan", r.plan},
          {"auto_birdies", birdies},
          {"raw_candidates", r.raw_candidates},
          {"candidates", r.candidates.size()},
          {"peak_series_bytes", r.peak_series_bytes},
          {"timings", r.times.to_json()}};
}

void log_summary(const std::string& name, const BeamSearch& r) {
  const SearchTimings& t = r.times;
  spdlog::info("{}: {} DM trials ({:.2f}..{:.2f}) x {} acceleration trials, {} candidates "
               "({} before sifting); read {:.2f} s, rfi {:.2f} s, dedisp {:.2f} s, search "
               "{:.2f} s, sift {:.2f} s; {:.2f} s for {:.2f} s of data ({:.2f}x real time)",
               name, r.ntrials, r.dm_lo, r.dm_hi, r.accel_trials, r.candidates.size(),
               r.raw_candidates, t.read_s, t.rfi_s, t.dedisp_s, t.search_s, t.sift_s, t.total_s,
               r.duration_s, r.duration_s / std::max(t.total_s, 1e-9));
}

void print_table(const std::vector<Candidate>& ranked, int show) {
  const size_t n = std::min(ranked.size(), static_cast<size_t>(std::max(0, show)));
  if (n == 0) return;
  std::printf("%4s %16s %12s %9s %9s %8s %8s %5s %6s  %s\n", "rank", "period_ms", "freq_hz",
              "dm", "accel", "sigma", "snr", "nharm", "dmhits", "beam");
  for (size_t i = 0; i < n; ++i) {
    const Candidate& c = ranked[i];
    std::printf("%4zu %16.9f %12.6f %9.3f %9.2f %8.2f %8.2f %5d %6d  %s\n", i + 1,
                1e3 * c.period_s(), c.freq_hz, c.dm, c.accel_ms2, c.sigma, c.snr, c.nharm,
                c.dm_hits, c.scan.c_str());
  }
}

std::string target_name(const ComputeTarget& t) {
  if (t.backend != Backend::Cuda) return "cpu";
  if (t.devices.size() < 2) return fmt::format("cuda:{}", t.device);
  std::string s = "cuda:";
  for (size_t i = 0; i < t.devices.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(t.devices[i]);
  }
  return s;
}

}  // namespace

void search_to_directory(const SearchJob& job, const GlobalOptions& global) {
  const auto t0 = StageClock::now();
  const PipelineConfig& config = job.config;
  const std::string& source = job.config_source;
  const int threads = job.threads;
  SearchRunOptions options;
  options.threads = threads;
  // RFI excision, dedispersion and the periodicity search (acceleration trials included) run
  // where --backend says.
  options.search = resolve_backend(job.backend, job.device, true);
  // Dedispersion (and RFI excision) on the first device; the search of the series on every
  // device listed, fed from a queue (kernels/search/period_search_queue.hpp).
  options.dedisp = options.search;
  options.dedisp.devices.clear();
  // The folding of the best candidates (engine and optimiser grids) runs where dedispersion
  // does.
  const ComputeTarget fold_target = options.dedisp;
  if (fold_target.backend == Backend::Cuda && config.fold.top_n > 0) {
    spdlog::info("the folding of the best candidates runs on CUDA device {}", fold_target.device);
  }

  std::vector<std::string> series_files, data_inputs;
  for (const std::string& in : job.inputs) {
    (looks_like_timeseries(in) ? series_files : data_inputs).push_back(in);
  }
  const std::vector<BeamFiles> beams =
      data_inputs.empty() ? std::vector<BeamFiles>{} : discover_beams(data_inputs);
  ensure_output_dir(job.out_dir);

  std::vector<Candidate> all;
  nlohmann::json records = nlohmann::json::array();
  double data_s = 0;
  auto take = [&](const std::string& name, const std::vector<std::string>& files, BeamSearch r) {
    for (Candidate& c : r.candidates) {
      if (c.scan.empty()) c.scan = name;
    }
    log_summary(name, r);
    records.push_back(beam_record(name, files, r));
    data_s += r.duration_s;
    all.insert(all.end(), r.candidates.begin(), r.candidates.end());
  };
  std::vector<RfiMask> masks(beams.size());  // each beam's, for the folding and the RFI plot
  for (size_t b = 0; b < beams.size(); ++b) {
    const BeamFiles& beam = beams[b];
    const auto reader = open_beam(beam, OpenOptions{config.input.strict, threads});
    validate_rfi_for_input(config, source, reader->info().nchan());
    const std::string stem = beam_stem(beam);
    Progress progress("search " + stem, !global.quiet);
    options.progress = [&progress](double f) { progress.update(f); };
    BeamSearch r = search_beam(*reader, config, options);
    progress.finish();
    masks[b] = std::move(r.rfi_mask);
    take(stem, reader->info().files, std::move(r));
  }
  for (const std::string& path : series_files) {
    options.progress = nullptr;
    take(path, {path}, search_time_series(read_timeseries(path), path, config, options));
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Candidate& a, const Candidate& b) { return a.sigma > b.sigma; });
  // Several beams of a scan searched together: the same signal in too many beams, or in beams
  // that are not neighbours, is terrestrial (kernels/search/multibeam.hpp).
  nlohmann::json multibeam_rfi = nlohmann::json::array();
  if (beams.size() > 1 && config.multibeam.enabled) {
    std::vector<BeamGroup> groups;
    all = apply_multibeam(all, config.multibeam, &groups);
    for (const BeamGroup& g : groups) {
      if (!g.rfi) continue;
      multibeam_rfi.push_back({{"scan", g.best.scan},
                               {"freq_hz", g.best.freq_hz},
                               {"dm", g.best.dm},
                               {"sigma", g.best.sigma},
                               {"beams", g.beams}});
    }
    spdlog::info("multi-beam coincidence: {} signal(s) kept, {} judged terrestrial", all.size(),
                 multibeam_rfi.size());
  }

  const double total_s = seconds_since(t0);
  nlohmann::json provenance = {
      {"tianyan_version", kVersionFull},
      {"backend", job.backend},
      {"dedisp_backend", target_name(options.dedisp)},
      {"search_backend", target_name(options.search)},
      {"fold_backend", target_name(fold_target)},
      {"threads", threads},
      {"config_source", source},
      {"config", pipeline_config_to_json(config)},
      {"inputs", job.inputs},
      {"beams", records},
      {"epoch", "epoch_mjd: the middle of the observation (topocentric UTC MJD, at the highest "
                "channel frequency, the dedispersion reference); freq_hz and period_s hold there"},
      {"timings", {{"total_s", total_s}, {"data_s", data_s}}}};
  if (beams.size() > 1) provenance["multibeam_rfi"] = multibeam_rfi;
  write_candidates(job.out_dir, all, provenance);
  spdlog::info("{} candidates from {} beam(s) and {} series in {:.2f} s ({:.2f}x real time); "
               "written to {}/candidates.csv and candidates.json",
               all.size(), beams.size(), series_files.size(), total_s,
               data_s / std::max(total_s, 1e-9), job.out_dir);
  print_table(all, job.show);

  // Folding, plots and the report come after the candidate list, which is complete on disk
  // even if they fail.
  const auto tf = StageClock::now();
  std::vector<SearchedBeam> searched;
  for (size_t b = 0; b < beams.size(); ++b) searched.push_back({&beams[b], &masks[b]});
  provenance["timings"]["total_s"] = seconds_since(t0);
  write_search_products(all, searched, config, threads, fold_target, job.out_dir, global.quiet,
                        provenance);
  spdlog::info("folded the best {} candidate(s), plots and {}/report.html in {:.2f} s",
               std::min<size_t>(all.size(), static_cast<size_t>(config.fold.top_n)),
               job.out_dir, seconds_since(tf));
}

namespace {

void run_search(const SearchArgs& args, const GlobalOptions& global) {
  SearchJob job;
  job.config = load_effective_config(args.config, args.dm, job.config_source);
  PipelineConfig& config = job.config;
  const std::string& source = job.config_source;
  if (args.fold_top) {
    config.fold.top_n = *args.fold_top;
    validate_pipeline_config(config, source + " with --fold-top");
  }
  if (args.accel_max) {
    config.search.accel.enabled = *args.accel_max > 0;
    if (*args.accel_max > 0) config.search.accel.max_ms2 = *args.accel_max;
    validate_pipeline_config(config, source + " with --accel-max");
  }
  job.threads = resolve_threads(args.threads >= 0 ? args.threads : config.resources.threads);
  job.inputs = args.inputs;
  job.backend = args.backend;
  job.device = args.device;
  job.out_dir = args.out_dir;
  job.show = args.show;
  search_to_directory(job, global);
}

}  // namespace

void add_search_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<SearchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "search", "Search for pulsars: RFI, dedispersion, FFT search with harmonic summing (and "
                "acceleration), sifting; writes DIR/candidates.csv and candidates.json, folds "
                "the best candidates (archives, plots) and writes DIR/report.html");
  cmd->add_option("inputs", args->inputs,
                  "Search-mode files, directories or globs, or time series (.tim, .dat)")
      ->required();
  cmd->add_option("-c,--config", args->config, "Pipeline configuration (TOML; default: built-in)");
  cmd->add_option("--dm", args->dm,
                  "DM range: LO:HI (planned), LO:HI:STEP or D1,D2,... (pc cm^-3); default: "
                  "the configuration's");
  cmd->add_option("--accel-max", args->accel_max,
                  "Acceleration search to |a| <= A m/s^2 (0: off); default: the configuration's")
      ->check(CLI::Range(0.0, 1e5));
  cmd->add_option("--fold-top", args->fold_top,
                  "Fold, plot and archive the best N candidates (0: none; default: fold.top_n)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("-o,--output", args->out_dir, "Output directory")->required();
  add_backend_options(cmd, args->backend, args->device);
  cmd->add_option("-j,--threads", args->threads, "Threads (0 = all cores; default: config)");
  cmd->add_option("--show", args->show, "Candidates printed at the end")->check(CLI::Range(0, 1000000));
  cmd->callback([args, &global] { run_search(*args, global); });
}

}  // namespace tianyan::cli
