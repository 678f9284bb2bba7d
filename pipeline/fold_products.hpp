#pragma once
// The files of one folded candidate, written side by side in an output directory (docs/fold.md,
// "Outputs"): NAME.ar, the PSRFITS fold-mode archive (io/psrfits/psrfits_fold_writer.hpp);
// NAME.png and/or NAME.pdf, the candidate sheet, and NAME_thumb.png, the report's thumbnail
// (io/plot/plot.hpp); NAME.json, the summary (io/fold_summary.hpp) naming the others. Shared by
// `tianyan fold`, `tianyan search` (its top candidates) and `tianyan plot` (redrawn sheets).
#include <string>
#include <vector>

#include "kernels/fold/fold.hpp"

namespace tianyan {

// Names relative to the directory; empty when not written.
struct FoldProducts {
  std::string archive, summary, thumbnail;
  std::vector<std::string> plots;  // the sheet: .png, .pdf or both
};

// The plot formats a [fold] plot_format names ("png", "pdf", "both", "none"), in order.
std::vector<std::string> plot_formats(const std::string& plot_format);

// Writes every product of `c` as DIR/NAME.*, each atomically. with_archive = false (a sheet
// redrawn from an existing archive) writes only the plots. Throws Environment when a file cannot
// be written, BadInput for an unknown plot_format.
FoldProducts write_fold_products(const std::string& dir, const std::string& name,
                                 const FoldedCandidate& c, const std::string& plot_format,
                                 bool with_archive = true);

}  // namespace tianyan
