// `tianyan plot ARCHIVE|DIR... [-o DIR] [--format png|pdf|both]`: redraws candidate sheets
// from saved fold-mode archives, without the raw data. Each archive is read back
// (io/psrfits/psrfits_fold_reader.hpp), its cube optimised again (kernels/fold/fold_optimise.hpp:
// the grids and maps are recomputed, not stored) and drawn (io/plot/plot.hpp). A directory
// means every *.ar in it; one that holds a search's candidates.csv also gets its overview plot
// redrawn.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "io/atomic_file.hpp"
#include "io/candidates_reader.hpp"
#include "io/plot/plot.hpp"
#include "io/psrfits/psrfits_fold_reader.hpp"
#include "kernels/common/error.hpp"
#include "kernels/fold/fold_optimise.hpp"
#include "pipeline/fold_products.hpp"

namespace tianyan::cli {
namespace {

namespace fs = std::filesystem;

struct PlotArgs {
  std::vector<std::string> inputs;
  std::string out_dir;  // empty: beside each archive
  std::string format;   // empty: the configuration's fold.plot_format
  std::string config;
  int threads = -1;
};

// The archives an input names, sorted; the directories among the inputs.
std::vector<std::string> archives_of(const std::vector<std::string>& inputs,
                                     std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      dirs.push_back(in);
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(in, ec)) {
        if (e.is_regular_file() && e.path().extension() == ".ar") found.push_back(e.path().string());
      }
      if (ec) throw bad_input(in, "cannot list the directory: {}", ec.message());
      if (found.empty()) spdlog::warn("{}: no archive (*.ar) in this directory", in);
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(in, ec)) {
      out.push_back(in);
    } else {
      throw bad_input(in, "no such file or directory");
    }
  }
  return out;
}

void run_plot(const PlotArgs& args) {
  std::string source;
  const PipelineConfig config = load_effective_config(args.config, std::nullopt, source);
  const std::string format = args.format.empty() ? config.fold.plot_format : args.format;
  if (format == "none") throw usage_error("plot: --format none draws nothing");
  const int threads = resolve_threads(args.threads >= 0 ? args.threads : config.resources.threads);
  if (!args.out_dir.empty()) ensure_output_dir(args.out_dir);

  std::vector<std::string> dirs;
  const std::vector<std::string> archives = archives_of(args.inputs, dirs);
  for (const std::string& path : archives) {
    FoldedCandidate c = read_fold_archive(path);
    c.best = optimise_fold(c.cube, config.fold, threads);
    const fs::path p(path);
    const std::string dir = args.out_dir.empty() ? p.parent_path().string() : args.out_dir;
    const FoldProducts made =
        write_fold_products(dir.empty() ? "." : dir, p.stem().string(), c, format, false);
    spdlog::info("{}: P {:.9f} ms, DM {:.3f}, S/N {:.1f}, reduced chi2 {:.2f} -> {}", path,
                 1e3 * c.best.model.period_s(), c.best.model.dm, c.best.snr, c.best.redchi2,
                 fmt::join(made.plots, ", "));
  }
  for (const std::string& d : dirs) {
    const fs::path csv = fs::path(d) / "candidates.csv";
    if (!fs::exists(csv)) continue;
    std::vector<Candidate> ranked;
    for (const CandidateRecord& r : read_candidates_csv(csv.string())) {
      ranked.push_back(r.candidate);
    }
    const std::string out = args.out_dir.empty() ? d : args.out_dir;
    PlotOptions options;
    for (const std::string& f : plot_formats(format)) {
      options.format = f;
      plot_search_overview((fs::path(out) / ("overview." + f)).string(), ranked, options);
    }
  }
  if (archives.empty() && dirs.empty()) throw usage_error("plot: nothing to draw");
}

}  // namespace

void add_plot_command(CLI::App& app, const GlobalOptions& /*global*/) {
  auto args = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plot", "Redraw candidate sheets from fold-mode archives (ARCHIVE.ar or a directory of "
              "them) without the raw data; a search directory also gets its overview plot");
  cmd->add_option("inputs", args->inputs, "Archives (*.ar) or directories")->required();
  cmd->add_option("-o,--output", args->out_dir, "Output directory (default: beside each archive)");
  cmd->add_option("--format", args->format, "png, pdf or both (default: fold.plot_format)")
      ->check(CLI::IsMember({"png", "pdf", "both"}));
  cmd->add_option("-c,--config", args->config,
                  "Configuration whose [fold] grids re-optimise the cubes (default: built-in)");
  cmd->add_option("-j,--threads", args->threads, "Threads (0 = all cores; default: config)");
  cmd->callback([args] { run_plot(*args); });
}

}  // namespace tianyan::cli
