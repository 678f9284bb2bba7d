// What `tianyan search` writes after candidates.csv (docs/fold.md, "In a search"): its best
// fold.top_n candidates folded (one pass per beam, with the search's own RFI mask) into
// archives, sheets, thumbnails and summaries (pipeline/fold_products.hpp); the overview plot
// of all candidates and each beam's RFI mask (plotted, and saved as <beam>.mask for `tianyan fold
// --mask`); and DIR/report.html, which browses them.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "apps/cli.hpp"
#include "io/plot/plot.hpp"
#include "io/report/report_html.hpp"
#include "pipeline/fold_products.hpp"
#include "pipeline/fold_run.hpp"
#include "pipeline/progress.hpp"

namespace tianyan::cli {
namespace {

namespace fs = std::filesystem;

// Folds the top candidates that belong to one beam and fills their report rows.
void fold_beam_candidates(const SearchedBeam& sb, const PipelineConfig& config, int threads,
                          const ComputeTarget& target, const std::string& out_dir, bool quiet,
                          std::vector<ReportRow>& rows) {
  std::vector<size_t> mine;  // indices into rows
  const size_t top = std::min(rows.size(), static_cast<size_t>(config.fold.top_n));
  for (size_t i = 0; i < top; ++i) {
    if (candidate_in_beam(rows[i].cand, *sb.beam)) mine.push_back(i);
  }
  if (mine.empty()) return;
  const auto reader = open_beam(*sb.beam, OpenOptions{config.input.strict, threads});
  std::vector<FoldRequest> requests;
  for (size_t i : mine) {
    requests.push_back(candidate_fold_request(rows[i].cand, rows[i].rank, reader->info()));
  }
  Progress progress("fold " + beam_stem(*sb.beam), !quiet);
  FoldRunOptions options;
  options.threads = threads;
  options.backend = target.backend;
  options.device = target.device;
  options.reuse_mask = sb.mask->nblocks() > 0 ? sb.mask : nullptr;
  options.progress = [&progress](double f) { progress.update(f); };
  const std::vector<FoldedCandidate> folds = fold_beam(*reader, config, requests, options);
  progress.finish();
  for (size_t k = 0; k < folds.size(); ++k) {
    ReportRow& row = rows[mine[k]];
    const FoldProducts made = write_fold_products(out_dir, fmt::format("cand_{:03d}", row.rank),
                                                  folds[k], config.fold.plot_format);
    row.folded = true;
    row.fold_snr = folds[k].best.snr;
    row.redchi2 = folds[k].best.redchi2;
    row.fold_period_s = folds[k].best.model.period_s();
    row.fold_dm = folds[k].best.model.dm;
    row.plot = made.plots.empty() ? "" : made.plots.front();
    row.thumbnail = made.thumbnail;
    row.archive = made.archive;
    row.summary = made.summary;
  }
}

}  // namespace

void write_search_products(const std::vector<Candidate>& ranked,
                           const std::vector<SearchedBeam>& beams, const PipelineConfig& config,
                           int threads, const ComputeTarget& fold_target,
                           const std::string& out_dir, bool quiet,
                           const nlohmann::json& provenance) {
  // Each beam's RFI mask, as `tianyan rfi` writes it: `tianyan fold --mask` then cleans the
  // data exactly as the search did.
  for (const SearchedBeam& sb : beams) {
    if (sb.mask->nblocks() > 0) {
      sb.mask->save((fs::path(out_dir) / (beam_stem(*sb.beam) + ".mask")).string());
    }
  }
  std::vector<ReportRow> rows(ranked.size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    rows[i].cand = ranked[i];
    rows[i].rank = static_cast<int>(i) + 1;
  }
  if (config.fold.top_n > 0) {
    for (const SearchedBeam& sb : beams) {
      fold_beam_candidates(sb, config, threads, fold_target, out_dir, quiet, rows);
    }
  }
  // The report shows PNGs: the overview and the RFI masks are drawn as PNG whenever plotting
  // is on (and as PDF too when asked for).
  std::vector<std::string> overview;
  const std::vector<std::string> formats = plot_formats(config.fold.plot_format);
  if (!formats.empty()) {
    plot_search_overview((fs::path(out_dir) / "overview.png").string(), ranked, PlotOptions{});
    overview.push_back("overview.png");
    if (std::find(formats.begin(), formats.end(), "pdf") != formats.end()) {
      PlotOptions pdf;
      pdf.format = "pdf";
      plot_search_overview((fs::path(out_dir) / "overview.pdf").string(), ranked, pdf);
    }
    for (const SearchedBeam& sb : beams) {
      if (sb.mask->nblocks() == 0) continue;
      const std::string name = beam_stem(*sb.beam) + "_rfi.png";
      plot_rfi_mask((fs::path(out_dir) / name).string(), *sb.mask, PlotOptions{});
      overview.push_back(name);
    }
  }
  nlohmann::json meta = provenance;
  meta["configuration"] = pipeline_config_to_toml(config);
  write_report_html(out_dir, rows, overview, meta);
}

}  // namespace tianyan::cli
