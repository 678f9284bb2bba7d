#pragma once
// The merge of a campaign (docs/search.md, "Multi-beam coincidence"): the candidates of every
// unit (one beam of one scan, searched into its own directory) go through multi-beam
// coincidence scan by scan (kernels/search/multibeam.hpp) and into one candidate table and one
// report page over all scans. apply_multibeam() is the same check inside a single multi-beam
// `tianyan search`.
#include <string>
#include <vector>

#include "configs/pipeline_config.hpp"
#include "kernels/search/candidate.hpp"
#include "kernels/search/multibeam.hpp"

namespace tianyan {

// What one finished unit left: its candidates as its candidates.csv ranks them (index k is
// rank k + 1, the rank in its fold products' names cand_NNN.*), in `dir`.
struct CampaignUnitResult {
  std::string id, scan;  // unit identifier (any text) and the scan it belongs to
  int beam = 0;          // FAST beam 1..19, 0 when unknown
  std::string dir;       // the unit's output directory (absolute, or relative to the cwd)
  std::vector<Candidate> candidates;
};

// Multi-beam coincidence over candidates of any number of scans: candidates are grouped by
// Candidate::scan, each scan's go through multibeam_coincidence(), and the best candidate of
// every group not judged RFI comes back, ranked by sigma (ties in the coincidence's total
// order, so the result does not depend on the input order). When `groups` is given it receives
// every group, RFI included, in the same ranking. With config.enabled = false nothing is
// grouped or removed (the input comes back ranked). Throws BadInput for a bad configuration.
std::vector<Candidate> apply_multibeam(const std::vector<Candidate>& candidates,
                                       const CoincidenceConfig& config,
                                       std::vector<BeamGroup>* groups = nullptr);

// Writes, in MERGE_DIR (created when missing; every file atomically):
//  * candidates.csv: the kept groups (after coincidence), ranked: the columns of
//    io/candidates_writer.hpp, then `beams` (the beams the signal was seen in, "1;2;7"),
//    `nbeams`, `rfi` (0 here) and `unit` (the id of the unit whose detection is the best);
//  * rfi_candidates.csv: the groups judged terrestrial, same columns (rfi = 1);
//  * candidates.json: {"candidates": [...], "rfi_candidates": [...]} with the same fields
//    (beams and beam_sigma as arrays), plus "units_done", "units_missing", "multibeam" (the
//    coincidence settings), "config", "tianyan_version";
//  * report.html (io/report/report_html.hpp): one row per kept group. A group's best detection
//    links to the fold products its unit wrote for it: UNIT_DIR/cand_NNN.json (NNN its rank in
//    the unit) is read, and accepted when its "search" frequency and DM are the candidate's;
//    the files it names (archive, sheet, thumbnail) and it are hard-linked (copied where a link
//    is impossible) to MERGE_DIR/plots/<unit>_cand_NNN.*, so the page works offline, survives
//    the units' removal and costs no space on the same file system. The run metadata list the
//    units done and missing, the groups' beams and the configuration; overview.png (every kept
//    candidate) heads the page unless config.fold.plot_format is "none".
// A unit whose candidate's scan is empty or beam 0 lends it its own scan and beam; candidates
// without an observation length (tobs_s: candidates.csv lacks it) take it from the unit's
// candidates.json (same rank, same frequency), or the merge throws BadInput naming that file.
// Throws BadInput for a bad coincidence configuration, Environment when a file cannot be
// written; a missing or unreadable fold summary only leaves that row without links.
void write_campaign_merge(const std::string& merge_dir, const std::vector<CampaignUnitResult>& done,
                          const std::vector<std::string>& missing, const PipelineConfig& config,
                          const CoincidenceConfig& coincidence);

}  // namespace tianyan
