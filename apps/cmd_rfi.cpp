// `tianyan rfi FILE... [-c CONFIG] -o DIR [--mask FILE] [--write-filterbank] [--backend B]
// [--device N]`: the RFI stage alone over each beam. Writes DIR/<stem>.mask (loadable by --mask), DIR/<stem>.rfi.json (the
// masked fractions, the effective configuration, the version and the inputs) and, with
// --write-filterbank, the cleaned data as 32-bit filterbank DIR/<stem>_clean.fil. Every output
// is atomic. --mask applies the saved mask to every beam instead of detecting.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "io/atomic_file.hpp"
#include "io/sigproc/filterbank.hpp"
#include "kernels/common/error.hpp"
#include "pipeline/clean_dedisperse.hpp"
#include "pipeline/progress.hpp"
#include "tianyan/version.hpp"

namespace tianyan::cli {
namespace {

struct RfiArgs {
  std::vector<std::string> inputs;
  std::string config;
  std::string out_dir;
  std::string mask;
  bool write_filterbank = false;
  int threads = -1;  // -1: resources.threads
  std::string backend = "cpu";
  std::string device = "0";  // --device: an index, a list or all
};

nlohmann::json rfi_report(const RfiMask& mask, const PipelineConfig& config,
                          const ObservationInfo& info, const std::string& source) {
  const RfiMaskSummary s = mask.summary();
  nlohmann::json j;
  j["version"] = kVersionFull;
  j["inputs"] = info.files;
  j["configuration_source"] = source;
  j["configuration"] = pipeline_config_to_json(config);
  j["nchan"] = info.nchan();
  j["nsamples"] = info.nsamples;
  j["block_nsamp"] = mask.block_nsamp();
  j["masked_fraction"] = {{"total", s.total_fraction},
                          {"clipped", s.clipped_fraction},
                          {"per_channel", s.channel_fraction},
                          {"per_block", s.block_fraction}};
  return j;
}

void clean_beam(const BeamFiles& beam, const RfiArgs& args, const PipelineConfig& config,
                const std::string& source, const RfiMask* reuse, const ComputeTarget& target,
                const GlobalOptions& global) {
  const int threads = resolve_threads(args.threads >= 0 ? args.threads : config.resources.threads);
  const auto reader = open_beam(beam, OpenOptions{config.input.strict, threads});
  const ObservationInfo& info = reader->info();
  validate_rfi_for_input(config, source, info.nchan());
  if (reuse != nullptr) validate_mask_for_input(*reuse, args.mask, config, info);
  const std::string stem = (std::filesystem::path(args.out_dir) / beam_stem(beam)).string();

  std::unique_ptr<SearchWriter> fil;
  if (args.write_filterbank) {
    ObservationInfo header = info;  // cleaned total intensity as float32
    header.nbits = 32;
    header.npol = 1;
    header.pol_type = "AA+BB";
    fil = make_filterbank_writer(stem + "_clean.fil", header);
  }
  Progress progress("rfi " + beam_stem(beam), !global.quiet);
  StreamOptions options;
  options.threads = threads;
  options.reuse_mask = reuse;
  options.rfi = target;
  options.progress = [&progress](double f) { progress.update(f); };
  const RfiRunResult result = run_rfi_stage(*reader, config, options, [&](const CleanedGulp& g) {
    if (fil) fil->write(g.data, g.nsamp);
  });
  progress.finish();
  result.mask.save(stem + ".mask");
  write_file_atomically(stem + ".rfi.json",
                        rfi_report(result.mask, config, info, source).dump(2) + "\n");
  if (fil) fil->finish();
  spdlog::info("{}: {:.2f}% masked; rfi {:.2f} s, read {:.2f} s, write {:.2f} s ({:.1f}x real "
               "time)", beam_stem(beam), 100.0 * result.mask.summary().total_fraction,
               result.times.rfi_s, result.times.read_s, result.times.sink_s,
               info.duration_s() / std::max(result.times.total_s, 1e-9));
  std::printf("%s.mask\n%s.rfi.json\n", stem.c_str(), stem.c_str());
  if (fil) std::printf("%s_clean.fil\n", stem.c_str());
}

void run_rfi(const RfiArgs& args, const GlobalOptions& global) {
  std::string source;
  const PipelineConfig config = load_effective_config(args.config, std::nullopt, source);
  const ComputeTarget target = resolve_backend(args.backend, args.device);
  const std::vector<BeamFiles> beams = discover_beams(args.inputs);
  ensure_output_dir(args.out_dir);
  std::optional<RfiMask> reuse;
  if (!args.mask.empty()) reuse = RfiMask::load(args.mask);
  for (const BeamFiles& beam : beams) {
    clean_beam(beam, args, config, source, reuse ? &*reuse : nullptr, target, global);
  }
}

}  // namespace

void add_rfi_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<RfiArgs>();
  CLI::App* cmd = app.add_subcommand(
      "rfi", "Run RFI excision alone over each beam: write its mask, a JSON summary and, on "
             "request, the cleaned data as a 32-bit filterbank");
  cmd->add_option("inputs", args->inputs, "Search-mode files, directories or globs")->required();
  cmd->add_option("-c,--config", args->config, "Pipeline configuration (TOML; default: built-in)");
  cmd->add_option("-o,--output", args->out_dir, "Output directory")->required();
  cmd->add_option("--mask", args->mask, "Apply this saved mask instead of detecting RFI");
  cmd->add_flag("--write-filterbank", args->write_filterbank,
                "Also write the cleaned data as DIR/<stem>_clean.fil (32-bit)");
  cmd->add_option("-j,--threads", args->threads, "Threads (0 = all cores; default: config)");
  add_backend_options(cmd, args->backend, args->device);
  cmd->callback([args, &global] { run_rfi(*args, global); });
}

}  // namespace tianyan::cli
