// `tianyan simulate CONFIG -o PREFIX`: a FAST-like observation with known signals, and the truth.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "apps/cli.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/progress.hpp"
#include "pipeline/simulate/simulate.hpp"

namespace tianyan::cli {
namespace {

struct SimulateArgs {
  std::string config;
  std::string prefix;
  std::optional<uint64_t> seed;
  std::optional<double> duration_s;
  std::optional<std::string> format;
  int threads = 0;
};

void run_simulate(const SimulateArgs& args, const GlobalOptions& global) {
  SimConfig config = load_sim_config(args.config);
  // Flags override the same keys of the file; the result is validated as a whole again.
  if (args.seed) config.observation.seed = *args.seed;
  if (args.duration_s) config.observation.duration_s = *args.duration_s;
  if (args.format) config.output.format = *args.format;
  validate_sim_config(config, args.config + " (with command-line overrides)");

  const std::filesystem::path prefix(args.prefix);
  ensure_output_dir(prefix.has_parent_path() ? prefix.parent_path().string() : ".");

  Progress progress("simulate", !global.quiet);
  SimulateOptions options;
  options.threads = resolve_threads(args.threads);
  options.progress = [&progress](double f) { progress.update(f); };
  const auto t0 = std::chrono::steady_clock::now();
  const SimulateResult result = simulate(config, args.prefix, options);
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  spdlog::info("wrote {} file{} and {} in {:.1f} s ({:.1f}x real time)", result.files.size(),
               result.files.size() == 1 ? "" : "s", result.truth_path, seconds,
               config.observation.duration_s / seconds);
  for (size_t p = 0; p < config.pulsars.size(); ++p) {
    const auto& psr = config.pulsars[p];
    double best = 0;
    for (double snr : result.pulsar_snr.at(p)) best = std::max(best, snr);
    std::printf("pulsar %s: P = %.9g s, DM = %.3f, accel = %g m/s^2, ideal S/N %.2f (beam %d)\n",
                psr.name.c_str(), psr.period_s, psr.dm, psr.accel_ms2, best, psr.beam);
  }
  for (const auto& f : result.files) std::printf("%s\n", f.c_str());
  std::printf("%s\n", result.truth_path.c_str());
}

}  // namespace

void add_simulate_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate", "Write a simulated FAST-like observation (PSRFITS scan or filterbank) described "
                  "by a TOML file (examples in configs/sim/), and PREFIX.truth.json");
  cmd->add_option("config", args->config, "Simulation configuration (TOML)")
      ->required();
  cmd->add_option("-o,--output", args->prefix,
                  "Output prefix: PREFIX-M01_0001.fits ... or PREFIX.fil, PREFIX.truth.json")
      ->required();
  cmd->add_option("--seed", args->seed, "Override observation.seed");
  cmd->add_option("--duration", args->duration_s, "Override observation.duration_s (s)");
  cmd->add_option("--format", args->format, "Override output.format")
      ->check(CLI::IsMember({"psrfits", "filterbank"}));
  cmd->add_option("-j,--threads", args->threads, "Threads (0 = all cores)");
  cmd->callback([args, &global] { run_simulate(*args, global); });
}

}  // namespace tianyan::cli
