// `tianyan fold FILE... (--candidates DIR/candidates.csv [--top N] | --period P --dm DM
// [--accel A | --pdot PD]) -o DIR`: folds the RFI-cleaned data of each beam (the search's RFI
// stage and configuration, or a saved --mask) at many candidates in ONE pass per beam
// (pipeline/fold_run.hpp), optimises period, period derivative and DM of each on the folded
// cube, and writes per candidate DIR/cand_NNN.ar (PSRFITS fold archive), the sheet
// cand_NNN.png (fold.plot_format), its thumbnail and the summary cand_NNN.json
// (pipeline/fold_products.hpp). NNN is the
// candidate's rank in candidates.csv, or the beam's position among the inputs for --period.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "io/atomic_file.hpp"
#include "io/candidates_reader.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/fold_products.hpp"
#include "pipeline/fold_run.hpp"
#include "pipeline/progress.hpp"

namespace tianyan::cli {
namespace {

struct FoldArgs {
  std::vector<std::string> inputs;
  std::string candidates;
  std::optional<int> top;
  std::optional<double> period, dm, accel, pdot;
  std::string out_dir;
  std::string config;
  std::string mask;
  std::optional<int> nbin, nsubint, nsubband;
  int threads = -1;  // -1: resources.threads
  std::string backend = "cpu";
  std::string device = "0";  // --device: an index, a list or all
};

struct Job {
  FoldRequest request;
  std::string name;  // cand_NNN
};

void check_usage(const FoldArgs& a) {
  if (a.candidates.empty() == !a.period.has_value()) {
    throw usage_error("fold: give either --candidates FILE or --period P --dm DM");
  }
  if (a.period && !a.dm) throw usage_error("fold: --period needs --dm");
  if (!a.period && (a.dm || a.accel || a.pdot)) {
    throw usage_error("fold: --dm, --accel and --pdot go with --period, not --candidates");
  }
  if (a.accel && a.pdot) throw usage_error("fold: give --accel or --pdot, not both");
  if (a.top && a.candidates.empty()) throw usage_error("fold: --top goes with --candidates");
}

PipelineConfig fold_config(const FoldArgs& a, std::string& source) {
  PipelineConfig config = load_effective_config(a.config, std::nullopt, source);
  if (a.nbin || a.nsubint || a.nsubband) {
    if (a.nbin) config.fold.nbin = *a.nbin;
    if (a.nsubint) config.fold.nsubint = *a.nsubint;
    if (a.nsubband) config.fold.nsubband = *a.nsubband;
    source += " (with command-line overrides)";
    validate_pipeline_config(config, source);
  }
  return config;
}

FoldRequest manual_request(const FoldArgs& a, const ObservationInfo& info) {
  // --period holds at the middle of the observation, as the search's periods do.
  const double ref_s = 0.5 * info.duration_s();
  FoldRequest q;
  q.model = a.pdot ? FoldModel::from_period(*a.period, *a.pdot, *a.dm, ref_s)
                   : FoldModel::from_accel(1.0 / *a.period, a.accel.value_or(0.0), *a.dm, ref_s);
  return q;
}

void print_table(const std::vector<FoldedCandidate>& folds, const std::vector<Job>& jobs) {
  std::printf("%-9s %16s %11s %10s %9s %8s %8s %8s\n", "name", "period_ms", "dm", "accel", "snr",
              "redchi2", "sigma", "dm_srch");
  for (size_t i = 0; i < folds.size(); ++i) {
    const FoldOptimum& b = folds[i].best;
    const FoldMeta& m = folds[i].meta;
    std::printf("%-9s %16.9f %11.4f %10.2f %9.2f %8.2f %8.2f %8.3f\n", jobs[i].name.c_str(),
                1e3 * b.model.period_s(), b.model.dm, b.model.accel_ms2(), b.snr, b.redchi2,
                m.search_sigma, m.search_dm);
  }
}

// Folds one beam's jobs in one pass and writes their outputs.
void fold_one_beam(const BeamFiles& beam, const FoldArgs& args, const PipelineConfig& config,
                   const std::string& source, const RfiMask* mask,
                   const std::vector<CandidateRecord>& cands, size_t beam_index,
                   const ComputeTarget& target, const GlobalOptions& global) {
  const int threads = resolve_threads(args.threads >= 0 ? args.threads : config.resources.threads);
  const auto reader = open_beam(beam, OpenOptions{config.input.strict, threads});
  const ObservationInfo& info = reader->info();
  validate_rfi_for_input(config, source, info.nchan());
  if (mask != nullptr) validate_mask_for_input(*mask, args.mask, config, info);
  std::vector<Job> jobs;
  if (cands.empty()) {
    jobs.push_back({manual_request(args, info), fmt::format("cand_{:03d}", beam_index + 1)});
  } else {
    for (const CandidateRecord& r : cands) {
      jobs.push_back(
          {candidate_fold_request(r.candidate, r.rank, info), fmt::format("cand_{:03d}", r.rank)});
    }
  }
  std::vector<FoldRequest> requests;
  for (const Job& j : jobs) requests.push_back(j.request);

  Progress progress("fold " + beam_stem(beam), !global.quiet);
  FoldRunStats stats;
  FoldRunOptions options;
  options.threads = threads;
  options.backend = target.backend;
  options.device = target.device;
  options.reuse_mask = mask;
  options.progress = [&progress](double f) { progress.update(f); };
  options.stats = &stats;
  const std::vector<FoldedCandidate> folds = fold_beam(*reader, config, requests, options);
  progress.finish();

  for (size_t i = 0; i < folds.size(); ++i) {
    write_fold_products(args.out_dir, jobs[i].name, folds[i], config.fold.plot_format);
  }
  spdlog::info(
      "{}: {} candidate(s) in {} DM group(s); read {:.2f} s, rfi {:.2f} s, fold "
      "{:.2f} s, optimise {:.2f} s, total {:.2f} s for {:.2f} s of data; {:.1f} MB held",
      beam_stem(beam), folds.size(), stats.groups, stats.read_s, stats.rfi_s, stats.fold_s,
      stats.optimise_s, stats.total_s, info.duration_s(),
      static_cast<double>(stats.memory_bytes) / 1e6);
  print_table(folds, jobs);
}

void run_fold(const FoldArgs& args, const GlobalOptions& global) {
  check_usage(args);
  // The folding engine and the optimiser's grids run where --backend says: `cuda` without a
  // usable GPU exits 4 before anything is read or written, `auto` says which it picked.
  const ComputeTarget target = resolve_backend(args.backend, args.device);
  std::string source;
  const PipelineConfig config = fold_config(args, source);
  std::vector<CandidateRecord> cands;
  if (!args.candidates.empty()) {
    cands = read_candidates_csv(args.candidates);
    const int top = args.top.value_or(config.fold.top_n);
    if (top > 0 && cands.size() > static_cast<size_t>(top)) cands.resize(static_cast<size_t>(top));
    if (cands.empty()) throw bad_input(args.candidates, "no candidates to fold");
  }
  const std::vector<BeamFiles> beams = discover_beams(args.inputs);
  ensure_output_dir(args.out_dir);
  std::optional<RfiMask> mask;
  if (!args.mask.empty()) mask = RfiMask::load(args.mask);

  std::vector<bool> used(cands.size(), false);
  for (size_t b = 0; b < beams.size(); ++b) {
    std::vector<CandidateRecord> mine;
    for (size_t i = 0; i < cands.size(); ++i) {
      if (!used[i] && candidate_in_beam(cands[i].candidate, beams[b])) {
        used[i] = true;
        mine.push_back(cands[i]);
      }
    }
    if (!args.candidates.empty() && mine.empty()) {
      spdlog::warn("{}: none of the candidates to fold belongs to this beam", beam_stem(beams[b]));
      continue;
    }
    fold_one_beam(beams[b], args, config, source, mask ? &*mask : nullptr, mine, b, target,
                  global);
  }
  size_t unmatched = 0;
  for (size_t i = 0; i < cands.size(); ++i) {
    if (used[i]) continue;
    ++unmatched;
    spdlog::warn("{}: candidate {} (file '{}', scan '{}', beam {}) is in none of the inputs",
                 args.candidates, cands[i].rank, cands[i].candidate.file, cands[i].candidate.scan,
                 cands[i].candidate.beam);
  }
  if (!cands.empty() && unmatched == cands.size()) {
    throw bad_input(args.candidates, "none of its {} candidate(s) to fold is in the inputs",
                    cands.size());
  }
}

}  // namespace

void add_fold_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<FoldArgs>();
  CLI::App* cmd = app.add_subcommand(
      "fold",
      "Fold candidates (from candidates.csv, or one given period and DM) in one pass "
      "per beam, optimise period, Pdot and DM; writes DIR/cand_NNN.ar, .png and .json");
  cmd->add_option("inputs", args->inputs, "Search-mode files, directories or globs")->required();
  cmd->add_option("--candidates", args->candidates, "candidates.csv of `tianyan search`");
  cmd->add_option("--top", args->top, "Fold the best N candidates (default: fold.top_n; 0: all)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--period", args->period, "Period (s) at the middle of the observation")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--dm", args->dm, "DM (pc cm^-3) for --period")->check(CLI::Range(0.0, 1e5));
  cmd->add_option("--accel", args->accel, "Line-of-sight acceleration (m/s^2) for --period");
  cmd->add_option("--pdot", args->pdot, "Period derivative (s/s) for --period");
  cmd->add_option("-o,--output", args->out_dir, "Output directory")->required();
  cmd->add_option("-c,--config", args->config, "Pipeline configuration (TOML; default: built-in)");
  cmd->add_option("--mask", args->mask, "Apply this saved RFI mask instead of detecting");
  cmd->add_option("--nbin", args->nbin, "Phase bins (0: automatic; default: fold.nbin)");
  cmd->add_option("--nsub", args->nsubint, "Sub-integrations (default: fold.nsubint)");
  cmd->add_option("--nsubband,--nchan-sub", args->nsubband, "Subbands (default: fold.nsubband)");
  cmd->add_option("-j,--threads", args->threads, "Threads (0 = all cores; default: config)");
  add_backend_options(cmd, args->backend, args->device);
  cmd->callback([args, &global] { run_fold(*args, global); });
}

}  // namespace tianyan::cli
