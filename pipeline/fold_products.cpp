#include "pipeline/fold_products.hpp"

#include <filesystem>

#include "io/fold_summary.hpp"
#include "io/plot/plot.hpp"
#include "io/psrfits/psrfits_fold_writer.hpp"
#include "kernels/common/error.hpp"

namespace tianyan {

std::vector<std::string> plot_formats(const std::string& plot_format) {
  if (plot_format == "png" || plot_format == "pdf") return {plot_format};
  if (plot_format == "both") return {"png", "pdf"};
  if (plot_format == "none") return {};
  throw bad_input("fold.plot_format", "'{}' is not png, pdf, both or none", plot_format);
}

FoldProducts write_fold_products(const std::string& dir, const std::string& name,
                                 const FoldedCandidate& c, const std::string& plot_format,
                                 bool with_archive) {
  const std::filesystem::path d(dir);
  auto path = [&](const std::string& file) { return (d / file).string(); };
  FoldProducts out;
  const std::vector<std::string> formats = plot_formats(plot_format);
  if (with_archive) {
    out.archive = name + ".ar";
    write_fold_archive(path(out.archive), c);
  }
  for (const std::string& format : formats) {
    PlotOptions options;
    options.format = format;
    const std::string file = name + "." + format;
    plot_candidate_sheet(path(file), c, options);
    out.plots.push_back(file);
  }
  if (!formats.empty()) {
    out.thumbnail = name + "_thumb.png";
    plot_thumbnail(path(out.thumbnail), c, thumbnail_options());
  }
  if (with_archive) {
    out.summary = name + ".json";
    FoldSummaryFiles files{out.archive, out.plots};
    if (!out.thumbnail.empty()) files.plots.push_back(out.thumbnail);
    write_fold_summary(path(out.summary), c, files);
  }
  return out;
}

}  // namespace tianyan
